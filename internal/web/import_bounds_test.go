package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// TestImportedNumbersNeverWedgeTheStore: an id or version in a file that the
// store could not hold, hand out after, or increment is refused with a
// message naming the field, and whatever a file could set, later creates,
// patches and imports still work.
func TestImportedNumbersNeverWedgeTheStore(t *testing.T) {
	file := func(frontMatter string) []byte {
		return []byte("---\n" + frontMatter + "\ntitle: Imported\nservice: Billing\n---\nBody.\n")
	}
	refused := []struct {
		name, frontMatter, field string
	}{
		{"id at the int64 limit", "id: 9223372036854775807", "id"},
		{"id beyond int64", "id: 9223372036854775808", "id"},
		{"id beyond JSON-safe integers", fmt.Sprintf("id: %d", incident.MaxID+1), "id"},
		{"negative id", "id: -4", "id"},
		{"zero id", "id: 0", "id"},
		{"fractional id", "id: 1.5", "id"},
		{"id as text", "id: seven", "id"},
		{"version at the int64 limit", "version: 9223372036854775807", "version"},
		{"negative version", "version: -1", "version"},
		{"zero version", "version: 0", "version"},
		{"fractional version", "version: 2.5", "version"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t)
			status, body := a.do("POST", "/api/v1/import", file(tt.frontMatter))
			if status != http.StatusUnprocessableEntity && status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400 or 422: %s", status, body)
			}
			if !strings.Contains(string(body), `"`+tt.field) && !strings.Contains(string(body), tt.field+":") {
				t.Errorf("the error does not name %s: %s", tt.field, body)
			}
			for _, internal := range []string{"!!", "int64", "unmarshal", "UnmarshalJSON", "Internal error"} {
				if strings.Contains(string(body), internal) {
					t.Errorf("the error shows %q: %s", internal, body)
				}
			}
			stillWorks(t, a)
		})
	}

	// The largest id and version a file may carry are accepted, and the
	// store goes on handing out ids and versions after them.
	a := newAPI(t)
	status, body := a.do("POST", "/api/v1/import", file(fmt.Sprintf("id: %d\nversion: %d", incident.MaxID, incident.MaxID)))
	if status != http.StatusCreated {
		t.Fatalf("import at the bound: %d %s", status, body)
	}
	var top incident.Incident
	json.Unmarshal(body, &top)
	if top.ID != incident.MaxID || top.Version != incident.MaxID {
		t.Fatalf("imported id %d version %d", top.ID, top.Version)
	}
	var patched incident.Incident
	a.json("PATCH", fmt.Sprintf("/api/v1/incidents/%d", top.ID), map[string]any{"version": top.Version, "title": "Patched"}, http.StatusOK, &patched)
	if patched.Version != top.Version+1 {
		t.Fatalf("patched to version %d", patched.Version)
	}
	stillWorks(t, a)
}

// stillWorks files, patches and deletes an incident, and lists.
func stillWorks(t *testing.T, a *api) {
	t.Helper()
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	path := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)
	a.json("PATCH", path, map[string]any{"version": inc.Version, "severity": "SEV2"}, http.StatusOK, nil)
	a.json("DELETE", path, nil, http.StatusNoContent, nil)
	a.json("GET", "/api/v1/incidents", nil, http.StatusOK, nil)
}

// TestImportRefusesAmbiguousYAML: YAML that could mean two things, or
// expand without bound, is refused with a message that says what, and
// leaves the store working.
func TestImportRefusesAmbiguousYAML(t *testing.T) {
	a := newAPI(t)
	for name, front := range map[string]string{
		"a repeated key":        "title: One\ntitle: Two\nservice: Billing",
		"a repeated nested key": "title: T\nservice: Billing\nimpact:\n  description: a\n  description: b",
		"an alias":              "title: &t T\nservice: *t",
		"a merge key":           "title: T\nservice: Billing\nprimary_cause:\n  <<: {category: database}",
		"a key in another case": "Title: T\nservice: Billing",
	} {
		status, body := a.do("POST", "/api/v1/import", []byte("---\n"+front+"\n---\n"))
		if status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", name, status, body)
		}
		noInternals(t, body)
	}
	stillWorks(t, a)
}
