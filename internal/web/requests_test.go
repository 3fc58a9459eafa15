package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// goInternals are words that belong to Go and its libraries, never to an
// answer.
var goInternals = []string{"UnmarshalJSON", "json:", "Go value", "int64", "!!", "reflect", "unmarshal", "struct"}

func noInternals(t *testing.T, body []byte) {
	t.Helper()
	for _, word := range goInternals {
		if strings.Contains(string(body), word) {
			t.Errorf("the answer shows %q: %s", word, body)
		}
	}
}

// TestAnIDHasOneSpelling: a path names an incident by its id's one
// spelling; every other spelling is 404, on every route that takes an id.
func TestAnIDHasOneSpelling(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	if inc.ID != 1 {
		t.Fatalf("id %d", inc.ID)
	}
	for _, id := range []string{"+1", "01", "001", "1.0", "1e0", "0x1", "%201", "1%20", "-1", "0", "9223372036854775808"} {
		for _, r := range []struct{ method, suffix string }{
			{"GET", ""}, {"PATCH", ""}, {"DELETE", ""}, {"GET", "/postmortem.md"}, {"GET", "/comments"}, {"POST", "/comments"},
		} {
			status, body := a.do(r.method, "/api/v1/incidents/"+id+r.suffix, []byte(`{"version": 1, "title": "x", "author": "a", "body": "b"}`))
			if status != http.StatusNotFound {
				t.Errorf("%s /incidents/%s%s: %d %s", r.method, id, r.suffix, status, body)
			}
		}
	}
	a.json("GET", "/api/v1/incidents/1", nil, http.StatusOK, nil)
	for _, q := range []string{"limit=+5", "limit=05", "limit=5.0", "limit=%205"} {
		if status, _ := a.do("GET", "/api/v1/incidents?"+q, nil); status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, status)
		}
	}
}

// TestRequestsThatWouldCorruptState: each is refused with the field named,
// the message free of Go internals, and the stored incident unchanged.
func TestRequestsThatWouldCorruptState(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	path := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)
	before := a.json("GET", path, nil, http.StatusOK, nil)
	example := strings.TrimSuffix(strings.TrimSpace(string(readExample(t))), "}")

	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"a repeated key", "POST", "/api/v1/incidents", example + `, "title": "second title"}`, 400, "title"},
		{"a repeated nested key", "PATCH", path, `{"version": 1, "impact": {"description": "a", "description": "b"}}`, 400, "impact.description"},
		{"a key in another case", "POST", "/api/v1/incidents", example + `, "Severity": "SEV4"}`, 400, "Severity"},
		{"a repeated key in a patch", "PATCH", path, `{"version": 1, "severity": "SEV2", "severity": "SEV4"}`, 400, "severity"},
		{"a key in another case in a patch", "PATCH", path, `{"version": 1, "Title": "x"}`, 400, "Title"},
		{"a timestamp that is a number", "PATCH", path, `{"version": 1, "started_at": 5}`, 400, "started_at"},
		{"a timestamp that is not RFC 3339", "PATCH", path, `{"version": 1, "started_at": "yesterday"}`, 400, "started_at"},
		{"a bad time deep in a list", "PATCH", path, `{"version": 1, "timeline": [{"at": "2025-03-14T15:02:00Z", "text": "a"}, {"at": "soon", "text": "b"}]}`, 400, "timeline[1].at"},
		{"a fraction where a whole number goes", "PATCH", path, `{"version": 1, "impact": {"affected_users": 1.5}}`, 400, "impact.affected_users"},
		{"a number in a list of text", "PATCH", path, `{"version": 1, "action_items": [{"title": 5, "kind": "prevent"}]}`, 400, "action_items[0].title"},
		{"a version beyond what JSON holds", "PATCH", path, `{"version": 9007199254740992, "title": "x"}`, 400, "version"},
		{"a fractional version", "PATCH", path, `{"version": 1.5, "title": "x"}`, 400, "version"},
		{"nulling the status", "PATCH", path, `{"version": 1, "status": null}`, 422, "status"},
		{"nulling the post-mortem status", "PATCH", path, `{"version": 1, "postmortem_status": null}`, 422, "postmortem_status"},
		{"nulling the detection method", "PATCH", path, `{"version": 1, "detection_method": null}`, 422, "detection_method"},
		{"nulling the severity", "PATCH", path, `{"version": 1, "severity": null}`, 422, "severity"},
		{"nulling the title", "PATCH", path, `{"version": 1, "title": null}`, 422, "title"},
		{"nulling the service", "PATCH", path, `{"version": 1, "service": null}`, 422, "service"},
		{"an empty status", "PATCH", path, `{"version": 1, "status": ""}`, 422, "status"},
		{"NUL in a title", "PATCH", path, `{"version": 1, "title": "pay\u0000ments"}`, 422, "title"},
		{"NUL in a description", "PATCH", path, `{"version": 1, "description": "before\u0000after"}`, 422, "description"},
		{"a bidi override in a title", "PATCH", path, `{"version": 1, "title": "invoice\u202efdp.exe"}`, 422, "title"},
		{"a bidi isolate in a tag", "PATCH", path, `{"version": 1, "tags": ["ok", "a\u2067b"]}`, 422, "tags[1]"},
		{"NUL in a service name", "PATCH", path, `{"version": 1, "service": "Link\u0000tree"}`, 422, "service"},
		{"NUL in a comment", "POST", path + "/comments", `{"author": "sam", "body": "a\u0000b"}`, 422, "body"},
		{"a bidi override in a token label", "POST", "/api/v1/tokens", `{"label": "ci\u202e"}`, 422, "label"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := a.do(tt.method, tt.path, []byte(tt.body))
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Fields[tt.field] == "" {
				t.Fatalf("the error does not name %s: %s", tt.field, body)
			}
			noInternals(t, body)
			if after := a.json("GET", path, nil, http.StatusOK, nil); string(after) != string(before) {
				t.Fatalf("the incident changed:\n%s\n%s", before, after)
			}
		})
	}
}

// TestAPatchThatChangesNothingKeepsTheVersion: a patch of the stored
// values is answered with the incident as it is, at the same version.
func TestAPatchThatChangesNothingKeepsTheVersion(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	path := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)
	for _, patch := range []map[string]any{
		{"version": 1},
		{"version": 1, "severity": "SEV1", "title": inc.Title},
		{"version": 1, "service": "LINKTREE"}, // the same service, spelt otherwise
		{"version": 1, "tags": inc.Tags, "outage_types": []string{"cascading", "global"}},
	} {
		var got incident.Incident
		a.json("PATCH", path, patch, http.StatusOK, &got)
		if got.Version != 1 || !got.UpdatedAt.Equal(inc.UpdatedAt) {
			t.Fatalf("patch %v: version %d, updated %s", patch, got.Version, got.UpdatedAt)
		}
	}
	var changed incident.Incident
	a.json("PATCH", path, map[string]any{"version": 1, "severity": "SEV2"}, http.StatusOK, &changed)
	if changed.Version != 2 {
		t.Fatalf("a real change: version %d", changed.Version)
	}
}

// TestErrorBodiesStaySmall: however many fields fail, the answer names at
// most 20 and lists the vocabulary once.
func TestErrorBodiesStaySmall(t *testing.T) {
	a := newAPI(t)
	// A vocabulary at its cap, with long slugs.
	for i := len(incident.DefaultCauseCategories); i < incident.MaxCategoriesPerKind; i++ {
		slug := fmt.Sprintf("%s-%03d", strings.Repeat("very-long-slug", 4), i)
		a.json("POST", "/api/v1/categories", map[string]any{"kind": "cause", "slug": slug}, http.StatusCreated, nil)
	}
	var e apiError
	a.json("POST", "/api/v1/categories", map[string]any{"kind": "cause", "slug": "one-too-many"}, http.StatusUnprocessableEntity, &e)
	if !strings.Contains(e.Error.Fields["kind"], "100") {
		t.Fatalf("the cap: %+v", e.Error)
	}
	var m map[string]any
	json.Unmarshal(readExample(t), &m)
	var factors []map[string]string
	for range incident.MaxListItems {
		factors = append(factors, map[string]string{"category": "gremlins", "description": "x"})
	}
	m["contributing_factors"] = factors
	m["tags"] = strings.Split(strings.Repeat("\u0000,", 150), ",")
	var many apiError
	body := a.json("POST", "/api/v1/incidents", m, http.StatusUnprocessableEntity, &many)
	if len(body) > 16<<10 {
		t.Fatalf("an error body of %d bytes", len(body))
	}
	if n := len(many.Error.Fields); n != incident.MaxFieldErrors {
		t.Fatalf("%d fields named", n)
	}
	if n := strings.Count(string(body), "slug-050"); n != 1 {
		t.Fatalf("the vocabulary is listed %d times", n)
	}
}

// TestImportOfAStaleFileIsAConflict: POST /import of a file older than the
// stored incident answers 409 with the current version and changes
// nothing.
func TestImportOfAStaleFileIsAConflict(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	path := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)
	status, md := a.do("GET", path+"/postmortem.md", nil)
	if status != http.StatusOK {
		t.Fatal(status)
	}
	a.json("PATCH", path, map[string]any{"version": 1, "title": "Edited in the app"}, http.StatusOK, nil)
	edited := strings.Replace(string(md), "severity: SEV1", "severity: SEV3", 1)
	status, body := a.do("POST", "/api/v1/import", []byte(edited))
	var e apiError
	json.Unmarshal(body, &e)
	if status != http.StatusConflict || e.Error.Code != "conflict" || e.Error.CurrentVersion != 2 {
		t.Fatalf("stale import: %d %s", status, body)
	}
	var stored incident.Incident
	a.json("GET", path, nil, http.StatusOK, &stored)
	if stored.Title != "Edited in the app" || stored.Severity != "SEV1" || stored.Version != 2 {
		t.Fatalf("the stale file changed the incident: %+v", stored)
	}
}

// TestQueryParametersAreCheckedLikeFields: a misspelt or repeated query
// parameter is refused with its name, rather than ignored (and the answer
// covering everything) or read one way of two.
func TestQueryParametersAreCheckedLikeFields(t *testing.T) {
	a := newAPI(t)
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, nil)
	for path, param := range map[string]string{
		"/api/v1/incidents?sevrity=SEV1":                             "sevrity",
		"/api/v1/incidents?severity=SEV1&severity=SEV2":              "severity",
		"/api/v1/incidents?q=a&q=b":                                  "q",
		"/api/v1/export.zip?limit=5":                                 "limit",
		"/api/v1/export.zip?servce=linktree":                         "servce",
		"/api/v1/reports/patterns?since=2025-01-01&since=2025-02-01": "since",
		"/api/v1/reports/patterns.md?severity=SEV1":                  "severity",
		"/api/v1/services/linktree?recnt=3":                          "recnt",
	} {
		status, body := a.do("GET", path, nil)
		var e apiError
		json.Unmarshal(body, &e)
		if status != http.StatusBadRequest || e.Error.Fields[param] == "" {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
	for _, path := range []string{"/api/v1/incidents?severity=SEV1&limit=5", "/api/v1/export.zip?service=linktree",
		"/api/v1/reports/patterns?since=2025-01-01&service=linktree", "/api/v1/services/linktree?recent=3"} {
		if status, body := a.do("GET", path, nil); status != http.StatusOK {
			t.Errorf("GET %s: %d %.200s", path, status, body)
		}
	}
}
