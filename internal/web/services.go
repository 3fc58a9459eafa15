package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// ServiceStore is what the service handlers need from storage.
type ServiceStore interface {
	ListServices(ctx context.Context) ([]store.ServiceSummary, error)
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

func (s *Server) getService(c *gin.Context) {
	svc, err := s.store.GetService(c.Request.Context(), c.Param("key"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, svc)
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
