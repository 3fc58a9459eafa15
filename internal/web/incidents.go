package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
)

// IncidentStore is what the incident handlers need from storage.
type IncidentStore interface {
	CreateIncident(ctx context.Context, inc *incident.Incident) error
	GetIncident(ctx context.Context, id int64) (*incident.Incident, error)
	UpdateIncident(ctx context.Context, inc *incident.Incident) error
	DeleteIncident(ctx context.Context, id int64) error
	ListIncidents(ctx context.Context, f incident.Filter) (*incident.Page, error)
}

func (s *Server) createIncident(c *gin.Context) {
	var inc incident.Incident
	if err := decodeJSON(c, &inc); err != nil {
		writeError(c, err)
		return
	}
	if err := postmortem.ValidateExtra(inc.Extra); err != nil {
		writeError(c, err)
		return
	}
	if err := s.store.CreateIncident(c.Request.Context(), &inc); err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", "/api/v1/incidents/"+strconv.FormatInt(inc.ID, 10))
	c.JSON(http.StatusCreated, &inc)
}

func (s *Server) getIncident(c *gin.Context) {
	inc, err := s.incidentAt(c)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, inc)
}

// incidentAt loads the incident that the :id path parameter names.
func (s *Server) incidentAt(c *gin.Context) (*incident.Incident, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	return s.store.GetIncident(c.Request.Context(), id)
}

func (s *Server) listIncidents(c *gin.Context) {
	filter, err := listFilter(c)
	if err != nil {
		writeError(c, err)
		return
	}
	page, err := s.store.ListIncidents(c.Request.Context(), filter)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

// patchIncident applies a JSON merge patch (RFC 7396) to an incident. The
// body must carry the version the client read; a stale one gets 409 with
// the current version. Read-only fields (id, service_key, created_at,
// updated_at) are ignored.
func (s *Server) patchIncident(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	patch, version, err := decodePatch(c)
	if err != nil {
		writeError(c, err)
		return
	}
	current, err := s.store.GetIncident(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	updated, err := applyPatch(current, patch)
	if err != nil {
		writeError(c, err)
		return
	}
	if err := postmortem.ValidateExtra(updated.Extra); err != nil {
		writeError(c, err)
		return
	}
	updated.ID, updated.Version = id, version
	if err := s.store.UpdateIncident(c.Request.Context(), updated); err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, updated)
}

func (s *Server) deleteIncident(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if err := s.store.DeleteIncident(c.Request.Context(), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// decodePatch reads a merge patch and the version it was made at. The
// patch is checked against the incident's shape first, so that a repeated,
// misspelt or mistyped field is refused with its name, as on create.
func decodePatch(c *gin.Context) (map[string]any, int, error) {
	data, err := readBody(c)
	if err != nil {
		return nil, 0, err
	}
	if len(bytes.TrimSpace(data)) == 0 || bytes.TrimSpace(data)[0] != '{' {
		return nil, 0, incident.Errorf(incident.EMALFORMED, "A patch must be one JSON object.")
	}
	if err := checkJSON(data, reflect.TypeFor[incident.Incident]()); err != nil {
		return nil, 0, err
	}
	var patch map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep integers such as affected_users exact
	if err := dec.Decode(&patch); err != nil {
		return nil, 0, jsonError(err)
	}
	raw, _ := patch["version"].(json.Number)
	version, convErr := raw.Int64()
	if convErr != nil || !incident.ValidID(version) {
		return nil, 0, &incident.Error{Code: incident.EMALFORMED, Message: "A patch must say which version it was made at.",
			Fields: map[string]string{"version": "is required: the version the incident was read at; " + incident.IDRule}}
	}
	for _, readOnly := range []string{"id", "version", "service_key", "created_at", "updated_at"} {
		delete(patch, readOnly)
	}
	return patch, int(version), nil
}

// applyPatch merges patch into a copy of current and decodes the result
// strictly, so unknown fields and wrong types are refused as on create.
func applyPatch(current *incident.Incident, patch map[string]any) (*incident.Incident, error) {
	var doc map[string]any
	encoded, err := json.Marshal(current)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(encoded))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	merged, err := json.Marshal(mergePatch(doc, patch))
	if err != nil {
		return nil, err
	}
	var updated incident.Incident
	if err := strictUnmarshal(merged, &updated); err != nil {
		return nil, err
	}
	return &updated, nil
}
