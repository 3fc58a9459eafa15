package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

var secretOnPage = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

// TestWebhooksAdminPage drives the admin page as an admin would: add a
// webhook (its secret shown once), see it listed without its secret, get
// a new secret, disable it, read its delivery log; a mistake is shown
// beside its field with what was typed; a viewer may not see the page.
func TestWebhooksAdminPage(t *testing.T) {
	a, _ := newWebhookAPI(t)
	rc := newReceiver(t, 0)
	b := a.browser()
	a.addUser("boss", incident.RoleAdmin, "a long enough password")
	b.login("boss", "a long enough password")

	resp, page := b.do("GET", "/admin/webhooks", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `name="url"`) || !strings.Contains(string(page), "No webhooks yet") {
		t.Fatalf("the page: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = b.postForm("/admin/webhooks", url.Values{"url": {rc.server.URL + "/hook"},
		"description": {`<script>alert("x")</script> chat`}, "events": {"incident.created", "comment.created"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/webhooks" {
		t.Fatalf("adding: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The page after the post shows the secret, once.
	_, page = b.do("GET", "/admin/webhooks", "", nil)
	secret := secretOnPage.FindString(html.UnescapeString(string(page)))
	if secret == "" || !strings.Contains(string(page), "shown only this once") {
		t.Fatalf("no secret after adding:\n%s", page)
	}
	if strings.Contains(string(page), `<script>alert`) {
		t.Error("the description reached the page unescaped")
	}
	_, list := b.do("GET", "/admin/webhooks", "", nil)
	if secretOnPage.MatchString(html.UnescapeString(string(list))) || !strings.Contains(string(list), rc.server.URL+"/hook") ||
		!strings.Contains(string(list), "incident.created, comment.created") {
		t.Fatalf("the list shows the secret again, or not the webhook:\n%s", list)
	}
	var hooks struct{ Items []incident.Webhook }
	a.json("GET", "/api/v1/webhooks", nil, http.StatusOK, &hooks)
	id := hooks.Items[0].ID
	rc.setSecret(secret)

	// A delivery, then the log.
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, nil)
	waitFor(t, "a delivery", func() bool { _, d, _ := rc.snapshot(); return len(d) == 1 })
	waitFor(t, "the log", func() bool { return pendingOf(t, a, id) == 0 })
	resp, logPage := b.do("GET", fmt.Sprintf("/admin/webhooks/%d", id), "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(logPage), "incident.created") || !strings.Contains(string(logPage), "delivered") {
		t.Fatalf("the log page: %d\n%s", resp.StatusCode, logPage)
	}

	// A new secret, shown once; the old one signs for an hour more.
	resp, _ = b.postForm(fmt.Sprintf("/admin/webhooks/%d", id), url.Values{"_action": {"rotate"}, "overlap": {"1h"}})
	_, page = b.do("GET", "/admin/webhooks", "", nil)
	rotated := secretOnPage.FindString(html.UnescapeString(string(page)))
	if resp.StatusCode != http.StatusSeeOther || rotated == "" || rotated == secret || !strings.Contains(string(page), "previous one also signs until") {
		t.Fatalf("rotating: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = b.postForm(fmt.Sprintf("/admin/webhooks/%d", id), url.Values{"_action": {"disable"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/webhooks" {
		t.Fatalf("disabling: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, list = b.do("GET", "/admin/webhooks", "", nil)
	if !strings.Contains(string(list), "disabled: disabled by boss") || !strings.Contains(string(list), `value="enable"`) ||
		!strings.Contains(string(list), "is disabled") {
		t.Errorf("not shown disabled:\n%s", list)
	}

	// A mistake: shown beside its field, with what was typed kept.
	resp, page = b.postForm("/admin/webhooks", url.Values{"url": {"ftp://example.com/x"}, "description": {"kept"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(page), `id="w-url-error"`) ||
		!strings.Contains(string(page), `id="w-events-error"`) || !strings.Contains(string(page), `value="kept"`) {
		t.Fatalf("a bad form: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = b.postForm(fmt.Sprintf("/admin/webhooks/%d", id), url.Values{"_action": {"delete"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deleting: %d", resp.StatusCode)
	}
	a.json("GET", "/api/v1/webhooks", nil, http.StatusOK, &hooks)
	if len(hooks.Items) != 0 {
		t.Errorf("still there after deleting: %+v", hooks.Items)
	}

	viewer := a.browser()
	a.addUser("watcher", incident.RoleViewer, "a long enough password")
	viewer.login("watcher", "a long enough password")
	if resp, _ := viewer.do("GET", "/admin/webhooks", "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer: %d, want 403", resp.StatusCode)
	}
}
