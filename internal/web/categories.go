package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// CategoryStore is what the vocabulary handlers need from storage.
type CategoryStore interface {
	Categories(ctx context.Context) ([]incident.Category, error)
	AddCategory(ctx context.Context, c incident.Category) error
}

func (s *Server) listCategories(c *gin.Context) {
	cats, err := s.store.Categories(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": cats})
}

func (s *Server) addCategory(c *gin.Context) {
	var cat incident.Category
	if err := decodeJSON(c, &cat); err != nil {
		writeError(c, err)
		return
	}
	if err := s.store.AddCategory(c.Request.Context(), cat); err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, cat)
}
