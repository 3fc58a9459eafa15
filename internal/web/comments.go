package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// CommentStore is what the discussion handlers need from storage.
type CommentStore interface {
	AddComment(ctx context.Context, c *incident.Comment) error
	Comments(ctx context.Context, incidentID int64) ([]incident.Comment, error)
}

// newComment is a comment as posted. Its author is whoever the
// credentials name; an author in the body is accepted and ignored.
type newComment struct {
	Author string `json:"author"`
	Body   string `json:"body"`
}

func (s *Server) addComment(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	var in newComment
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	comment := incident.Comment{IncidentID: id, Author: principal(c).User.Name, Body: in.Body}
	if err := s.store.AddComment(c.Request.Context(), &comment); err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, comment)
}

func (s *Server) listComments(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	comments, err := s.store.Comments(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": comments})
}
