package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// TestBrowserFailureModes reads a service's failure modes and blast radius
// in Chromium, adds and edits a mode through the service page's forms, and
// files an incident whose form offers the modes of the service typed and
// of its dependencies, fetched as the service changes.
func TestBrowserFailureModes(t *testing.T) {
	a := newAPI(t)
	startChromium(t)
	loadExampleCatalog(t, a)
	a.addUser("rosa", incident.RoleResponder, password)
	b := newTab(t, a)
	b.login("rosa", password)

	// The blast radius of the database: a drawing with a text alternative
	// and a table of everything it reaches.
	b.open("/services/paymentsdb")
	if n := b.count("figure.blast svg[role=img] g.node-dependent"); n != 3 {
		t.Errorf("the drawing shows %d dependents, want 3", n)
	}
	if n := b.count("figure.blast svg g.node-industry"); n != 4 {
		t.Errorf("the drawing shows %d industries, want 4", n)
	}
	if rows := b.count("figure.blast table tbody tr"); rows != 7 {
		t.Errorf("the blast-radius table has %d rows, want 7", rows)
	}
	if desc := b.text("figure.blast"); !strings.Contains(desc, "through link-analytics") {
		t.Errorf("the table does not say how Linktree is reached: %s", desc)
	}
	b.check("service page: blast radius")

	// Linktree's modes, with their history; then a new one through the form.
	b.open("/services/linktree")
	if n := b.count("article.mode"); n != 4 {
		t.Fatalf("%d failure modes on the page, want 4", n)
	}
	b.do(chromedp.Click(chromedp.CSS("#mode-db-pool-exhaustion .mode-history summary")))
	if got := b.text("#mode-db-pool-exhaustion .mode-history ol"); !strings.Contains(got, "unmitigated") || !strings.Contains(got, "mitigated") {
		t.Errorf("history: %q", got)
	}
	b.check("service page: failure modes")
	b.do(chromedp.Click(chromedp.CSS(".mode-add summary")))
	b.typeInto("#mode-new-slug", "cdn-cache-purge")
	b.typeInto("#mode-new-title", "A cache purge sends every request to the origin")
	b.typeInto("#mode-new-detection", "Origin **load** alert.")
	b.check("service page: adding a failure mode")
	b.submit(".mode-add button[type=submit]")
	if loc := b.location(); loc != "/services/linktree#mode-cdn-cache-purge" {
		t.Fatalf("after adding: %s", loc)
	}
	if !strings.Contains(b.text(".flash"), "is added") || b.text("#mode-cdn-cache-purge .mode-facts strong") != "load" {
		t.Fatalf("added: flash %q, mode %q", b.text(".flash"), b.text("#mode-cdn-cache-purge"))
	}

	// Mark it mitigated from its own form.
	b.do(chromedp.Click(chromedp.CSS("#mode-cdn-cache-purge .mode-edit summary")))
	b.set("#mode-cdn-cache-purge-status", "mitigated")
	b.submit("#mode-cdn-cache-purge .mode-edit button[type=submit]")
	var m incident.FailureMode
	a.json("GET", "/api/v1/services/linktree/failure-modes/cdn-cache-purge", nil, http.StatusOK, &m)
	if m.Status != incident.ModeMitigated || len(m.History) != 2 || m.History[1].By != "rosa" || m.Version != 2 {
		t.Fatalf("after the edit: %+v", m)
	}
	if got := b.text("#mode-cdn-cache-purge .badges"); !strings.Contains(got, "mitigated") {
		t.Errorf("badge after the edit: %q", got)
	}

	// The incident form follows the service typed.
	b.open("/incidents/new")
	b.typeInto("#f-title", "Payouts stall on slow queries")
	b.set("#f-service", "Payment Processing")
	b.do(chromedp.WaitVisible(chromedp.CSS(`#mode-choices input[value="paymentsdb/missing-index-slow-queries"]`)))
	b.do(chromedp.Click(chromedp.CSS(`#mode-choices input[value="paymentsdb/missing-index-slow-queries"]`)))
	b.set("#f-service", "Linktree")
	b.do(chromedp.WaitVisible(chromedp.CSS(`#mode-choices input[value="db-pool-exhaustion"]`)))
	if !eval[bool](b, `document.querySelector('#mode-choices input[value="paymentsdb/missing-index-slow-queries"]').checked`) {
		t.Fatal("changing the service unchecked a mode of a dependency both have")
	}
	b.do(chromedp.Click(chromedp.CSS(`#mode-choices input[value="cdn-cache-purge"]`)))
	b.set("#f-severity", "SEV2")
	b.check("incident form offering failure modes")
	b.submit("form.incident-form button.button-primary")
	m2 := incidentPath.FindStringSubmatch(b.location())
	if m2 == nil {
		t.Fatalf("filing went to %s: %s", b.location(), b.text("main"))
	}
	var inc incident.Incident
	a.json("GET", "/api/v1/incidents/"+m2[1], nil, http.StatusOK, &inc)
	if !slices.Equal(inc.FailureModes, []string{"paymentsdb/missing-index-slow-queries", "cdn-cache-purge"}) &&
		!slices.Equal(inc.FailureModes, []string{"cdn-cache-purge", "paymentsdb/missing-index-slow-queries"}) {
		t.Fatalf("filed with %v", inc.FailureModes)
	}
	if n := b.count(`section[aria-labelledby=modes-h] li`); n != 2 {
		t.Errorf("the incident page lists %d failure modes, want 2", n)
	}
	b.check("incident page with failure modes")

	// The service page counts it against the mode marked mitigated.
	b.open("/services/linktree")
	if got := b.text("#mode-cdn-cache-purge .incident-meta"); !strings.Contains(got, "materialised in 1 incident") {
		t.Errorf("the mode's record: %q", got)
	}

	// The reports page has the failure-mode section.
	b.open("/reports")
	if got := b.text("section[aria-labelledby=modes-h]"); !strings.Contains(got, "A cache purge sends every request to the origin") ||
		!strings.Contains(got, "Blind spots") {
		t.Errorf("the reports page's failure modes: %q", got)
	}
	b.check("reports page with failure modes")
}
