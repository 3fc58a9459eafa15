package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func TestLinktreeRoundTrip(t *testing.T) {
	a := newAPI(t)
	var created incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &created)
	if created.ID == 0 || created.Version != 1 || created.ServiceKey != "linktree" {
		t.Fatalf("created: id %d version %d key %q", created.ID, created.Version, created.ServiceKey)
	}

	// Every field sent comes back as sent.
	var sent, got map[string]any
	json.Unmarshal(readExample(t), &sent)
	a.json("GET", fmt.Sprintf("/api/v1/incidents/%d", created.ID), nil, http.StatusOK, &got)
	for key, want := range sent {
		if key == "action_items" {
			continue // gains done_at; checked below
		}
		if !reflect.DeepEqual(got[key], want) {
			t.Errorf("%s: got %v, want %v", key, got[key], want)
		}
	}
	items := got["action_items"].([]any)
	if len(items) != 5 {
		t.Fatalf("action items: %d", len(items))
	}
	for i, item := range items {
		m := item.(map[string]any)
		_, stamped := m["done_at"]
		if done := m["status"] == "done"; stamped != done {
			t.Errorf("action_items[%d]: status %v, done_at present %v", i, m["status"], stamped)
		}
	}
}

// TestRefusedRequestsChangeNothing sends bad input of every kind the
// contract names and checks the status, the error shape, and that the
// stored incident is unchanged.
func TestRefusedRequestsChangeNothing(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	path := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)
	before := a.json("GET", path, nil, http.StatusOK, nil)

	withField := func(key string, value any) []byte {
		var m map[string]any
		json.Unmarshal(readExample(t), &m)
		m[key] = value
		b, _ := json.Marshal(m)
		return b
	}
	huge := []byte(`{"title": "` + strings.Repeat("x", 3<<20) + `"}`)

	tests := []struct {
		name, method, path string
		body               []byte
		status             int
		code               string
		field              string // a field the error must name, if any
	}{
		{"malformed JSON", "POST", "/api/v1/incidents", []byte(`{"title": "x",`), 400, "bad_request", ""},
		{"not an object", "POST", "/api/v1/incidents", []byte(`[1, 2]`), 400, "bad_request", ""},
		{"empty body", "POST", "/api/v1/incidents", []byte(``), 400, "bad_request", ""},
		{"two values", "POST", "/api/v1/incidents", append(readExample(t), []byte(` {}`)...), 400, "bad_request", ""},
		{"wrong type", "POST", "/api/v1/incidents", withField("title", 42), 400, "bad_request", "title"},
		{"wrong list type", "POST", "/api/v1/incidents", withField("tags", "payments"), 400, "bad_request", "tags"},
		{"bad timestamp", "POST", "/api/v1/incidents", withField("started_at", "yesterday"), 400, "bad_request", ""},
		{"unknown field", "POST", "/api/v1/incidents", withField("severty", "SEV1"), 400, "bad_request", "severty"},
		{"3 MB body", "POST", "/api/v1/incidents", huge, 413, "too_large", ""},
		{"unknown category", "POST", "/api/v1/incidents", withField("primary_cause", map[string]any{"category": "gremlins", "description": "x"}), 422, "validation_failed", "primary_cause.category"},
		{"SEV9", "POST", "/api/v1/incidents", withField("severity", "SEV9"), 422, "validation_failed", "severity"},
		{"missing severity", "POST", "/api/v1/incidents", withField("severity", ""), 422, "validation_failed", "severity"},
		{"missing title", "POST", "/api/v1/incidents", withField("title", "  "), 422, "validation_failed", "title"},
		{"detected before started", "POST", "/api/v1/incidents", withField("detected_at", "2025-03-14T14:00:00Z"), 422, "validation_failed", "detected_at"},
		{"unknown outage type", "POST", "/api/v1/incidents", withField("outage_types", []string{"planetary"}), 422, "validation_failed", "outage_types[0]"},
		{"javascript link", "POST", "/api/v1/incidents", withField("links", []map[string]string{{"title": "x", "url": "javascript:alert(1)"}}), 422, "validation_failed", "links[0].url"},
		{"no such incident", "GET", "/api/v1/incidents/999999", nil, 404, "not_found", ""},
		{"id not a number", "GET", "/api/v1/incidents/abc", nil, 404, "not_found", ""},
		{"patch no such incident", "PATCH", "/api/v1/incidents/999999", []byte(`{"version": 1, "title": "x"}`), 404, "not_found", ""},
		{"delete no such incident", "DELETE", "/api/v1/incidents/999999", nil, 404, "not_found", ""},
		{"stale version", "PATCH", path, []byte(`{"version": 0, "title": "x"}`), 400, "bad_request", "version"},
		{"patch without version", "PATCH", path, []byte(`{"title": "x"}`), 400, "bad_request", "version"},
		{"patch SEV9", "PATCH", path, []byte(`{"version": 1, "severity": "SEV9"}`), 422, "validation_failed", "severity"},
		{"patch unknown field", "PATCH", path, []byte(`{"version": 1, "colour": "red"}`), 400, "bad_request", "colour"},
		{"patch wrong type", "PATCH", path, []byte(`{"version": 1, "impact": {"affected_users": "many"}}`), 400, "bad_request", "impact.affected_users"},
		{"patch out of order", "PATCH", path, []byte(`{"version": 1, "resolved_at": "2025-03-14T15:00:00Z"}`), 422, "validation_failed", "resolved_at"},
		{"patch 3 MB", "PATCH", path, huge, 413, "too_large", ""},
		{"list SEV9", "GET", "/api/v1/incidents?severity=SEV9", nil, 400, "bad_request", "severity"},
		{"list by an unknown status", "GET", "/api/v1/incidents?status=open,closed", nil, 400, "bad_request", "status"},
		{"list in an unknown order", "GET", "/api/v1/incidents?sort=severity", nil, 400, "bad_request", "sort"},
		{"list limit too big", "GET", "/api/v1/incidents?limit=501", nil, 400, "bad_request", "limit"},
		{"list bad since", "GET", "/api/v1/incidents?since=last-week", nil, 400, "bad_request", "since"},
		{"list bad cursor", "GET", "/api/v1/incidents?cursor=!!", nil, 400, "bad_request", "cursor"},
		{"comment empty", "POST", path + "/comments", []byte(`{"author": "", "body": ""}`), 422, "validation_failed", "body"},
		{"comment on nothing", "POST", "/api/v1/incidents/999999/comments", []byte(`{"author": "a", "body": "b"}`), 404, "not_found", ""},
		{"unknown route", "GET", "/api/v1/nothing", nil, 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := a.do(tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %.300s", status, tt.status, body)
			}
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("not the error shape: %v: %.300s", err, body)
			}
			if e.Error.Code != tt.code || e.Error.Message == "" || e.Error.RequestID == "" {
				t.Fatalf("error %+v, want code %s", e.Error, tt.code)
			}
			if tt.field != "" && e.Error.Fields[tt.field] == "" {
				t.Fatalf("fields %v do not name %s", e.Error.Fields, tt.field)
			}
			if after := a.json("GET", path, nil, http.StatusOK, nil); !bytes.Equal(before, after) {
				t.Fatalf("the incident changed:\nbefore %s\nafter  %s", before, after)
			}
			var page struct{ Total int }
			a.json("GET", "/api/v1/incidents", nil, http.StatusOK, &page)
			if page.Total != 1 {
				t.Fatalf("%d incidents stored, want 1", page.Total)
			}
		})
	}
}

func TestUnknownCategoryListsAllowedOnes(t *testing.T) {
	a := newAPI(t)
	var m map[string]any
	json.Unmarshal(readExample(t), &m)
	m["contributing_factors"] = []map[string]string{{"category": "gremlins", "description": "x"}}
	var e apiError
	a.json("POST", "/api/v1/incidents", m, http.StatusUnprocessableEntity, &e)
	msg := e.Error.Fields["contributing_factors[0].category"]
	for _, slug := range incident.DefaultCauseCategories {
		if !strings.Contains(msg, slug) {
			t.Errorf("message %q does not list %s", msg, slug)
		}
	}
}

func TestPatchAndOptimisticLocking(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	path := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)

	var patched incident.Incident
	a.json("PATCH", path, map[string]any{"version": 1, "severity": "SEV2", "lessons": map[string]any{"got_lucky": nil}}, http.StatusOK, &patched)
	if patched.Version != 2 || patched.Severity != "SEV2" {
		t.Fatalf("version %d severity %s", patched.Version, patched.Severity)
	}
	if patched.Lessons.GotLucky != "" || patched.Lessons.WentWell == "" {
		t.Fatalf("merge patch: lessons %+v", patched.Lessons)
	}
	if patched.Title != inc.Title || len(patched.Timeline) != len(inc.Timeline) {
		t.Fatal("fields not in the patch changed")
	}

	// A second writer still at version 1 is refused and told the current one.
	var e apiError
	a.json("PATCH", path, map[string]any{"version": 1, "severity": "SEV4"}, http.StatusConflict, &e)
	if e.Error.Code != "conflict" || e.Error.CurrentVersion != 2 {
		t.Fatalf("conflict: %+v", e.Error)
	}
	var got incident.Incident
	a.json("GET", path, nil, http.StatusOK, &got)
	if got.Severity != "SEV2" || got.Version != 2 {
		t.Fatalf("after conflict: severity %s version %d", got.Severity, got.Version)
	}

	// Marking an action item done stamps it.
	items := []map[string]any{}
	for _, it := range got.ActionItems {
		items = append(items, map[string]any{"title": it.Title, "kind": it.Kind, "status": "done"})
	}
	a.json("PATCH", path, map[string]any{"version": 2, "action_items": items}, http.StatusOK, &got)
	for i, it := range got.ActionItems {
		if it.DoneAt == nil {
			t.Errorf("action_items[%d] done without done_at", i)
		}
	}
}

func TestDelete(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	path := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)
	a.json("POST", path+"/comments", map[string]string{"author": "sam", "body": "first"}, http.StatusCreated, nil)
	a.json("DELETE", path, nil, http.StatusNoContent, nil)
	a.json("GET", path, nil, http.StatusNotFound, nil)
	a.json("GET", path+"/comments", nil, http.StatusNotFound, nil)
	var page struct{ Total int }
	a.json("GET", "/api/v1/incidents?q=connection", nil, http.StatusOK, &page)
	if page.Total != 0 {
		t.Fatalf("deleted incident still found by search")
	}
}

func TestComments(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	path := fmt.Sprintf("/api/v1/incidents/%d/comments", inc.ID)
	// The author is whoever the credentials name; one in the body is ignored.
	a.as(incident.RoleResponder).json("POST", path, map[string]string{"author": "alex", "body": "Why 95%?"}, http.StatusCreated, nil)
	a.json("POST", path, map[string]string{"body": "Because **defaults**."}, http.StatusCreated, nil)
	var list struct{ Items []incident.Comment }
	a.as(incident.RoleViewer).json("GET", path, nil, http.StatusOK, &list)
	if len(list.Items) != 2 || list.Items[0].Body != "Why 95%?" || list.Items[0].Author != "responder" || list.Items[1].Author != "admin" {
		t.Fatalf("comments: %+v", list.Items)
	}
}
