package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// TestBrowserWebhooksAdmin runs the admin page for webhooks in Chromium as
// an admin would: a mistake shown beside its field with what was typed
// kept, a webhook added with its secret shown once (and the receiver
// verifying deliveries with it), the delivery log, a new secret with an
// overlap, disabling and deleting; each page checked at desktop and phone
// width for console errors, policy violations and accessibility.
func TestBrowserWebhooksAdmin(t *testing.T) {
	a, _ := newWebhookAPI(t)
	startChromium(t)
	rc := newReceiver(t, 0)
	a.addUser("ada", incident.RoleAdmin, password)

	admin := newTab(t, a)
	admin.login("ada", password)
	admin.open("/admin/webhooks")
	if !strings.Contains(admin.text("main"), "No webhooks yet") || admin.count(`nav a[href="/admin/webhooks"][aria-current=page]`) != 1 {
		t.Fatalf("the empty page: %s", admin.text("main"))
	}
	admin.check("webhooks, none yet")

	// A mistake: no events and a URL that is not http(s).
	admin.set("#w-url", "ftp://example.com/hook")
	admin.set("#w-description", "kept as typed")
	for _, id := range []string{"incident.created", "incident.status_changed"} {
		admin.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=events][value=%q]`, id))))
	}
	admin.submit(`form[action="/admin/webhooks"] button.button-primary`)
	admin.expect("status of 422")
	if admin.count("#w-url-error") != 1 || admin.count("#w-events-error") != 1 ||
		eval[string](admin, `document.getElementById("w-description").value`) != "kept as typed" ||
		eval[string](admin, `document.getElementById("w-url").getAttribute("aria-invalid")`) != "true" {
		t.Fatalf("a refused webhook: %s", admin.text("main"))
	}
	admin.check("webhooks with a mistake")

	// Added: the secret shown once, in a field the admin copies from.
	admin.set("#w-url", rc.server.URL+"/hook")
	admin.do(chromedp.Click(chromedp.CSS(`input[name=events][value="incident.created"]`)))
	admin.submit(`form[action="/admin/webhooks"] button.button-primary`)
	secret := eval[string](admin, `(document.getElementById("new-secret-value") || {value: ""}).value`)
	if !strings.HasPrefix(secret, "whsec_") || !strings.Contains(admin.text(".flash"), "shown only this once") {
		t.Fatalf("no secret after adding: %q %s", secret, admin.text("main"))
	}
	if loc := admin.location(); loc != "/admin/webhooks" {
		t.Fatalf("after adding the browser is at %s", loc)
	}
	admin.check("webhooks with a new secret")
	rc.setSecret(secret)
	admin.open("/admin/webhooks")
	if admin.count("#new-secret-value") != 0 || strings.Contains(admin.text("main"), secret) {
		t.Fatal("the secret is shown a second time")
	}

	// A delivery the receiver verifies with that secret, in the log.
	var created incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &created)
	waitFor(t, "a delivery", func() bool { _, d, _ := rc.snapshot(); return len(d) == 1 })
	if _, _, bad := rc.snapshot(); len(bad) != 0 {
		t.Fatalf("the receiver refused: %v", bad)
	}
	var hooks struct{ Items []incident.Webhook }
	a.json("GET", "/api/v1/webhooks", nil, http.StatusOK, &hooks)
	id := hooks.Items[0].ID
	waitFor(t, "the log", func() bool { return pendingOf(t, a, id) == 0 })
	admin.open("/admin/webhooks")
	admin.submit(fmt.Sprintf(`a[href="/admin/webhooks/%d"]`, id))
	if log := admin.text("table"); !strings.Contains(log, "incident.created") || !strings.Contains(log, "delivered") ||
		admin.count(fmt.Sprintf(`a[href="/incidents/%d"]`, created.ID)) != 1 {
		t.Fatalf("the delivery log: %s", admin.text("main"))
	}
	admin.check("a webhook's delivery log")

	// A new secret; the old one signs for an hour more.
	admin.open("/admin/webhooks")
	admin.do(chromedp.Click(chromedp.CSS("details summary")))
	admin.set(fmt.Sprintf("#overlap-%d", id), "1h")
	admin.submit(fmt.Sprintf(`form[action="/admin/webhooks/%d"] button[value=rotate]`, id))
	rotated := eval[string](admin, `(document.getElementById("new-secret-value") || {value: ""}).value`)
	if !strings.HasPrefix(rotated, "whsec_") || rotated == secret || !strings.Contains(admin.text(".flash"), "previous one also signs until") ||
		!strings.Contains(admin.text("table"), "two secrets sign until") {
		t.Fatalf("a new secret: %s", admin.text("main"))
	}
	admin.check("webhooks after a new secret")

	admin.submit(fmt.Sprintf(`form[action="/admin/webhooks/%d"] button[value=disable]`, id))
	if !strings.Contains(admin.text(".flash"), "is disabled") || admin.count(`button[value=enable]`) != 1 {
		t.Fatalf("disabling: %s", admin.text("main"))
	}
	admin.submit(fmt.Sprintf(`form[action="/admin/webhooks/%d"] button[value=delete]`, id))
	if !strings.Contains(admin.text(".flash"), "is deleted") || !strings.Contains(admin.text("main"), "No webhooks yet") {
		t.Fatalf("deleting: %s", admin.text("main"))
	}
	admin.check("webhooks after deleting")
}
