package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// AuditStore is what the audit log's handler needs from storage.
type AuditStore interface {
	Audit(ctx context.Context, f incident.AuditFilter) (*incident.AuditPage, error)
}

// listAudit answers the audit log, newest first (admin only): filters
// actor (a user name), action, entity ("incident" or "incident/42"),
// since and until; limit and cursor page through it.
func (s *Server) listAudit(c *gin.Context) {
	var errs incident.FieldErrors
	f := incident.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action"), Entity: c.Query("entity")}
	f.Since = parseTimeParam(c, "since", &errs)
	f.Until = parseTimeParam(c, "until", &errs)
	f.Limit = limitParam(c, &errs)
	if raw := c.Query("cursor"); raw != "" {
		before, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || before < 1 {
			errs.Add("cursor", "must be the next_cursor of an earlier page")
		}
		f.Before = before
	}
	if err := badParams(&errs); err != nil {
		writeError(c, err)
		return
	}
	page, err := s.store.Audit(c.Request.Context(), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}
