package alertmanager_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/alertmanager"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// TestRecordedNotifications reads what Alertmanager's own notifier sent
// (testdata/record) and maps it with the default mapping.
func TestRecordedNotifications(t *testing.T) {
	for _, tc := range []struct {
		file     string
		firing   bool
		resolved bool
	}{{"testdata/notification-firing.json", true, false}, {"testdata/notification-resolved.json", false, true}} {
		data, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := alertmanager.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		n := alertmanager.DefaultMapping().Notification(msg)
		if n.GroupKey != `{}/{severity="critical"}:{alertname="PaymentsDBPoolSaturated"}` || n.Service != "payments-api" ||
			n.Severity != incident.SEV1 || n.Title != "PaymentsDBPoolSaturated" || n.Resolved != tc.resolved || len(n.Alerts) != 2 {
			t.Fatalf("%s: %+v", tc.file, n)
		}
		a := n.Alerts[0]
		start := time.Date(2026, 3, 14, 15, 2, 7, 123456789, time.UTC)
		if a.Firing != tc.firing || !a.StartsAt.Equal(start) || a.Fingerprint == "" ||
			a.Text != `Connection pool of db-1:9187 above 95% {instance="db-1:9187"}` {
			t.Errorf("%s: alert %+v", tc.file, a)
		}
		if tc.firing && !a.EndsAt.IsZero() || tc.resolved && !a.EndsAt.Equal(start.Add(17*time.Minute)) {
			t.Errorf("%s: ends at %v", tc.file, a.EndsAt)
		}
	}
}

func TestMappingCleansAndFallsBack(t *testing.T) {
	m := alertmanager.DefaultMapping()
	msg := &alertmanager.Message{Version: "4", GroupKey: "k", Status: "firing",
		CommonLabels: map[string]string{"job": "node\x00exporter\u202e", "severity": "Warning"},
		Alerts: []alertmanager.Alert{{Status: "firing", Fingerprint: "f", StartsAt: time.Now(),
			Labels: map[string]string{"alertname": "Disk", "job": "node"}}}}
	n := m.Notification(msg)
	if n.Service != "nodeexporter" || n.Severity != incident.SEV3 || n.Title != "Disk" {
		t.Errorf("%+v", n)
	}
	msg.CommonLabels = map[string]string{}
	msg.Alerts[0].Labels = map[string]string{"severity": "critical"}
	msg.Alerts = append(msg.Alerts, alertmanager.Alert{Labels: map[string]string{"severity": "info"}})
	n = m.Notification(msg)
	if n.Service != "unknown" || n.Severity != incident.SEV1 || n.Title != "Alert" {
		t.Errorf("fallbacks: %+v", n)
	}
	if sev, err := alertmanager.ParseSeverities([]string{"page=sev1", " ticket = SEV3 "}); err != nil || sev["page"] != incident.SEV1 || sev["ticket"] != incident.SEV3 {
		t.Errorf("ParseSeverities: %v %v", sev, err)
	}
	for _, bad := range []string{"page", "=SEV1", "page=SEV5"} {
		if _, err := alertmanager.ParseSeverities([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	long := strings.Repeat("x", 300)
	msg.CommonAnnotations = map[string]string{"summary": long}
	if n := m.Notification(msg); len([]rune(n.Title)) != incident.MaxTitle {
		t.Errorf("title of %d characters", len([]rune(n.Title)))
	}
}
