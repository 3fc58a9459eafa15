package web

import (
	"encoding/json"
	"net/url"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func linktree(t *testing.T) *incident.Incident {
	t.Helper()
	data, err := os.ReadFile("../../examples/linktree-payment-outage.json")
	if err != nil {
		t.Fatal(err)
	}
	var inc incident.Incident
	if err := json.Unmarshal(data, &inc); err != nil {
		t.Fatal(err)
	}
	return &inc
}

// TestIncidentFormRoundTrip: an incident shown in the form and posted back
// unchanged is the same incident, whatever spare empty rows the form
// carried; and fields the form does not show survive an edit.
func TestIncidentFormRoundTrip(t *testing.T) {
	stored := linktree(t)
	done := time.Date(2025, 3, 20, 9, 30, 0, 0, time.UTC)
	stored.ActionItems[0].DoneAt = &done
	stored.ID, stored.Version, stored.ExternalID = 7, 3, "ext-1"
	stored.Extra = map[string]any{"team": "payments"}
	stored.Normalize()

	form := withSpareRows(formOf(stored))
	form.addRow("contributing_factors")
	form.addRow("action_items")
	posted := url.Values{}
	for k, v := range form.values {
		posted[k] = v
	}
	posted.Set("not_a_field", "ignored")
	got, errs := parseForm(posted).incident(*stored)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	got.Normalize()
	if !reflect.DeepEqual(got, stored) {
		a, _ := json.MarshalIndent(got, "", " ")
		b, _ := json.MarshalIndent(stored, "", " ")
		t.Fatalf("round trip changed the incident:\n%s\nwant\n%s", a, b)
	}
}

// TestIncidentFormDecoding: text that cannot be read is named by the
// field the domain would name; rows keep their order.
func TestIncidentFormDecoding(t *testing.T) {
	posted := url.Values{
		"title": {"t"}, "service": {"s"}, "severity": {"SEV2"},
		"started_at":            {"yesterday"},
		"detected_at":           {"2025-03-14T15:24"},
		"impact.affected_users": {"412,000"},
		"tags":                  {"a, b ,,c"},
		"timeline.at":           {"2025-03-14T15:00:00", "", "soon"},
		"timeline.kind":         {"trigger", "", "impact"},
		"timeline.text":         {"first", "", "third"},
		"links.title":           {"dash"},
		"links.url":             {" https://example.com "},
	}
	inc, errs := parseForm(posted).incident(incident.Incident{})
	if errs["started_at"] == "" || errs["timeline[1].at"] == "" || len(errs) != 2 {
		t.Fatalf("errors %v", errs)
	}
	if inc.DetectedAt == nil || !inc.DetectedAt.Equal(time.Date(2025, 3, 14, 15, 24, 0, 0, time.UTC)) {
		t.Fatalf("detected_at %v", inc.DetectedAt)
	}
	if *inc.Impact.AffectedUsers != 412000 || !reflect.DeepEqual(inc.Tags, []string{"a", "b", "c"}) {
		t.Fatalf("users %v tags %q", *inc.Impact.AffectedUsers, inc.Tags)
	}
	if len(inc.Timeline) != 2 || inc.Timeline[1].Text != "third" || inc.Links[0].URL != "https://example.com" {
		t.Fatalf("rows %+v %+v", inc.Timeline, inc.Links)
	}
	if _, errs := parseForm(url.Values{"impact.affected_users": {"many"}}).incident(incident.Incident{}); errs["impact.affected_users"] == "" {
		t.Fatalf("a number that is not one: %v", errs)
	}
}

func TestFieldLabels(t *testing.T) {
	for field, want := range map[string]string{
		"title": "Title", "action_items[2].owner": "Action items, row 3: owner",
		"timeline[0].at": "Timeline, row 1: at", "outage_types[1]": "Outage types, row 2",
		"primary_cause.category": "Cause category",
	} {
		if got := fieldLabel(field); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
}
