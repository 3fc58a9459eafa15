package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// mustContain fails the test unless the page holds every piece.
func mustContain(t *testing.T, what string, page []byte, pieces ...string) {
	t.Helper()
	for _, p := range pieces {
		if !strings.Contains(string(page), p) {
			t.Errorf("%s does not contain %q", what, p)
		}
	}
}

// withCatalogAsResponder is a server holding the example catalogue, and
// the browser of rosa, a responder, signed in.
func withCatalogAsResponder(t *testing.T) (*api, *browser) {
	t.Helper()
	a := newAPI(t)
	loadExampleCatalog(t, a)
	a.addUser("rosa", incident.RoleResponder, password)
	b := a.browser()
	b.login("rosa", password)
	return a, b
}

// page gets a page and fails the test unless it answers 200.
func (b *browser) page(path string) []byte {
	b.t.Helper()
	resp, body := b.do("GET", path, "", nil)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// TestFailureModesOnTheServicePage adds, edits and deletes a failure mode
// with the service page's forms, as a responder would without a script:
// refused input is shown again as typed beside its problem, a stale edit
// is a conflict that keeps the text, and each change is in the audit log.
func TestFailureModesOnTheServicePage(t *testing.T) {
	a, b := withCatalogAsResponder(t)
	page := b.page("/services/linktree")
	mustContain(t, "the service page", page,
		`id="mode-db-pool-exhaustion"`, `id="mode-no-regional-failover"`, "4 known failure modes, 2 unmitigated",
		"History: 2 status changes", `<svg viewBox=`, `<th scope="row">content creators</th><td>relies on Linktree</td>`,
		`action="/services/linktree/failure-modes"`, `href="/incidents/new?service=linktree"`)

	add := url.Values{"slug": {"Not A Slug"}, "title": {"A purge sends everything to the origin"}, "status": {"mitigated"},
		"description": {"Typed *text*"}, "detection": {""}, "mitigation": {"Stagger purges."}}
	resp, page := b.postForm("/services/linktree/failure-modes", add)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad slug: %d", resp.StatusCode)
	}
	mustContain(t, "the refused form", page, `aria-invalid="true"`, "must be lowercase-with-dashes",
		`value="A purge sends everything to the origin"`, ">Stagger purges.</textarea>", `<details class="mode-add no-print" open>`)

	add.Set("slug", "cdn-cache-purge")
	resp, _ = b.postForm("/services/linktree/failure-modes", add)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/services/linktree#mode-cdn-cache-purge" {
		t.Fatalf("add: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var m incident.FailureMode
	a.json("GET", "/api/v1/services/linktree/failure-modes/cdn-cache-purge", nil, http.StatusOK, &m)
	if m.Status != incident.ModeMitigated || m.Mitigation != "Stagger purges." || len(m.History) != 1 || m.History[0].By != "rosa" {
		t.Fatalf("added %+v", m)
	}
	_, page = b.do("GET", "/services/linktree", "", nil)
	mustContain(t, "the page after adding", page, "Failure mode &#34;A purge sends everything to the origin&#34; is added.",
		`id="mode-cdn-cache-purge"`, "<em>text</em>")

	edit := url.Values{"title": {m.Title}, "status": {"unmitigated"}, "description": {m.Description}, "detection": {"Origin load alert."},
		"mitigation": {m.Mitigation}, "version": {"1"}}
	if resp, _ = b.postForm("/services/linktree/failure-modes/cdn-cache-purge", edit); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	// The same form again, read at version 1, is someone else's stale edit.
	edit.Set("detection", "Mine")
	resp, page = b.postForm("/services/linktree/failure-modes/cdn-cache-purge", edit)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("stale edit: %d", resp.StatusCode)
	}
	mustContain(t, "the conflict", page, "Someone saved this failure mode while you were editing it (it is now at version 2)",
		">Mine</textarea>", `name="version" value="2"`)
	a.json("GET", "/api/v1/services/linktree/failure-modes/cdn-cache-purge", nil, http.StatusOK, &m)
	if m.Detection != "Origin load alert." || m.Status != incident.ModeUnmitigated || len(m.History) != 2 {
		t.Fatalf("after the conflict %+v", m)
	}

	// A mode that incidents link stays; one that none does can go.
	var linked map[string]any
	json.Unmarshal(readExample(t), &linked)
	linked["failure_modes"] = []string{"db-pool-exhaustion"}
	fileVia(t, a, linked)
	if resp, page = b.postForm("/services/linktree/failure-modes/db-pool-exhaustion/delete", nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("deleting a linked mode: %d", resp.StatusCode)
	}
	mustContain(t, "the refused delete", page, "db-pool-exhaustion")
	if resp, _ = b.postForm("/services/linktree/failure-modes/cdn-cache-purge/delete", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	a.json("GET", "/api/v1/services/linktree/failure-modes/cdn-cache-purge", nil, http.StatusNotFound, nil)

	// A viewer gets no form and may not post one.
	a.addUser("vic", incident.RoleViewer, password)
	v := a.browser()
	v.login("vic", password)
	_, page = v.do("GET", "/services/linktree", "", nil)
	if strings.Contains(string(page), `action="/services/linktree/failure-modes`) {
		t.Error("a viewer is offered the failure-mode forms")
	}
	if resp, _ = v.postForm("/services/linktree/failure-modes", add); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer post: %d", resp.StatusCode)
	}

	var actions []string
	for _, e := range auditEntries(t, a, "entity=failure_mode") {
		actions = append(actions, e.Actor.Name+" "+e.Action+" "+e.EntityID)
	}
	for _, want := range []string{"rosa failure_mode.create linktree/cdn-cache-purge", "rosa failure_mode.update linktree/cdn-cache-purge",
		"rosa failure_mode.delete linktree/cdn-cache-purge"} {
		if !slices.Contains(actions, want) {
			t.Errorf("no audit entry %q in %v", want, actions)
		}
	}
}

// TestIncidentFormOffersFailureModes: the form offers the modes of the
// service typed and of its dependencies, files the ones checked, refuses
// an unknown one beside the field with the known ones named, and the
// incident and service pages show the link.
func TestIncidentFormOffersFailureModes(t *testing.T) {
	a, b := withCatalogAsResponder(t)
	page := b.page("/incidents/new?service=linktree")
	mustContain(t, "the new form", page, `name="service" value="Linktree"`, "Linktree’s own",
		`name="failure_modes" value="db-pool-exhaustion"`, `name="failure_modes" value="paymentsdb/missing-index-slow-queries"`,
		"Payments DB <span class=\"muted\">(a dependency)</span>")

	// The script's fragment follows the service typed, keeping what is checked.
	resp, page := b.postForm("/incidents/failure-modes", url.Values{"service": {"Payment Processing"}, "failure_modes": {"paymentsdb/missing-index-slow-queries"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("fragment: %d %s", resp.StatusCode, page)
	}
	mustContain(t, "the fragment", page, `value="paymentsdb/missing-index-slow-queries" checked`)
	if strings.Contains(string(page), "db-pool-exhaustion") || strings.Contains(string(page), "<html") {
		t.Errorf("the fragment for Payment Processing: %s", page)
	}
	_, page = b.postForm("/incidents/failure-modes", url.Values{"service": {"Nothing Known"}})
	mustContain(t, "the fragment for a new service", page, "No failure mode is known for Nothing Known")

	form := url.Values{"title": {"Payments time out"}, "service": {"Linktree"}, "severity": {"SEV2"}, "status": {"resolved"},
		"postmortem_status": {"draft"}, "detection_method": {"unknown"}, "failure_modes": {"pool-exhaustion", "db-pool-exhaustion"}}
	resp, page = b.postForm("/incidents", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown mode: %d", resp.StatusCode)
	}
	mustContain(t, "the refused form", page, `<a href="#f-failure_modes">Failure modes</a>`, `unknown failure mode`,
		"campaign-traffic-spike, db-pool-exhaustion, microservice-cascade, no-regional-failover",
		`value="db-pool-exhaustion" checked`, `value="pool-exhaustion" checked`)

	form["failure_modes"] = []string{"db-pool-exhaustion", "paymentsdb/missing-index-slow-queries"}
	resp, _ = b.postForm("/incidents", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("file: %d", resp.StatusCode)
	}
	var id int64
	fmt.Sscanf(resp.Header.Get("Location"), "/incidents/%d", &id)
	var inc incident.Incident
	a.json("GET", fmt.Sprintf("/api/v1/incidents/%d", id), nil, http.StatusOK, &inc)
	if !slices.Equal(inc.FailureModes, []string{"db-pool-exhaustion", "paymentsdb/missing-index-slow-queries"}) {
		t.Fatalf("filed with %v", inc.FailureModes)
	}

	_, page = b.do("GET", fmt.Sprintf("/incidents/%d", id), "", nil)
	mustContain(t, "the incident page", page, "Failure modes that materialised",
		`<a href="/services/linktree#mode-db-pool-exhaustion">`, `<a href="/services/paymentsdb#mode-missing-index-slow-queries">`)
	_, page = b.do("GET", fmt.Sprintf("/incidents/%d/edit", id), "", nil)
	mustContain(t, "the edit form", page, `value="db-pool-exhaustion" checked`, `value="paymentsdb/missing-index-slow-queries" checked`)
	_, page = b.do("GET", "/services/paymentsdb", "", nil)
	mustContain(t, "the dependency's page", page, "materialised in 1 incident",
		`<th scope="row"><a href="/services/linktree">Linktree</a></th><td>through link-analytics</td>`,
		`<th scope="row"><a href="/services/paymentprocessing">Payment Processing</a></th><td>depends on Payments DB directly</td>`, fmt.Sprintf(`<a href="/incidents/%d">Payments time out</a>`, id))

	// Unchecking every box unlinks them.
	edit := url.Values{}
	for k, v := range form {
		edit[k] = v
	}
	edit.Del("failure_modes")
	edit.Set("version", "1")
	if resp, _ = b.postForm(fmt.Sprintf("/incidents/%d", id), edit); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	a.json("GET", fmt.Sprintf("/api/v1/incidents/%d", id), nil, http.StatusOK, &inc)
	if len(inc.FailureModes) != 0 {
		t.Fatalf("after unchecking: %v", inc.FailureModes)
	}
}

// TestReportsPageShowsFailureModes: the reports page lists the modes that
// materialised, the unmitigated ones among them, and the incidents that
// link none; the JSON report says the same.
func TestReportsPageShowsFailureModes(t *testing.T) {
	a, b := withCatalogAsResponder(t)
	var linked map[string]any
	json.Unmarshal(readExample(t), &linked)
	linked["failure_modes"] = []string{"db-pool-exhaustion", "campaign-traffic-spike"}
	first := fileVia(t, a, linked)
	linked["title"], linked["external_id"] = "The pool again", "again"
	second := fileVia(t, a, linked)
	fileVia(t, a, map[string]any{"title": "Nothing foreseen", "service": "Linktree", "severity": "SEV3", "started_at": "2025-03-20T10:00:00Z"})

	var rep report.Report
	a.json("GET", "/api/v1/reports/patterns", nil, http.StatusOK, &rep)
	fm := rep.FailureModes
	if len(fm.Materialised) != 2 || fm.Materialised[0].Count != 2 || len(fm.Unmitigated) != 1 || fm.Unmitigated[0].Slug != "campaign-traffic-spike" ||
		fm.Uncatalogued != 1 {
		t.Fatalf("failure modes %+v", fm)
	}
	var recurs bool
	for _, r := range rep.Recurring {
		recurs = recurs || r.FailureMode == "linktree/db-pool-exhaustion" && slices.Equal(r.IDs, []int64{first.ID, second.ID})
	}
	if !recurs {
		t.Errorf("no recurrence by failure mode in %+v", rep.Recurring)
	}
	page := b.page("/reports")
	mustContain(t, "the reports page", page, `<h2 id="modes-h">Failure modes</h2>`, "Risks that are hurting",
		`<a href="/services/linktree#mode-campaign-traffic-spike">Campaign-driven traffic spike beyond tested load</a>`,
		"1 of 3 incidents linked to no known failure mode", "they link one failure mode: <code class=\"slug\">linktree/db-pool-exhaustion</code>")
}
