package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// TestBrowserWithoutJavaScript files an incident with scripts switched
// off: the buttons that add a row, preview markdown and look for similar
// incidents post the form and get it back with what was typed.
func TestBrowserWithoutJavaScript(t *testing.T) {
	a := newAPI(t)
	startChromium(t)
	a.addUser("riley", incident.RoleResponder, password)
	earlier := fileVia(t, a, map[string]any{"title": "Checkout pool exhausted", "service": "checkout", "severity": "SEV2",
		"primary_cause": map[string]any{"category": "resource-exhaustion",
			"description": "A bug in connection recycling left database connections open until the pool was exhausted."}})
	b := newTab(t, a)
	scripts := func(on bool) {
		if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
			t.Fatal(err)
		}
	}
	scripts(false)
	b.login("riley", password)
	b.open("/incidents/new")
	b.typeInto("#f-title", "Payments failed: pool exhausted")
	b.typeInto("#f-service", "payments")
	b.do(chromedp.SetValue(chromedp.CSS("#f-severity"), "SEV1"))
	b.do(chromedp.SetValue(chromedp.CSS("#f-primary_cause-category"), "resource-exhaustion"))
	b.typeInto("#f-primary_cause-description", "A bug in connection recycling left database connections open until the pool was exhausted again.")
	b.typeInto("#f-summary", "Payments failed for **everyone**.")
	b.typeInto(rowField("contributing_factors", 0, "description"), "A traffic spike.")
	b.do(chromedp.SetValue(chromedp.CSS(rowField("contributing_factors", 0, "category")), "capacity"))

	b.submit(`button[value="add:contributing_factors"]`)
	if n := b.count(`ol[data-rows=contributing_factors] > li`); n != 2 {
		t.Fatalf("adding a row without a script: %d rows", n)
	}
	if got := eval[string](b, `document.getElementById("f-title").value`); got != "Payments failed: pool exhausted" {
		t.Fatalf("adding a row lost the title: %q", got)
	}
	b.do(chromedp.SetValue(chromedp.CSS(rowField("contributing_factors", 1, "category")), "deployment"))
	b.typeInto(rowField("contributing_factors", 1, "description"), "A deploy removed an index.")

	b.submit(`button[value="preview:summary"]`)
	if got := b.text("#f-summary-preview strong"); got != "everyone" {
		t.Fatalf("preview without a script: %q", got)
	}
	b.submit(`button[value="similar"]`)
	if got := b.text("#similar-results"); !strings.Contains(got, earlier.Title) {
		t.Fatalf("similar incidents without a script: %q", got)
	}
	// axe-core is a script: it runs on the page as it is, without ours.
	scripts(true)
	b.check("form without scripts")
	scripts(false)

	b.submit("form.incident-form button.button-primary")
	if incidentPath.FindStringSubmatch(b.location()) == nil {
		t.Fatalf("filing without a script went to %s: %s", b.location(), b.text("main"))
	}
	if n := b.count("section[aria-labelledby=factors-h] .finding"); n != 2 || b.text(".prose strong") != "everyone" {
		t.Fatalf("filed without a script: %d factors; %s", n, b.text("main"))
	}
}
