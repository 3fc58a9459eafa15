package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// CatalogStore is what the catalogue and failure-mode handlers need.
type CatalogStore interface {
	ImportCatalog(ctx context.Context, cat *incident.Catalog) (*incident.CatalogImport, error)
	Catalog(ctx context.Context) ([]incident.CatalogService, error)
	FailureModes(ctx context.Context, nameOrKey string) ([]incident.FailureMode, error)
	FailureMode(ctx context.Context, nameOrKey, slug string) (*incident.FailureMode, error)
	CreateFailureMode(ctx context.Context, nameOrKey string, change incident.FailureModeChange) (*incident.FailureMode, error)
	UpdateFailureMode(ctx context.Context, nameOrKey, slug string, change incident.FailureModeChange) (*incident.FailureMode, error)
	DeleteFailureMode(ctx context.Context, nameOrKey, slug string) error
	ServiceFailureModes(ctx context.Context, nameOrKey string) ([]incident.ModeRecord, error)
	OfferedFailureModes(ctx context.Context, nameOrKey string) ([]incident.FailureMode, error)
}

// yamlMediaType is what catalogue uploads and exports are; yamlType
// what an export says it is.
const (
	yamlMediaType = "application/yaml"
	yamlType      = yamlMediaType + "; charset=utf-8"
)

// importCatalog takes a service catalogue as its body: Backstage
// descriptors (one or more entities, multi-document YAML) or our own
// export. It answers what the import did; importing the same body again
// changes nothing.
func (s *Server) importCatalog(c *gin.Context) {
	data, err := readBody(c)
	if err != nil {
		writeError(c, err)
		return
	}
	cat, err := catalog.Parse(data)
	if err != nil {
		writeError(c, err)
		return
	}
	result, err := s.store.ImportCatalog(c.Request.Context(), cat)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, result)
}

// exportCatalog answers the whole catalogue in our format, which
// POST /api/v1/catalog and `aftermath catalog import` read back.
func (s *Server) exportCatalog(c *gin.Context) {
	services, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	data, err := catalog.Marshal(services)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+catalog.FileName+`"`)
	c.Data(http.StatusOK, yamlType, data)
}

func (s *Server) listFailureModes(c *gin.Context) {
	modes, err := s.store.FailureModes(c.Request.Context(), c.Param("key"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": modes})
}

func (s *Server) getFailureMode(c *gin.Context) {
	m, err := s.store.FailureMode(c.Request.Context(), c.Param("key"), c.Param("slug"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

// createFailureMode adds a failure mode to a service: 201 with the stored
// mode (version 1, its history begun).
func (s *Server) createFailureMode(c *gin.Context) {
	var change incident.FailureModeChange
	if err := decodeJSON(c, &change); err != nil {
		writeError(c, err)
		return
	}
	m, err := s.store.CreateFailureMode(c.Request.Context(), c.Param("key"), change)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", "/api/v1/services/"+m.ServiceKey+"/failure-modes/"+m.Slug)
	c.JSON(http.StatusCreated, m)
}

// patchFailureMode edits a failure mode; fields left out stay as they
// are. A version, when given, must be the stored one (409 otherwise).
func (s *Server) patchFailureMode(c *gin.Context) {
	var change incident.FailureModeChange
	if err := decodeJSON(c, &change); err != nil {
		writeError(c, err)
		return
	}
	m, err := s.store.UpdateFailureMode(c.Request.Context(), c.Param("key"), c.Param("slug"), change)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

// deleteFailureMode removes a mode no incident links (409 otherwise).
func (s *Server) deleteFailureMode(c *gin.Context) {
	if err := s.store.DeleteFailureMode(c.Request.Context(), c.Param("key"), c.Param("slug")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
