package incident_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func TestAlertGroupApply(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	firing := func(fp string, at time.Time) incident.Alert {
		return incident.Alert{Fingerprint: fp, Firing: true, StartsAt: at, Text: "alert " + fp}
	}
	resolved := func(fp string, at, end time.Time) incident.Alert {
		return incident.Alert{Fingerprint: fp, StartsAt: at, EndsAt: end, Text: "alert " + fp}
	}
	note := func(groupResolved bool, alerts ...incident.Alert) *incident.AlertNotification {
		return &incident.AlertNotification{GroupKey: "g", Title: "Pool saturated", Service: "payments", Severity: incident.SEV2,
			Alerts: alerts, Resolved: groupResolved, BaseURL: "https://aftermath.example.com"}
	}
	type step struct {
		n       *incident.AlertNotification
		changed bool
		// timeline is the texts after the step, mitigated whether
		// mitigated_at is set.
		timeline  string
		mitigated bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"fires, repeats, resolves", []step{
			{note(false, firing("a", t0)), true, "Firing: alert a", false},
			{note(false, firing("a", t0)), false, "Firing: alert a", false},
			{note(false, firing("a", t0), firing("b", t0.Add(time.Minute))), true, "Firing: alert a|Firing: alert b", false},
			{note(false, resolved("a", t0, t0.Add(5*time.Minute)), firing("b", t0.Add(time.Minute))), true,
				"Firing: alert a|Firing: alert b|Resolved: alert a", false},
			{note(true, resolved("a", t0, t0.Add(5*time.Minute)), resolved("b", t0.Add(time.Minute), t0.Add(9*time.Minute))), true,
				"Firing: alert a|Firing: alert b|Resolved: alert a|Resolved: alert b", true},
			{note(true, resolved("a", t0, t0.Add(5*time.Minute)), resolved("b", t0.Add(time.Minute), t0.Add(9*time.Minute))), false,
				"Firing: alert a|Firing: alert b|Resolved: alert a|Resolved: alert b", true},
		}},
		{"a resolve before its firing", []step{
			{note(false, firing("a", t0)), true, "Firing: alert a", false},
			{note(false, resolved("b", t0.Add(time.Minute), t0.Add(2*time.Minute)), firing("a", t0)), true,
				"Firing: alert a|Firing: alert b|Resolved: alert b", false},
			{note(false, firing("b", t0.Add(time.Minute)), firing("a", t0)), false,
				"Firing: alert a|Firing: alert b|Resolved: alert b", false},
		}},
		{"fires again after a resolve, in the same open incident", []step{
			{note(false, firing("a", t0)), true, "Firing: alert a", false},
			{note(true, resolved("a", t0, t0.Add(time.Minute))), true, "Firing: alert a|Resolved: alert a", true},
			{note(false, firing("a", t0.Add(time.Hour))), true, "Firing: alert a|Resolved: alert a|Firing: alert a", false},
		}},
		{"an older firing, overtaken", []step{
			{note(false, firing("a", t0.Add(time.Hour))), true, "Firing: alert a", false},
			{note(false, firing("a", t0)), false, "Firing: alert a", false},
		}},
		{"a resolved group with nothing known opens nothing", []step{
			{note(true, resolved("a", t0, t0.Add(time.Minute))), false, "", false},
		}},
		{"resolved alerts while the group still fires elsewhere: not mitigated", []step{
			{note(false, firing("a", t0), firing("b", t0)), true, "Firing: alert a|Firing: alert b", false},
			{note(false, resolved("a", t0, t0.Add(time.Minute)), resolved("b", t0, t0.Add(time.Minute))), true,
				"Firing: alert a|Firing: alert b|Resolved: alert a|Resolved: alert b", false},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &incident.AlertGroup{Key: "g", Alerts: map[string]incident.AlertState{}}
			for i, s := range tc.steps {
				changed := g.Apply(s.n, t0.Add(24*time.Hour))
				var texts []string
				mitigated := false
				if g.Incident != nil {
					for _, e := range g.Incident.Timeline {
						texts = append(texts, e.Text)
					}
					mitigated = g.Incident.MitigatedAt != nil
					g.Incident.ID = 1 // stored
				}
				if changed != s.changed || strings.Join(texts, "|") != s.timeline || mitigated != s.mitigated {
					t.Fatalf("step %d: changed %v (want %v), timeline %q (want %q), mitigated %v (want %v)",
						i, changed, s.changed, strings.Join(texts, "|"), s.timeline, mitigated, s.mitigated)
				}
			}
		})
	}
}

func TestAlertGroupOpensAnIncident(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 15, 0, 0, 500, time.UTC)
	g := &incident.AlertGroup{Key: "g", Alerts: map[string]incident.AlertState{}}
	n := &incident.AlertNotification{GroupKey: "g", Title: "Pool saturated", Summary: "Checkouts queue.", Service: "payments", Severity: incident.SEV1,
		Links: []incident.Link{{Title: "Alertmanager", URL: "https://am.example.com"}}, BaseURL: "https://aftermath.example.com",
		Alerts: []incident.Alert{{Fingerprint: "b", Firing: true, StartsAt: t0.Add(time.Minute)}, {Fingerprint: "a", Firing: true, StartsAt: t0}}}
	if !g.Apply(n, t0) {
		t.Fatal("nothing opened")
	}
	inc := g.Incident
	if inc.Title != "Pool saturated" || inc.Status != incident.StatusInvestigating || inc.DetectionMethod != incident.DetectedByAlert ||
		!inc.DetectedAt.Equal(t0.Truncate(time.Second)) || inc.Tags[0] != incident.AlertTag || inc.Severity != incident.SEV1 || len(inc.Links) != 1 {
		t.Fatalf("opened %+v", inc)
	}
	// Resolved by a person: a repeat opens nothing, a new firing opens a
	// new incident, linked to it.
	inc.ID, inc.Status = 12, incident.StatusResolved
	n.Alerts = []incident.Alert{{Fingerprint: "a", Firing: true, StartsAt: t0}}
	if g.Apply(n, t0) {
		t.Fatal("a repeat of a known firing reopened the group")
	}
	n.Alerts = []incident.Alert{{Fingerprint: "a", Firing: true, StartsAt: t0.Add(time.Hour)}}
	if !g.Apply(n, t0.Add(time.Hour)) || g.Incident.ID != 0 || g.Previous == nil || g.Previous.ID != 12 {
		t.Fatalf("no new incident: %+v", g.Incident)
	}
	last := g.Incident.Links[len(g.Incident.Links)-1]
	if last.URL != "https://aftermath.example.com/incidents/12" || !strings.Contains(g.Incident.Timeline[0].Text, "#12") {
		t.Errorf("not linked: %+v, %+v", last, g.Incident.Timeline)
	}
}

func TestAlertTimelineIsBounded(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	g := &incident.AlertGroup{Key: "g", Alerts: map[string]incident.AlertState{}}
	var alerts []incident.Alert
	for i := range 300 {
		alerts = append(alerts, incident.Alert{Fingerprint: fmt.Sprint(i), Firing: true, StartsAt: t0.Add(time.Duration(i) * time.Second), Text: "x"})
	}
	g.Apply(&incident.AlertNotification{GroupKey: "g", Title: "t", Service: "s", Severity: incident.SEV3, Alerts: alerts}, t0)
	tl := g.Incident.Timeline
	if len(tl) != incident.MaxListItems || !strings.Contains(tl[len(tl)-1].Text, "not listed") || len(g.Alerts) != 300 {
		t.Fatalf("%d entries, last %q, %d alerts known", len(tl), tl[len(tl)-1].Text, len(g.Alerts))
	}
}

func TestCleanText(t *testing.T) {
	if got := incident.CleanName("a\x00b\u202Ec\td\ne  f", 100); got != "abc d e f" {
		t.Errorf("CleanName: %q", got)
	}
	if got := incident.CleanName(strings.Repeat("é", 10), 5); got != "éééé…" {
		t.Errorf("CleanName cut: %q", got)
	}
	if got := incident.CleanMarkdown("line\n\x1b[31mred\u202E", 100); got != "line\n[31mred\u202E" {
		t.Errorf("CleanMarkdown: %q", got)
	}
}
