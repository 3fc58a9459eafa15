package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
)

// PostmortemStore is what the markdown handlers need from storage.
type PostmortemStore interface {
	archive.Snapshotter
	ImportIncidents(ctx context.Context, incs []*incident.Incident) ([]incident.ImportOutcome, []error, error)
	GetIncident(ctx context.Context, id int64) (*incident.Incident, error)
}

const markdownType = "text/markdown; charset=utf-8"

// getPostmortem answers one incident as its markdown post-mortem.
func (s *Server) getPostmortem(c *gin.Context) { s.servePostmortem(c, "inline") }

// downloadPostmortem is the incident page's download of the same file.
func (s *Server) downloadPostmortem(c *gin.Context) { s.servePostmortem(c, "attachment") }

// servePostmortem answers the incident of the :id parameter as markdown,
// shown in place (inline) or saved (attachment) under its export name.
func (s *Server) servePostmortem(c *gin.Context, disposition string) {
	inc, err := s.incidentAt(c)
	if err != nil {
		writeError(c, err)
		return
	}
	data, err := postmortem.Marshal(inc)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf("%s; filename=%q", disposition, postmortem.FileName(inc)))
	c.Data(http.StatusOK, markdownType, data)
}

// importPostmortem takes one markdown post-mortem (ours or icco/postmortems)
// as the body: 201 when it created an incident, 200 when it updated one or
// found it unchanged.
func (s *Server) importPostmortem(c *gin.Context) {
	data, err := readBody(c)
	if err != nil {
		writeError(c, err)
		return
	}
	inc, err := postmortem.Parse(data)
	if err != nil {
		writeError(c, err)
		return
	}
	outcomes, errs, err := s.store.ImportIncidents(c.Request.Context(), []*incident.Incident{inc})
	if err != nil {
		writeError(c, err)
		return
	}
	if errs[0] != nil {
		writeError(c, errs[0])
		return
	}
	stored, err := s.store.GetIncident(c.Request.Context(), inc.ID)
	if err != nil {
		writeError(c, err)
		return
	}
	status := http.StatusOK
	if outcomes[0] == incident.ImportCreated {
		status = http.StatusCreated
		c.Header("Location", fmt.Sprintf("/api/v1/incidents/%d", stored.ID))
	}
	c.JSON(status, stored)
}

// exportZip streams every post-mortem matching the list filters as one
// zip, with their comments, the service catalogue and the vocabularies,
// all read from one snapshot.
func (s *Server) exportZip(c *gin.Context) {
	filter, err := filterFrom(c, exportParams)
	if err != nil {
		writeError(c, err)
		return
	}
	name := "aftermath-export-" + time.Now().UTC().Format("20060102-150405") + ".zip"
	c.Header("Content-Type", "application/zip")
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	c.Status(http.StatusOK)
	if err := archive.WriteZip(c.Request.Context(), s.store, filter, c.Writer); err != nil {
		// The status is sent already: abort the connection so the client
		// sees a failed download rather than a truncated archive.
		logger(c).Error("export failed", "error", err.Error())
		panic(http.ErrAbortHandler)
	}
}
