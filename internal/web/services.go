package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// ServiceStore is what the service handlers need from storage; a
// service's history is a report.
type ServiceStore interface {
	ReportStore
	ListServices(ctx context.Context) ([]incident.ServiceSummary, error)
	GetService(ctx context.Context, nameOrKey string) (*incident.Service, error)
	UpdateService(ctx context.Context, nameOrKey string, change incident.ServiceChange) (*incident.Service, error)
}

func (s *Server) listServices(c *gin.Context) {
	services, err := s.store.ListServices(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": services})
}

// getService answers with the service, what the catalogue says of it, its
// relations, and its history: recent incidents, outage types, time to
// resolve by severity, recurring causes, everything that depends on it,
// directly or not, with the industries they carry (its blast radius), and
// its failure modes with the incidents in which they materialised.
func (s *Server) getService(c *gin.Context) {
	recent, err := recentParam(c)
	if err != nil {
		writeError(c, err)
		return
	}
	svc, err := s.store.GetService(c.Request.Context(), c.Param("key"))
	if err != nil {
		writeError(c, err)
		return
	}
	history, err := report.History(c.Request.Context(), s.store, svc.Key, recent)
	if err != nil {
		writeError(c, err)
		return
	}
	modes, err := s.store.ServiceFailureModes(c.Request.Context(), svc.Key)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, serviceDetail{svc, history, modes})
}

// serviceDetail is a service with its history and patterns, and its
// failure modes with the incidents in which they materialised.
type serviceDetail struct {
	*incident.Service
	*report.ServiceHistory
	FailureModes []incident.ModeRecord `json:"failure_modes"`
}

// patchService edits a service's name, dependencies, dependents and
// industries; lists that are absent are left as they are.
func (s *Server) patchService(c *gin.Context) {
	var change incident.ServiceChange
	if err := decodeJSON(c, &change); err != nil {
		writeError(c, err)
		return
	}
	svc, err := s.store.UpdateService(c.Request.Context(), c.Param("key"), change)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, svc)
}
