package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
	"github.com/aftermath-sre/aftermath/internal/webhooks"
)

// newWebhookAPI is newAPI with outgoing webhooks: a manager and a delivery
// worker on the server's store, which may reach loopback (the receivers
// of these tests), retrying within milliseconds.
func newWebhookAPI(t testing.TB) (*api, *webhooks.Metrics) {
	t.Helper()
	st := openStore(t)
	keyring, err := webhooks.NewKeyring([]byte(strings.Repeat("k", webhooks.KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	targets := webhooks.Targets{AllowPrivate: true}
	metrics := webhooks.NewMetrics(st)
	worker := webhooks.NewWorker(webhooks.WorkerConfig{Store: st, Keyring: keyring, Targets: targets,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Poll: 20 * time.Millisecond, Timeout: 5 * time.Second,
		Backoff: webhooks.Backoff{First: 20 * time.Millisecond, Max: 200 * time.Millisecond}, Metrics: metrics})
	a := serveAPI(t, st, web.Config{Webhooks: &webhooks.Manager{Store: st, Keyring: keyring, Targets: targets},
		Collectors: metrics.Collectors()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		worker.Run(ctx)
	}()
	// Registered after serveAPI's, so run before it: the worker stops
	// before the store closes.
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return a, metrics
}

// received is one delivery a receiver took.
type received struct {
	id      string // webhook-id
	event   incident.Event
	body    []byte
	headers http.Header
}

// receiver is a webhook receiver on loopback that checks every
// delivery's signature with the Standard Webhooks library, and answers
// the first `failFirst` deliveries with 503.
type receiver struct {
	t      testing.TB
	server *httptest.Server
	mu     sync.Mutex
	secret string
	// answer, if set, decides the status of each delivery.
	answer    func(n int, r *http.Request) int
	attempts  int
	delivered []received // deliveries answered 2xx, in the order taken
	bad       []string   // deliveries that did not verify
}

func newReceiver(t testing.TB, failFirst int) *receiver {
	rc := &receiver{t: t}
	rc.answer = func(n int, _ *http.Request) int {
		if n <= failFirst {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	}
	rc.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.attempts++
		if err := rc.verify(body, r.Header); err != nil {
			rc.bad = append(rc.bad, err.Error())
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		status := rc.answer(rc.attempts, r)
		if status >= 200 && status < 300 {
			var e incident.Event
			if err := json.Unmarshal(body, &e); err != nil {
				rc.bad = append(rc.bad, "body: "+err.Error())
			}
			rc.delivered = append(rc.delivered, received{id: r.Header.Get("webhook-id"), event: e, body: body, headers: r.Header.Clone()})
		}
		w.WriteHeader(status)
		fmt.Fprint(w, "try again later")
	}))
	t.Cleanup(rc.server.Close)
	return rc
}

func (rc *receiver) verify(body []byte, h http.Header) error {
	wh, err := standardwebhooks.NewWebhook(rc.secret)
	if err != nil {
		return err
	}
	return wh.Verify(body, h)
}

func (rc *receiver) setSecret(s string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secret = s
}

func (rc *receiver) snapshot() (attempts int, delivered []received, bad []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.attempts, append([]received(nil), rc.delivered...), append([]string(nil), rc.bad...)
}

// waitFor polls until ok, failing the test after a while.
func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// createWebhook registers a webhook for the receiver and gives it the
// secret.
func createWebhook(t testing.TB, a *api, rc *receiver, events ...incident.EventType) incident.Webhook {
	t.Helper()
	if len(events) == 0 {
		events = incident.EventTypes
	}
	var created struct {
		incident.Webhook
		Secret string `json:"secret"`
	}
	a.json("POST", "/api/v1/webhooks", map[string]any{"url": rc.server.URL + "/hooks/aftermath", "events": events,
		"description": "the test's receiver"}, http.StatusCreated, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || created.ID == 0 || !created.Enabled {
		t.Fatalf("created: %+v", created)
	}
	rc.setSecret(created.Secret)
	return created.Webhook
}

func pendingOf(t testing.TB, a *api, id int64) int64 {
	var w incident.Webhook
	a.json("GET", fmt.Sprintf("/api/v1/webhooks/%d", id), nil, http.StatusOK, &w)
	return w.Pending
}

// TestWebhooksDeliverSignedEventsInOrder makes every kind of change to two
// incidents, interleaved, while the receiver fails the first deliveries:
// every event arrives, signed, once, and each incident's in the order its
// changes were made.
func TestWebhooksDeliverSignedEventsInOrder(t *testing.T) {
	a, _ := newWebhookAPI(t)
	rc := newReceiver(t, 5)
	hook := createWebhook(t, a, rc)

	var one, two incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &one)
	a.json("POST", "/api/v1/incidents", map[string]any{"title": "Search is slow", "service": "search", "severity": "SEV3"},
		http.StatusCreated, &two)
	patch := func(inc *incident.Incident, fields map[string]any) {
		fields["version"] = inc.Version
		a.json("PATCH", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), fields, http.StatusOK, inc)
	}
	patch(&two, map[string]any{"status": "identified"})
	patch(&one, map[string]any{"severity": "SEV2", "postmortem_status": "in_review"})
	a.json("POST", fmt.Sprintf("/api/v1/incidents/%d/comments", two.ID), map[string]any{"body": "Reindexing."}, http.StatusCreated, nil)
	patch(&one, map[string]any{"postmortem_status": "published"})
	a.json("DELETE", fmt.Sprintf("/api/v1/incidents/%d", two.ID), nil, http.StatusNoContent, nil)

	want := map[int64][]incident.EventType{
		one.ID: {incident.EventIncidentCreated, incident.EventIncidentUpdated, incident.EventIncidentUpdated, incident.EventPostmortemPublished},
		// The example is a published post-mortem: put back in review, then
		// published again.
		two.ID: {incident.EventIncidentCreated, incident.EventIncidentUpdated, incident.EventIncidentStatusChanged,
			incident.EventCommentCreated, incident.EventIncidentDeleted},
	}
	waitFor(t, "every delivery", func() bool { return pendingOf(t, a, hook.ID) == 0 })
	attempts, delivered, bad := rc.snapshot()
	if len(bad) > 0 {
		t.Fatalf("deliveries that did not verify: %v", bad)
	}
	if len(delivered) != 9 || attempts != 9+5 { // 9 events, 5 failed attempts
		var types []string
		for _, d := range delivered {
			types = append(types, fmt.Sprintf("%s(%d)", d.event.Type, d.event.IncidentID()))
		}
		t.Fatalf("%d delivered in %d attempts, want 9 in 14: %v", len(delivered), attempts, types)
	}
	got := map[int64][]incident.EventType{}
	seen := map[string]bool{}
	for _, d := range delivered {
		if seen[d.id] {
			t.Errorf("%s delivered twice", d.id)
		}
		seen[d.id] = true
		id := d.event.IncidentID()
		got[id] = append(got[id], d.event.Type)
		if d.headers.Get("Content-Type") != "application/json" || !strings.HasPrefix(d.id, "msg_") {
			t.Errorf("headers %v", d.headers)
		}
	}
	for id, types := range want {
		if fmt.Sprint(got[id]) != fmt.Sprint(types) {
			t.Errorf("incident %d: events %v, want %v", id, got[id], types)
		}
	}
	// What the events say.
	for _, d := range delivered {
		switch d.event.Type {
		case incident.EventIncidentStatusChanged:
			if d.event.Data.PreviousStatus != incident.StatusInvestigating || d.event.Data.Incident.Status != incident.StatusIdentified {
				t.Errorf("status_changed: %+v", d.event.Data)
			}
		case incident.EventCommentCreated:
			if d.event.Data.Comment == nil || d.event.Data.Comment.Body != "Reindexing." || d.event.Data.Ref.Title != "Search is slow" {
				t.Errorf("comment.created: %+v", d.event.Data)
			}
		case incident.EventIncidentDeleted:
			if d.event.Data.Ref == nil || d.event.Data.Ref.ID != two.ID {
				t.Errorf("incident.deleted: %+v", d.event.Data)
			}
		}
		if d.event.Timestamp.IsZero() {
			t.Errorf("%s has no timestamp", d.event.Type)
		}
	}

	// The delivery log, newest first: each delivered, the first ones after
	// failed attempts.
	var log incident.DeliveryPage
	a.json("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries?limit=5", hook.ID), nil, http.StatusOK, &log)
	if len(log.Items) != 5 || log.NextCursor == "" {
		t.Fatalf("log page: %d items, cursor %q", len(log.Items), log.NextCursor)
	}
	var rest incident.DeliveryPage
	a.json("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries?cursor=%s", hook.ID, log.NextCursor), nil, http.StatusOK, &rest)
	all := append(log.Items, rest.Items...)
	totalAttempts := 0
	for _, d := range all {
		totalAttempts += d.Attempts
		if d.State != incident.DeliveryDelivered || d.DeliveredAt == nil || d.LastStatus != http.StatusNoContent || d.LastError != "" {
			t.Errorf("delivery %+v", d)
		}
	}
	if len(all) != 9 || totalAttempts != 14 {
		t.Errorf("the log has %d deliveries and %d attempts, want 9 and 14", len(all), totalAttempts)
	}
}

// TestWebhookFailuresAreLogged: a failing receiver's answer is in the log
// with the attempts so far and the next one planned.
func TestWebhookFailuresAreLogged(t *testing.T) {
	a, _ := newWebhookAPI(t)
	rc := newReceiver(t, 1<<30)
	hook := createWebhook(t, a, rc, incident.EventIncidentCreated)
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, nil)
	var log incident.DeliveryPage
	waitFor(t, "three failed attempts", func() bool {
		a.json("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hook.ID), nil, http.StatusOK, &log)
		return len(log.Items) == 1 && log.Items[0].Attempts >= 3
	})
	d := log.Items[0]
	if d.State != incident.DeliveryPending || d.LastStatus != 503 || d.NextAttemptAt == nil ||
		!strings.Contains(d.LastError, "503 Service Unavailable: try again later") || d.Type != incident.EventIncidentCreated {
		t.Fatalf("delivery %+v", d)
	}
	// The log counts an attempt when it starts, the metrics when it ends.
	webhookLabel := fmt.Sprint(hook.ID)
	waitFor(t, "three failed attempts in the metrics", func() bool {
		families, _ := a.scrape()
		n, _ := metricValue(families, "aftermath_webhook_attempts_total", map[string]string{"webhook": webhookLabel, "outcome": "failed"})
		return n >= 3
	})
	families, _ := a.scrape()
	if n, ok := metricValue(families, "aftermath_webhook_deliveries_pending", nil); !ok || n != 1 {
		t.Errorf("pending deliveries in the metrics: %v", n)
	}
	if _, ok := metricValue(families, "aftermath_webhook_attempt_duration_seconds", nil); !ok {
		t.Error("no attempt durations in the metrics")
	}
}

// TestWebhookGoneDisablesIt: a 410 disables the webhook, in the audit log
// as the system's doing, and no more is sent to it.
func TestWebhookGoneDisablesIt(t *testing.T) {
	a, _ := newWebhookAPI(t)
	rc := newReceiver(t, 0)
	rc.answer = func(int, *http.Request) int { return http.StatusGone }
	hook := createWebhook(t, a, rc)
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, nil)
	var w incident.Webhook
	waitFor(t, "the webhook to be disabled", func() bool {
		a.json("GET", fmt.Sprintf("/api/v1/webhooks/%d", hook.ID), nil, http.StatusOK, &w)
		return !w.Enabled
	})
	if !strings.Contains(w.DisabledReason, "410 Gone") || w.Pending != 0 {
		t.Fatalf("disabled webhook: %+v", w)
	}
	a.json("POST", "/api/v1/incidents", map[string]any{"title": "More", "service": "x", "severity": "SEV4"}, http.StatusCreated, nil)
	time.Sleep(200 * time.Millisecond)
	if attempts, _, _ := rc.snapshot(); attempts != 1 {
		t.Errorf("%d attempts, want the one that was answered 410", attempts)
	}
	var page incident.AuditPage
	a.json("GET", "/api/v1/audit?action=webhook.disable", nil, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].Actor.Kind != incident.ActorSystem {
		t.Fatalf("audit: %+v", page.Items)
	}
	// An admin enables it again: new events go out.
	rc.answer = func(int, *http.Request) int { return http.StatusOK }
	var enabled incident.Webhook
	a.json("PATCH", fmt.Sprintf("/api/v1/webhooks/%d", hook.ID), map[string]any{"enabled": true}, http.StatusOK, &enabled)
	if !enabled.Enabled || enabled.DisabledReason != "" {
		t.Fatalf("enabled again: %+v", enabled)
	}
	a.json("POST", "/api/v1/incidents", map[string]any{"title": "Again", "service": "x", "severity": "SEV4"}, http.StatusCreated, nil)
	waitFor(t, "a delivery after enabling", func() bool { _, d, _ := rc.snapshot(); return len(d) == 1 })
}

// TestWebhookSecretRotation: during the overlap each delivery is signed by
// both secrets, so a receiver that knows either accepts it; without an
// overlap only the new one signs.
func TestWebhookSecretRotation(t *testing.T) {
	a, _ := newWebhookAPI(t)
	rc := newReceiver(t, 0)
	hook := createWebhook(t, a, rc, incident.EventIncidentCreated)
	oldSecret := rc.secret
	var rotated struct {
		Secret              string     `json:"secret"`
		PreviousSecretUntil *time.Time `json:"previous_secret_until"`
	}
	a.json("POST", fmt.Sprintf("/api/v1/webhooks/%d/rotate-secret", hook.ID), map[string]any{"overlap": "1h"}, http.StatusOK, &rotated)
	if rotated.Secret == oldSecret || !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.PreviousSecretUntil == nil ||
		rotated.PreviousSecretUntil.Sub(time.Now()) < 59*time.Minute {
		t.Fatalf("rotated: %+v", rotated)
	}
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, nil)
	waitFor(t, "a delivery", func() bool { _, d, _ := rc.snapshot(); return len(d) == 1 })
	_, delivered, bad := rc.snapshot()
	if len(bad) > 0 {
		t.Fatal(bad)
	}
	sig := delivered[0].headers.Get("webhook-signature")
	if n := len(strings.Fields(sig)); n != 2 {
		t.Fatalf("signature header %q: %d signatures, want 2", sig, n)
	}
	for name, secret := range map[string]string{"old": oldSecret, "new": rotated.Secret} {
		wh, _ := standardwebhooks.NewWebhook(secret)
		if err := verifyRaw(wh, delivered[0]); err != nil {
			t.Errorf("the %s secret does not verify the delivery: %v", name, err)
		}
	}

	// No overlap: the old secret stops at once.
	a.json("POST", fmt.Sprintf("/api/v1/webhooks/%d/rotate-secret", hook.ID), map[string]any{"overlap": "0s"}, http.StatusOK, &rotated)
	if rotated.PreviousSecretUntil != nil {
		t.Fatalf("no overlap, but until %v", rotated.PreviousSecretUntil)
	}
	rc.setSecret(rotated.Secret)
	a.json("POST", "/api/v1/incidents", map[string]any{"title": "Two", "service": "x", "severity": "SEV4"}, http.StatusCreated, nil)
	waitFor(t, "a second delivery", func() bool { _, d, _ := rc.snapshot(); return len(d) == 2 })
	_, delivered, _ = rc.snapshot()
	if n := len(strings.Fields(delivered[1].headers.Get("webhook-signature"))); n != 1 {
		t.Errorf("%d signatures after a rotation without overlap", n)
	}
	old, _ := standardwebhooks.NewWebhook(oldSecret)
	if err := verifyRaw(old, delivered[1]); err == nil {
		t.Error("the first secret still verifies after two rotations")
	}
	for _, bad := range []string{`{"overlap": "forever"}`, `{"overlap": "-1h"}`, `{"overlap": "9000h"}`} {
		if status, _ := a.do("POST", fmt.Sprintf("/api/v1/webhooks/%d/rotate-secret", hook.ID), []byte(bad)); status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", bad, status)
		}
	}
	var page incident.AuditPage
	a.json("GET", "/api/v1/audit?entity=webhook", nil, http.StatusOK, &page)
	raw, _ := json.Marshal(page)
	for _, secret := range []string{oldSecret, rotated.Secret, strings.TrimPrefix(oldSecret, "whsec_")} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the audit log holds a secret")
		}
	}
}

// verifyRaw checks a received delivery with another secret.
func verifyRaw(wh *standardwebhooks.Webhook, d received) error {
	return wh.Verify(d.body, d.headers)
}

// TestWebhookRegistrationIsChecked: the admin API refuses what it cannot
// use, private targets first (this server does not allow them), and never
// shows a secret again.
func TestWebhookRegistrationIsChecked(t *testing.T) {
	st := openStore(t)
	keyring, _ := webhooks.NewKeyring([]byte(strings.Repeat("s", webhooks.KeySize)))
	a := serveAPI(t, st, web.Config{Webhooks: &webhooks.Manager{Store: st, Keyring: keyring}})
	all := incident.EventTypes
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"loopback", map[string]any{"url": "http://127.0.0.1:9/hook", "events": all}, "url"},
		{"localhost", map[string]any{"url": "http://localhost/hook", "events": all}, "url"},
		{"private", map[string]any{"url": "https://10.20.30.40/hook", "events": all}, "url"},
		{"metadata service", map[string]any{"url": "http://169.254.169.254/latest/meta-data", "events": all}, "url"},
		{"not http", map[string]any{"url": "ftp://93.184.215.14/x", "events": all}, "url"},
		{"credentials in the URL", map[string]any{"url": "https://user:pw@93.184.215.14/x", "events": all}, "url"},
		{"no URL", map[string]any{"events": all}, "url"},
		{"no events", map[string]any{"url": "https://93.184.215.14/x", "events": []string{}}, "events"},
		{"unknown event", map[string]any{"url": "https://93.184.215.14/x", "events": []string{"incident.exploded"}}, "events[0]"},
		{"event twice", map[string]any{"url": "https://93.184.215.14/x", "events": []string{"comment.created", "comment.created"}}, "events[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(tc.body)
			status, data := a.do("POST", "/api/v1/webhooks", body)
			var e apiError
			if status != http.StatusUnprocessableEntity || json.Unmarshal(data, &e) != nil || e.Error.Fields[tc.field] == "" {
				t.Fatalf("%d %s, want 422 naming %s", status, data, tc.field)
			}
		})
	}
	var list struct{ Items []incident.Webhook }
	a.json("GET", "/api/v1/webhooks", nil, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("refused webhooks were stored: %+v", list.Items)
	}

	// A public address is taken; its secret shows once.
	var created struct {
		incident.Webhook
		Secret string `json:"secret"`
	}
	a.json("POST", "/api/v1/webhooks", map[string]any{"url": "https://93.184.215.14/hooks", "events": []string{"incident.created"}},
		http.StatusCreated, &created)
	for _, path := range []string{"/api/v1/webhooks", fmt.Sprintf("/api/v1/webhooks/%d", created.ID)} {
		_, data := a.get(path)
		if strings.Contains(string(data), "secret\"") || strings.Contains(string(data), created.Secret) {
			t.Errorf("%s shows the secret: %s", path, data)
		}
	}
	if contents := storeBytes(t, st); strings.Contains(contents, created.Secret) || strings.Contains(contents, strings.TrimPrefix(created.Secret, "whsec_")) {
		t.Error("the database holds the signing secret in clear")
	}
	// A change to a private address is refused like a creation.
	status, _ := a.do("PATCH", fmt.Sprintf("/api/v1/webhooks/%d", created.ID), []byte(`{"url": "http://127.0.0.1/x"}`))
	if status != http.StatusUnprocessableEntity {
		t.Errorf("PATCH to loopback: %d", status)
	}
	for _, path := range []string{"/api/v1/webhooks/99", "/api/v1/webhooks/99/deliveries", "/api/v1/webhooks/x"} {
		if status, _ := a.do("GET", path, nil); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, status)
		}
	}
	a.json("DELETE", fmt.Sprintf("/api/v1/webhooks/%d", created.ID), nil, http.StatusNoContent, nil)
	var page incident.AuditPage
	a.json("GET", "/api/v1/audit?entity=webhook", nil, http.StatusOK, &page)
	actions := []string{}
	for _, e := range page.Items {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "webhook.delete webhook.create" {
		t.Errorf("audit: %v", actions)
	}

	// Without a secret key, webhooks cannot be made, and the admin is told why.
	b := newAPI(t)
	status, data := b.do("POST", "/api/v1/webhooks", []byte(`{"url": "https://93.184.215.14/x", "events": ["incident.created"]}`))
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(data), "secret key") {
		t.Errorf("no key: %d %s", status, data)
	}
}

// storeBytes is every byte of the store's database file and its WAL.
func storeBytes(t testing.TB, st interface{ Path() string }) string {
	t.Helper()
	var out []byte
	for _, suffix := range []string{"", "-wal"} {
		data, _ := os.ReadFile(st.Path() + suffix)
		out = append(out, data...)
	}
	return string(out)
}
