package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// loadExampleCatalog posts the example Backstage descriptors and the
// failure modes beside them, as a responder would.
func loadExampleCatalog(t testing.TB, a *api) {
	t.Helper()
	for _, f := range []string{"../../examples/catalog-info.yaml", "../../examples/linktree-catalog.yaml"} {
		status, body := a.do("POST", "/api/v1/catalog", readFile(t, f))
		if status != http.StatusOK {
			t.Fatalf("POST /api/v1/catalog %s: %d %s", f, status, body)
		}
	}
}

func TestCatalogUpload(t *testing.T) {
	a := newAPI(t)
	r := a.as(incident.RoleResponder)
	var result incident.CatalogImport
	status, body := r.do("POST", "/api/v1/catalog", readFile(t, "../../examples/catalog-info.yaml"))
	if status != http.StatusOK || json.Unmarshal(body, &result) != nil {
		t.Fatalf("%d %s", status, body)
	}
	if result.ServicesCreated != 5 || len(result.Notes) != 2 {
		t.Fatalf("result %+v", result)
	}
	// The same upload again changes nothing.
	_, body = r.do("POST", "/api/v1/catalog", readFile(t, "../../examples/catalog-info.yaml"))
	json.Unmarshal(body, &result)
	if result.ServicesCreated+result.ServicesUpdated != 0 || result.ServicesUnchanged != 5 {
		t.Fatalf("second upload %+v", result)
	}
	var svc incident.Service
	a.json("GET", "/api/v1/services/payment-processing", nil, http.StatusOK, &svc)
	if svc.Name != "Payment Processing" || svc.Owner != "payments-team" || svc.System != "creator-monetization" ||
		!slices.Equal(svc.DependsOn, []string{"cardgateway", "paymentsdb"}) || !slices.Equal(svc.Dependents, []string{"linktree"}) {
		t.Fatalf("payment processing: %+v", svc)
	}

	// A viewer may not upload; JSON is not a catalogue; a bad file is
	// refused with where it is wrong, and changes nothing.
	if status, _ := a.as(incident.RoleViewer).do("POST", "/api/v1/catalog", []byte("x")); status != http.StatusForbidden {
		t.Errorf("viewer upload: %d", status)
	}
	req := r.request("POST", "/api/v1/catalog", []byte(`{"services": []}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, _ := r.send(req); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON upload: %d", resp.StatusCode)
	}
	for body, want := range map[string]int{
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {title: x}\n":                                  http.StatusBadRequest,
		"format: aftermath-catalog/1\nservices:\n- name: linktree\n  failure_modes:\n  - slug: x\n    status: gone\n": http.StatusUnprocessableEntity,
		"format: aftermath-catalog/1\nservices:\n- name: linktree\n  owner: \"\\u202Eevil\"\n":                        http.StatusUnprocessableEntity,
	} {
		status, data := r.do("POST", "/api/v1/catalog", []byte(body))
		var e apiError
		if status != want || json.Unmarshal(data, &e) != nil || e.Error.Message == "" {
			t.Errorf("%q: %d %s, want %d", body, status, data, want)
		}
	}
	a.json("GET", "/api/v1/services/linktree", nil, http.StatusOK, &svc)
	if svc.Owner != "team-web" {
		t.Errorf("a refused upload changed the owner to %q", svc.Owner)
	}
}

// TestCatalogExportImportsBack: GET /api/v1/catalog is a file that POST
// /api/v1/catalog reads into an empty database, which then exports the
// same bytes.
func TestCatalogExportImportsBack(t *testing.T) {
	a := newAPI(t)
	loadExampleCatalog(t, a)
	resp, first := a.get("/api/v1/catalog")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/yaml") ||
		!strings.Contains(string(first), "slug: db-pool-exhaustion") {
		t.Fatalf("%d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), first)
	}
	b := newAPI(t)
	if status, body := b.do("POST", "/api/v1/catalog", first); status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	if _, second := b.get("/api/v1/catalog"); string(second) != string(first) {
		t.Fatalf("the catalogue changed on the way:\n%s\n---\n%s", first, second)
	}
}

func TestFailureModesThroughTheAPI(t *testing.T) {
	a := newAPI(t)
	loadExampleCatalog(t, a)
	r := a.as(incident.RoleResponder)
	var m incident.FailureMode
	r.json("POST", "/api/v1/services/Linktree/failure-modes", map[string]any{
		"slug": "cdn-cache-purge", "title": "A cache purge sends every request to the origin", "status": "accepted",
	}, http.StatusCreated, &m)
	if m.ServiceKey != "linktree" || m.Version != 1 || m.Status != incident.ModeAccepted || m.History[0].By != "responder" {
		t.Fatalf("created %+v", m)
	}
	var list struct{ Items []incident.FailureMode }
	a.as(incident.RoleViewer).json("GET", "/api/v1/services/linktree/failure-modes", nil, http.StatusOK, &list)
	if len(list.Items) != 5 || list.Items[0].Slug != "campaign-traffic-spike" {
		t.Fatalf("list %+v", list.Items)
	}
	r.json("PATCH", "/api/v1/services/linktree/failure-modes/cdn-cache-purge", map[string]any{"status": "mitigated", "version": 1}, http.StatusOK, &m)
	if m.Version != 2 || len(m.History) != 2 {
		t.Fatalf("patched %+v", m)
	}
	var e apiError
	r.json("PATCH", "/api/v1/services/linktree/failure-modes/cdn-cache-purge", map[string]any{"title": "x", "version": 1}, http.StatusConflict, &e)
	if e.Error.CurrentVersion != 2 {
		t.Errorf("conflict %+v", e)
	}
	r.json("PATCH", "/api/v1/services/linktree/failure-modes/cdn-cache-purge", map[string]any{"colour": "red"}, http.StatusBadRequest, &e)
	a.as(incident.RoleViewer).json("POST", "/api/v1/services/linktree/failure-modes", map[string]any{"slug": "x", "title": "x"}, http.StatusForbidden, &e)
	a.json("GET", "/api/v1/services/linktree/failure-modes/nope", nil, http.StatusNotFound, &e)
	a.json("GET", "/api/v1/services/nope/failure-modes", nil, http.StatusNotFound, &e)

	// Incidents link the modes; an unknown one is a 422 that lists them.
	var inc map[string]any
	json.Unmarshal(readExample(t), &inc)
	inc["failure_modes"] = []string{"db-pool-exhaustion", "Payments DB/missing-index-slow-queries"}
	var created incident.Incident
	r.json("POST", "/api/v1/incidents", inc, http.StatusCreated, &created)
	if !slices.Equal(created.FailureModes, []string{"db-pool-exhaustion", "paymentsdb/missing-index-slow-queries"}) {
		t.Fatalf("linked %v", created.FailureModes)
	}
	inc["failure_modes"] = []string{"pool-exhaustion"}
	r.json("POST", "/api/v1/incidents", inc, http.StatusUnprocessableEntity, &e)
	if msg := e.Error.Fields["failure_modes[0]"]; !strings.Contains(msg, "campaign-traffic-spike, cdn-cache-purge, db-pool-exhaustion, microservice-cascade, no-regional-failover") {
		t.Fatalf("422 message %q", msg)
	}
	r.json("DELETE", "/api/v1/services/linktree/failure-modes/db-pool-exhaustion", nil, http.StatusConflict, &e)
	r.json("DELETE", "/api/v1/services/linktree/failure-modes/cdn-cache-purge", nil, http.StatusNoContent, nil)

	// The markdown carries the links and imports back the same.
	_, md := a.get("/api/v1/incidents/" + jsonID(created.ID) + "/postmortem.md")
	if !strings.Contains(string(md), "failure_modes:\n- db-pool-exhaustion\n- paymentsdb/missing-index-slow-queries\n") ||
		!strings.Contains(string(md), "## Failure modes\n\n- db-pool-exhaustion\n- paymentsdb/missing-index-slow-queries\n") {
		t.Fatalf("markdown:\n%s", md)
	}
	if status, body := r.do("POST", "/api/v1/import", md); status != http.StatusOK {
		t.Fatalf("re-import: %d %s", status, body)
	}
	if _, again := a.get("/api/v1/incidents/" + jsonID(created.ID) + "/postmortem.md"); string(again) != string(md) {
		t.Fatal("the post-mortem changed on a round trip")
	}

	// Each change is in the audit log.
	var audit incident.AuditPage
	a.json("GET", "/api/v1/audit?entity=failure_mode", nil, http.StatusOK, &audit)
	var actions []string
	for _, e := range audit.Items {
		actions = append(actions, e.Action+" "+e.EntityID)
	}
	for _, want := range []string{"failure_mode.create linktree/cdn-cache-purge", "failure_mode.update linktree/cdn-cache-purge",
		"failure_mode.delete linktree/cdn-cache-purge", "failure_mode.import linktree/db-pool-exhaustion"} {
		if !slices.Contains(actions, want) {
			t.Errorf("no audit entry %q in %v", want, actions)
		}
	}
}

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }
