package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// rowField is the selector of a field in the n-th row (from 0) of a list
// in the incident form.
func rowField(list string, n int, col string) string {
	return fmt.Sprintf(`ol[data-rows=%q] > li:nth-of-type(%d) [name=%q]`, list, n+1, list+"."+col)
}

// formTime is a stored time as a datetime-local field holds it.
func formTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

// fillIncident fills the new-incident form with inc, adding rows with the
// form's own buttons, as a person would.
func fillIncident(b *tab, inc *incident.Incident) {
	b.t.Helper()
	b.typeInto("#f-title", inc.Title)
	b.typeInto("#f-service", inc.Service)
	b.set("#f-component", inc.Component)
	b.set("#f-severity", string(inc.Severity))
	b.set("#f-status", string(inc.Status))
	b.set("#f-postmortem_status", string(inc.PostmortemStatus))
	for _, o := range inc.OutageTypes {
		b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=outage_types][value=%q]`, o))))
	}
	b.set("#f-started_at", formTime(inc.StartedAt))
	b.set("#f-detected_at", formTime(inc.DetectedAt))
	b.set("#f-mitigated_at", formTime(inc.MitigatedAt))
	b.set("#f-resolved_at", formTime(inc.ResolvedAt))
	b.set("#f-detection_method", string(inc.DetectionMethod))
	b.set("#f-summary", inc.Summary)
	b.set("#f-impact-description", inc.Impact.Description)
	b.set("#f-impact-affected_users", fmt.Sprint(*inc.Impact.AffectedUsers))
	b.set("#f-impact-affected_dependents", strings.Join(inc.Impact.AffectedDependents, "\n"))
	b.set("#f-primary_cause-category", inc.PrimaryCause.Category)
	b.set("#f-primary_cause-trigger", inc.PrimaryCause.Trigger)
	b.typeInto("#f-primary_cause-description", inc.PrimaryCause.Description)
	addRows := func(list string, n int) {
		for b.count(fmt.Sprintf(`ol[data-rows=%q] > li`, list)) < n {
			b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-add-row=%q]`, list))))
		}
	}
	addRows("contributing_factors", len(inc.ContributingFactors))
	for i, f := range inc.ContributingFactors {
		b.set(rowField("contributing_factors", i, "category"), f.Category)
		b.set(rowField("contributing_factors", i, "description"), f.Description)
	}
	addRows("detection_gaps", len(inc.DetectionGaps))
	for i, g := range inc.DetectionGaps {
		b.set(rowField("detection_gaps", i, "category"), g.Category)
		b.set(rowField("detection_gaps", i, "description"), g.Description)
	}
	addRows("action_items", len(inc.ActionItems))
	for i, a := range inc.ActionItems {
		b.set(rowField("action_items", i, "title"), a.Title)
		b.set(rowField("action_items", i, "kind"), string(a.Kind))
		b.set(rowField("action_items", i, "owner"), a.Owner)
		b.set(rowField("action_items", i, "due_date"), a.DueDate)
		b.set(rowField("action_items", i, "status"), string(a.Status))
		b.set(rowField("action_items", i, "addresses"), a.Addresses)
	}
	addRows("timeline", len(inc.Timeline))
	for i, e := range inc.Timeline {
		b.set(rowField("timeline", i, "at"), formTime(&e.At))
		b.set(rowField("timeline", i, "kind"), e.Kind)
		b.set(rowField("timeline", i, "text"), e.Text)
	}
	b.set("#f-lessons-went_well", inc.Lessons.WentWell)
	b.set("#f-lessons-went_wrong", inc.Lessons.WentWrong)
	b.set("#f-lessons-got_lucky", inc.Lessons.GotLucky)
	b.set("#f-tags", strings.Join(inc.Tags, ", "))
	addRows("links", len(inc.Links))
	for i, l := range inc.Links {
		b.set(rowField("links", i, "title"), l.Title)
		b.set(rowField("links", i, "url"), l.URL)
	}
}

// sameFiled compares what the form filed with what was typed: every field
// a person fills in.
func sameFiled(t *testing.T, got, want *incident.Incident) {
	t.Helper()
	for i := range want.ActionItems {
		want.ActionItems[i].DoneAt = nil
	}
	for i := range got.ActionItems {
		got.ActionItems[i].DoneAt = nil
	}
	type filed struct {
		Title, Service, Component                      string
		Severity                                       incident.Severity
		Status                                         incident.Status
		PostmortemStatus                               incident.PostmortemStatus
		OutageTypes                                    []incident.OutageType
		StartedAt, DetectedAt, MitigatedAt, ResolvedAt *time.Time
		Summary                                        string
		Impact                                         incident.Impact
		PrimaryCause                                   incident.Cause
		ContributingFactors, DetectionGaps             []incident.Finding
		DetectionMethod                                incident.DetectionMethod
		ActionItems                                    []incident.ActionItem
		Timeline                                       []incident.TimelineEntry
		Lessons                                        incident.Lessons
		Tags                                           []string
		Links                                          []incident.Link
	}
	view := func(inc *incident.Incident) string {
		data, _ := json.MarshalIndent(filed{inc.Title, inc.Service, inc.Component, inc.Severity, inc.Status, inc.PostmortemStatus,
			inc.OutageTypes, inc.StartedAt, inc.DetectedAt, inc.MitigatedAt, inc.ResolvedAt, inc.Summary, inc.Impact,
			inc.PrimaryCause, inc.ContributingFactors, inc.DetectionGaps, inc.DetectionMethod, inc.ActionItems,
			inc.Timeline, inc.Lessons, inc.Tags, inc.Links}, "", " ")
		return string(data)
	}
	if g, w := view(got), view(want); g != w {
		t.Fatalf("the form filed\n%s\nbut the person typed\n%s", g, w)
	}
}

var incidentPath = regexp.MustCompile(`^/incidents/(\d+)$`)

// TestBrowserIncidentLifecycle files the Linktree incident through the
// form, reads it, discusses it, edits it (also against a concurrent
// save, and with mistakes), and filters the list, checking every page on
// the way at desktop and phone width.
func TestBrowserIncidentLifecycle(t *testing.T) {
	a := newAPI(t)
	startChromium(t)
	a.addUser("riley", incident.RoleResponder, password)
	a.addUser("ada", incident.RoleAdmin, password)
	linktree := readLinktree(t)

	// History to learn from: an earlier incident elsewhere whose cause
	// reads nearly the same, and others to filter out.
	earlier := fileVia(t, a, map[string]any{"title": "Checkout connection pool exhausted", "service": "checkout", "severity": "SEV2",
		"started_at": "2024-11-02T09:00:00Z",
		"primary_cause": map[string]any{"category": "resource-exhaustion",
			"description": "Database connection pool exhaustion in the checkout service. A bug in connection recycling logic caused connections to remain open indefinitely, exhausting the available connection pool within 10 minutes."}})
	fileVia(t, a, map[string]any{"title": "Search index rebuild stalled", "service": "search", "severity": "SEV3", "started_at": "2025-01-10T10:00:00Z",
		"primary_cause": map[string]any{"category": "capacity", "description": "The rebuild ran out of disk on the indexer."}})
	fileVia(t, a, map[string]any{"title": "Login latency", "service": "auth", "severity": "SEV4", "status": "investigating", "started_at": "2025-02-01T10:00:00Z"})

	b := newTab(t, a)
	b.open("/")
	if loc := b.location(); !strings.HasPrefix(loc, "/login?next=") {
		t.Fatalf("signed out, / went to %s", loc)
	}
	b.check("login")
	b.login("riley", password)
	b.check("dashboard")
	if !strings.Contains(b.text(".stats"), "open incidents") || b.count(".card") < 4 {
		t.Fatalf("dashboard: %s", b.text("main"))
	}

	// File the incident.
	b.open("/incidents/new")
	b.check("new incident form")
	fillIncident(b, linktree)
	// Leaving the cause field looks for incidents that read the same.
	b.do(chromedp.Click(chromedp.CSS("#f-primary_cause-trigger")),
		chromedp.WaitVisible(chromedp.CSS("#similar-results .similar-list a")))
	if got := b.text("#similar-results"); !strings.Contains(got, earlier.Title) {
		t.Fatalf("similar incidents while typing: %q, want %q", got, earlier.Title)
	}
	b.check("new incident form, filled in")
	b.submit("form.incident-form button.button-primary")
	m := incidentPath.FindStringSubmatch(b.location())
	if m == nil {
		t.Fatalf("filing went to %s: %s", b.location(), b.text("main"))
	}
	id := m[1]
	if !strings.Contains(b.text(".flash"), "is filed") || b.text("h1") != linktree.Title {
		t.Fatalf("incident page: flash %q, title %q", b.text(".flash"), b.text("h1"))
	}
	var stored incident.Incident
	a.json("GET", "/api/v1/incidents/"+id, nil, http.StatusOK, &stored)
	sameFiled(t, &stored, readLinktree(t))

	// See it rendered: every part of the post-mortem.
	for sel, want := range map[string]int{
		".timeline li": len(linktree.Timeline), "section[aria-labelledby=factors-h] .finding": 2,
		".finding-gap": 3, "#action-items tbody tr": 5, ".lesson": 3, ".finding-cause": 1,
		"#action-items tr.overdue": 3,
	} {
		if n := b.count(sel); n != want {
			t.Errorf("incident page: %d of %s, want %d", n, sel, want)
		}
	}
	if got := b.text("aside"); !strings.Contains(got, earlier.Title) {
		t.Errorf("the incident page does not show the similar incident: %s", got)
	}
	b.check("incident page")
	b.printed("incident page")

	// Discuss it, in markdown.
	b.typeInto("#comment-body", "Why did the **95%** alert not fire?")
	b.do(chromedp.Click(chromedp.CSS("button[data-preview-for=comment-body]")),
		chromedp.WaitVisible(chromedp.CSS("#comment-body-preview strong")))
	b.submit("form.comment-form button.button-primary")
	if got := b.text(".comment .prose strong"); got != "95%" || !strings.Contains(b.text(".comment-head"), "riley") {
		t.Fatalf("comment: %q by %q", got, b.text(".comment-head"))
	}
	b.check("incident page with a comment")

	// Change its status from the page.
	b.set("#side-pm", "in_review")
	b.submit("form[action$='/status'] button")
	if !strings.Contains(b.text(".badges"), "in review") {
		t.Fatalf("status change: %s", b.text(".badges"))
	}

	// Edit it: a new severity and one more action item.
	b.open("/incidents/" + id + "/edit")
	b.check("edit form")
	b.set("#f-severity", "SEV2")
	b.do(chromedp.Click(chromedp.CSS(`button[data-add-row="action_items"]`)))
	b.set(rowField("action_items", 5, "title"), "Page on-call when the pool fills faster than 5% a minute")
	b.set(rowField("action_items", 5, "owner"), "sre")
	b.set(rowField("action_items", 5, "due_date"), "2025-04-15")
	b.submit("form.incident-form button.button-primary")
	if !strings.Contains(b.text(".badges"), "SEV2") || b.count("#action-items tbody tr") != 6 {
		t.Fatalf("after the edit: %s, %d action items", b.text(".badges"), b.count("#action-items tbody tr"))
	}

	// Mistakes are shown beside their fields; what was typed stays.
	b.open("/incidents/" + id + "/edit")
	b.set("#f-title", "")
	b.set("#f-summary", "A summary rewritten while the title was lost.")
	b.set("#f-detected_at", "2025-03-14T14:00:00")
	b.submit("form.incident-form button.button-primary")
	b.expect(`status of 422`)
	if b.count("#error-summary li") != 2 || b.count("#f-title[aria-invalid=true]") != 1 || b.count("#f-detected_at-error") != 1 {
		t.Fatalf("validation: %s", b.text("#error-summary"))
	}
	if got := eval[string](b, `document.getElementById("f-summary").value`); got != "A summary rewritten while the title was lost." {
		t.Fatalf("the summary typed was lost: %q", got)
	}
	b.check("edit form with mistakes")

	// Someone saves while this person edits: the edit is explained, kept,
	// and saved only when asked again.
	b.open("/incidents/" + id + "/edit")
	b.set("#f-title", "Payments down: connection pool exhausted by a recycling bug")
	a.json("GET", "/api/v1/incidents/"+id, nil, http.StatusOK, &stored)
	a.json("PATCH", "/api/v1/incidents/"+id, map[string]any{"version": stored.Version, "severity": "SEV3"}, http.StatusOK, &stored)
	b.submit("form.incident-form button.button-primary")
	b.expect(`status of 409`)
	if b.count("#conflict a[href='/incidents/"+id+"']") != 1 || !strings.Contains(b.text("#conflict"), "Severity") {
		t.Fatalf("conflict: %s", b.text("#conflict"))
	}
	if got := eval[string](b, `document.getElementById("f-title").value`); !strings.HasPrefix(got, "Payments down") {
		t.Fatalf("the title typed was lost on the conflict: %q", got)
	}
	b.check("edit conflict")
	a.json("GET", "/api/v1/incidents/"+id, nil, http.StatusOK, &stored)
	if stored.Title != linktree.Title || stored.Severity != incident.SEV3 {
		t.Fatalf("the stale edit was saved: %q %s", stored.Title, stored.Severity)
	}
	b.submit("form.incident-form button.button-primary")
	if b.text("h1") != "Payments down: connection pool exhausted by a recycling bug" || !strings.Contains(b.text(".badges"), "SEV2") {
		t.Fatalf("saving again: %s %s", b.text("h1"), b.text(".badges"))
	}

	// Filter the list; the filters stay in the address.
	b.open("/incidents")
	b.check("incident list")
	b.set("#f-severity", "SEV2")
	b.submit("form.filters button[type=submit]:not(.button-primary)")
	if loc := b.location(); !strings.Contains(loc, "severity=SEV2") {
		t.Fatalf("filtered list at %s", loc)
	}
	titles := eval[[]string](b, `Array.from(document.querySelectorAll(".incident-title")).map(function (a) { return a.textContent; })`)
	severities := eval[[]string](b, `Array.from(document.querySelectorAll("table.incidents .sev")).map(function (s) { return s.textContent; })`)
	if len(titles) != 2 || slices.ContainsFunc(severities, func(s string) bool { return s != "SEV2" }) {
		t.Fatalf("SEV2 incidents: %v %v", titles, severities)
	}
	b.set("#f-q", "recycling")
	b.submit("form.filters .search-row button")
	titles = eval[[]string](b, `Array.from(document.querySelectorAll(".incident-title")).map(function (a) { return a.textContent; })`)
	if loc := b.location(); !strings.Contains(loc, "q=recycling") || !strings.Contains(loc, "severity=SEV2") || len(titles) != 2 {
		t.Fatalf("search within the filter at %s: %v", loc, titles)
	}
	b.check("filtered incident list")
	b.open("/incidents?severity=SEV9")
	b.expect(`status of 400`)
	if !strings.Contains(b.text(".filters .alert-error"), "must be one of") {
		t.Fatalf("a bad filter: %s", b.text(".filters"))
	}
	b.check("incident list with a bad filter")

	// An error is a page, with the request id.
	b.open("/incidents/987654")
	b.expect(`status of 404`)
	if !strings.Contains(b.text("main"), "Incident 987654 does not exist") || b.count(".error-page code") != 1 {
		t.Fatalf("missing incident: %s", b.text("main"))
	}
	b.check("not found")
	b.open("/no/such/page")
	b.expect(`status of 404`)
	if b.count(".error-page") != 1 {
		t.Fatalf("an unknown address: %s", b.text("body"))
	}
}

// fileVia files an incident through the API for a test's history.
func fileVia(t *testing.T, a *api, fields map[string]any) *incident.Incident {
	t.Helper()
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", fields, http.StatusCreated, &inc)
	return &inc
}

// readLinktree decodes the Linktree example.
func readLinktree(t *testing.T) *incident.Incident {
	t.Helper()
	var inc incident.Incident
	if err := json.Unmarshal(readExample(t), &inc); err != nil {
		t.Fatal(err)
	}
	return &inc
}
