package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/alertmanager"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

const alertsPath = "/api/v1/integrations/alertmanager"

// recordedNotification reads a notification that Alertmanager's own
// webhook notifier sent (internal/alertmanager/testdata/record).
func recordedNotification(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../alertmanager/testdata/notification-" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// editJSON decodes a notification, lets edit change it, and encodes it.
func editJSON(t testing.TB, data []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// alertIncidents lists the incidents alerts opened, oldest first.
func alertIncidents(t testing.TB, a *api) []incident.Incident {
	t.Helper()
	var page struct{ Items []incident.Incident }
	a.json("GET", "/api/v1/incidents?tag=alertmanager&limit=500", nil, http.StatusOK, &page)
	var out []incident.Incident
	for i := len(page.Items) - 1; i >= 0; i-- {
		var full incident.Incident
		a.json("GET", fmt.Sprintf("/api/v1/incidents/%d", page.Items[i].ID), nil, http.StatusOK, &full)
		out = append(out, full)
	}
	return out
}

func postAlerts(t testing.TB, a *api, body []byte, want int) {
	t.Helper()
	if status, data := a.do("POST", alertsPath, body); status != want {
		t.Fatalf("POST %s: %d, want %d: %s", alertsPath, status, want, data)
	}
}

func TestAlertmanagerOpensAndFollowsAnIncident(t *testing.T) {
	a := newAPI(t)
	am := a.as(incident.RoleResponder)
	firing, resolved := recordedNotification(t, "firing"), recordedNotification(t, "resolved")

	postAlerts(t, am, firing, http.StatusOK)
	incs := alertIncidents(t, a)
	if len(incs) != 1 {
		t.Fatalf("%d incidents, want 1", len(incs))
	}
	inc := incs[0]
	started := time.Date(2026, 3, 14, 15, 2, 7, 0, time.UTC)
	switch {
	case inc.Title != "PaymentsDBPoolSaturated", inc.Service != "payments-api", inc.Severity != incident.SEV1,
		inc.Status != incident.StatusInvestigating, inc.DetectionMethod != incident.DetectedByAlert,
		inc.DetectedAt == nil || !inc.DetectedAt.Equal(started), inc.MitigatedAt != nil,
		len(inc.Tags) != 1 || inc.Tags[0] != "alertmanager":
		t.Fatalf("opened: %+v", inc)
	case inc.Summary != "The payments database connection pool is nearly exhausted; checkouts queue.":
		t.Errorf("summary %q", inc.Summary)
	case len(inc.Links) != 1 || inc.Links[0].URL != "https://alertmanager.example.com":
		t.Errorf("links %+v", inc.Links)
	}
	wantFiring := []string{
		`Firing: Connection pool of db-1:9187 above 95% {instance="db-1:9187"}`,
		`Firing: Connection pool of db-2:9187 above 95% {instance="db-2:9187"}`,
	}
	checkTimeline(t, inc, wantFiring)

	// Alertmanager re-sends the group every group interval: nothing changes.
	for range 3 {
		postAlerts(t, am, firing, http.StatusOK)
	}
	again := alertIncidents(t, a)
	if len(again) != 1 || again[0].Version != inc.Version {
		t.Fatalf("repeats changed something: %d incidents, version %d → %d", len(again), inc.Version, again[0].Version)
	}

	// Both alerts resolve: two entries more, and the incident is mitigated
	// when the last one resolved; resolving it stays a person's call.
	postAlerts(t, am, resolved, http.StatusOK)
	postAlerts(t, am, resolved, http.StatusOK)
	inc = alertIncidents(t, a)[0]
	checkTimeline(t, inc, append(wantFiring,
		`Resolved: Connection pool of db-1:9187 above 95% {instance="db-1:9187"}`,
		`Resolved: Connection pool of db-2:9187 above 95% {instance="db-2:9187"}`))
	if want := started.Add(17 * time.Minute); inc.MitigatedAt == nil || !inc.MitigatedAt.Equal(want) || inc.Status != incident.StatusInvestigating {
		t.Fatalf("mitigated_at %v (want %v), status %s", inc.MitigatedAt, want, inc.Status)
	}
	if inc.Version != 2 {
		t.Errorf("version %d, want 2 (opened, resolved)", inc.Version)
	}
	// A firing that arrives after its resolve (a slow sender) is old news.
	postAlerts(t, am, firing, http.StatusOK)
	if v := alertIncidents(t, a)[0].Version; v != inc.Version {
		t.Errorf("a late firing changed the incident: version %d", v)
	}

	// A person resolves it. The same firing again opens nothing; a new
	// firing of the group opens a new incident linked to the old one.
	a.json("PATCH", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), map[string]any{
		"version": inc.Version, "status": "resolved", "resolved_at": started.Add(time.Hour)}, http.StatusOK, nil)
	postAlerts(t, am, firing, http.StatusOK)
	if n := len(alertIncidents(t, a)); n != 1 {
		t.Fatalf("a repeat after the resolve opened an incident: %d", n)
	}
	later := editJSON(t, firing, func(m map[string]any) {
		for _, al := range m["alerts"].([]any) {
			al.(map[string]any)["startsAt"] = "2026-03-15T09:00:00.5Z"
		}
	})
	postAlerts(t, am, later, http.StatusOK)
	incs = alertIncidents(t, a)
	if len(incs) != 2 {
		t.Fatalf("%d incidents after a new firing, want 2", len(incs))
	}
	second := incs[1]
	if second.Status != incident.StatusInvestigating || second.DetectedAt == nil ||
		!second.DetectedAt.Equal(time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("second incident: %+v", second)
	}
	earlier := fmt.Sprintf("/incidents/%d", inc.ID)
	if !hasLink(second, earlier) || !strings.Contains(second.Timeline[0].Text, fmt.Sprintf("#%d", inc.ID)) {
		t.Errorf("the new incident does not point to #%d: links %+v, timeline %+v", inc.ID, second.Links, second.Timeline)
	}
	if n := len(second.Timeline); n != 3 {
		t.Errorf("second timeline has %d entries, want the note and two firings", n)
	}
	// The group now follows the new incident.
	postAlerts(t, am, editJSON(t, resolved, func(m map[string]any) {
		for _, al := range m["alerts"].([]any) {
			al.(map[string]any)["startsAt"] = "2026-03-15T09:00:00Z"
			al.(map[string]any)["endsAt"] = "2026-03-15T09:30:00Z"
		}
	}), http.StatusOK)
	incs = alertIncidents(t, a)
	if incs[1].MitigatedAt == nil || incs[0].Version != inc.Version+1 {
		t.Errorf("the resolve went astray: second mitigated %v, first at version %d", incs[1].MitigatedAt, incs[0].Version)
	}
}

func checkTimeline(t *testing.T, inc incident.Incident, want []string) {
	t.Helper()
	var got []string
	for _, e := range inc.Timeline {
		got = append(got, e.Text)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func hasLink(inc incident.Incident, suffix string) bool {
	for _, l := range inc.Links {
		if strings.HasSuffix(l.URL, suffix) {
			return true
		}
	}
	return false
}

// TestAlertmanagerRefusesWhatItCannotRead sends what is not a notification
// it can act on: 400 (415, 403) in the error shape, and nothing changes,
// not even the audit log.
func TestAlertmanagerRefusesWhatItCannotRead(t *testing.T) {
	a := newAPI(t)
	am, viewer := a.as(incident.RoleResponder), a.as(incident.RoleViewer)
	firing := recordedNotification(t, "firing")
	audit := func() int {
		var page incident.AuditPage
		a.json("GET", "/api/v1/audit?limit=500", nil, http.StatusOK, &page)
		return len(page.Items)
	}
	before := audit()
	bad := []struct {
		name string
		body []byte
	}{
		{"not JSON", []byte(`{"version": "4",`)},
		{"not an object", []byte(`[]`)},
		{"empty", []byte(`{}`)},
		{"version 3", editJSON(t, firing, func(m map[string]any) { m["version"] = "3" })},
		{"no group key", editJSON(t, firing, func(m map[string]any) { delete(m, "groupKey") })},
		{"no alerts", editJSON(t, firing, func(m map[string]any) { m["alerts"] = []any{} })},
		{"bad status", editJSON(t, firing, func(m map[string]any) { m["status"] = "burning" })},
		{"alert without fingerprint", editJSON(t, firing, func(m map[string]any) {
			delete(m["alerts"].([]any)[0].(map[string]any), "fingerprint")
		})},
		{"alert without start", editJSON(t, firing, func(m map[string]any) {
			delete(m["alerts"].([]any)[1].(map[string]any), "startsAt")
		})},
		{"bad time", editJSON(t, firing, func(m map[string]any) { m["alerts"].([]any)[0].(map[string]any)["startsAt"] = "soon" })},
		{"labels of the wrong type", editJSON(t, firing, func(m map[string]any) { m["commonLabels"] = []any{"a"} })},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			status, data := am.do("POST", alertsPath, tc.body)
			var e apiError
			if status != http.StatusBadRequest || json.Unmarshal(data, &e) != nil || e.Error.Code != "bad_request" {
				t.Fatalf("%d %s, want 400 bad_request", status, data)
			}
			if strings.Contains(string(data), "main.") || strings.Contains(string(data), "time.Time") {
				t.Errorf("the message shows Go internals: %s", data)
			}
		})
	}
	req := am.request("POST", alertsPath, firing)
	req.Header.Set("Content-Type", "text/plain")
	if resp, _ := am.send(req); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d, want 415", resp.StatusCode)
	}
	if status, _ := viewer.do("POST", alertsPath, firing); status != http.StatusForbidden {
		t.Errorf("a viewer's token: %d, want 403", status)
	}
	if n := len(alertIncidents(t, a)); n != 0 || audit() != before {
		t.Fatalf("refused notifications changed something: %d incidents, audit %d → %d", n, before, audit())
	}

	// What later Alertmanager versions may add is ignored, not refused.
	future := editJSON(t, firing, func(m map[string]any) {
		m["silencedBy"] = []any{"x"}
		m["groupLabels"].(map[string]any)["cluster"] = "eu-1"
		m["alerts"].([]any)[0].(map[string]any)["inhibitedBy"] = map[string]any{"rule": 1}
	})
	postAlerts(t, am, future, http.StatusOK)
	if n := len(alertIncidents(t, a)); n != 1 {
		t.Fatalf("%d incidents from a notification with later fields, want 1", n)
	}
}

// TestAlertmanagerMappingIsConfigurable maps a team label to the service
// and the words of another severity scheme to severities.
func TestAlertmanagerMappingIsConfigurable(t *testing.T) {
	a := newAPIWith(t, web.Config{Alertmanager: alertmanager.Mapping{
		ServiceLabels: []string{"team", "service"}, DefaultService: "nobody's",
		SeverityLabel: "priority", Severities: map[string]incident.Severity{"p1": incident.SEV1, "p2": incident.SEV2},
		DefaultSeverity: incident.SEV3,
	}})
	firing := recordedNotification(t, "firing")
	withLabels := func(key string, labels map[string]any) []byte {
		return editJSON(t, firing, func(m map[string]any) {
			m["groupKey"] = key
			m["commonLabels"] = labels
			for _, al := range m["alerts"].([]any) {
				al.(map[string]any)["labels"] = labels
			}
		})
	}
	postAlerts(t, a, withLabels("a", map[string]any{"team": "Checkout Team", "priority": "P2", "service": "cart"}), http.StatusOK)
	postAlerts(t, a, withLabels("b", map[string]any{"service": "cart", "priority": "p9"}), http.StatusOK)
	postAlerts(t, a, withLabels("c", map[string]any{"alertname": "Lonely"}), http.StatusOK)
	incs := alertIncidents(t, a)
	if len(incs) != 3 {
		t.Fatalf("%d incidents", len(incs))
	}
	for i, want := range []struct {
		service  string
		severity incident.Severity
	}{{"Checkout Team", incident.SEV2}, {"cart", incident.SEV3}, {"nobody's", incident.SEV3}} {
		if incs[i].Service != want.service || incs[i].Severity != want.severity {
			t.Errorf("incident %d: %s %s, want %s %s", i, incs[i].Service, incs[i].Severity, want.service, want.severity)
		}
	}
}

// TestAlertmanagerAuditsWhoSentIt: the incident an alert opens is in the
// audit log as the token's doing, with every field it set.
func TestAlertmanagerAuditsWhoSentIt(t *testing.T) {
	a := newAPI(t)
	postAlerts(t, a.as(incident.RoleResponder), recordedNotification(t, "firing"), http.StatusOK)
	var page incident.AuditPage
	a.json("GET", "/api/v1/audit?action=incident.create", nil, http.StatusOK, &page)
	if len(page.Items) != 1 {
		t.Fatalf("%d incident.create entries", len(page.Items))
	}
	e := page.Items[0]
	if e.Actor.Kind != incident.ActorToken || e.Actor.Name != "responder" || e.Actor.TokenLabel != "test responder" {
		t.Errorf("actor %+v", e.Actor)
	}
	fields := map[string]bool{}
	for _, c := range e.Changes {
		fields[c.Field] = true
	}
	for _, f := range []string{"title", "service", "severity", "timeline", "tags", "detected_at"} {
		if !fields[f] {
			t.Errorf("the entry lacks %s: %+v", f, e.Changes)
		}
	}
}
