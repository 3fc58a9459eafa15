package postmortem

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// The fixtures here are written for these tests in the shape of the
// icco/postmortems collection; none is taken from it.

// iccoFull sets every key the collection uses, plus one it does not.
const iccoFull = `---
uuid: 5f0c3a8e-1111-4a2b-9c3d-000000000001
url: https://status.example.com/incidents/42
archive_url: https://web.archive.org/web/2024/https://status.example.com/incidents/42
title: "Example Corp: queue backlog"
start_time: 2023-06-01T09:15:00-08:00
end_time: 2023-06-01T21:45:30+02:00
categories:
- config-change
- cascading-failure
- cloud
keywords:
- queue
- backlog
company: Example Corp
product: Queue Service
source_published_at: 2023-06-03T10:00:00.123Z
source_fetched_at: 2026-01-02T03:04:05.678901Z
summary: A bad config push stalled the queue workers.
reviewer: someone
---

A config push set the worker count to zero.

Workers were restored by hand.
`

func TestICCOMapping(t *testing.T) {
	inc := mustParse(t, []byte(iccoFull))
	utc := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	checks := []struct {
		row       string
		got, want any
	}{
		{"uuid → external_id", inc.ExternalID, "5f0c3a8e-1111-4a2b-9c3d-000000000001"},
		{"company → service", inc.Service, "Example Corp"},
		{"service key derived", inc.ServiceKey, "examplecorp"},
		{"product → component", inc.Component, "Queue Service"},
		{"title → title", inc.Title, "Example Corp: queue backlog"},
		{"start_time → started_at, -08:00 → UTC", inc.StartedAt, utc("2023-06-01T17:15:00Z")},
		{"end_time → resolved_at, +02:00 → UTC", inc.ResolvedAt, utc("2023-06-01T19:45:30Z")},
		{"categories → tags as written", inc.Tags, []string{"config-change", "cascading-failure", "cloud"}},
		{"cascading-failure → outage type", inc.OutageTypes, []incident.OutageType{incident.OutageCascading}},
		{"url, archive_url → links", inc.Links, []incident.Link{
			{Title: "Source", URL: "https://status.example.com/incidents/42"},
			{Title: "Archive", URL: "https://web.archive.org/web/2024/https://status.example.com/incidents/42"},
		}},
		{"summary → summary", inc.Summary, "A bad config push stalled the queue workers."},
		{"body → description", inc.Description, "A config push set the worker count to zero.\n\nWorkers were restored by hand."},
		{"anything else → extra", inc.Extra, map[string]any{
			"keywords":            []any{"queue", "backlog"},
			"source_published_at": "2023-06-03T10:00:00.123Z",
			"source_fetched_at":   "2026-01-02T03:04:05.678901Z",
			"reviewer":            "someone",
		}},
		{"imported history is resolved", inc.Status, incident.StatusResolved},
		{"and published", inc.PostmortemStatus, incident.PostmortemPublished},
		{"no severity", inc.Severity, incident.Severity("")},
		{"timestamps not in the file stay unknown", inc.DetectedAt, (*time.Time)(nil)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.row, c.got, c.want)
		}
	}
	inc.ApplyDefaults() // as the store does for an import
	if err := inc.Validate(incident.DefaultVocabulary()); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// TestICCOExportKeepsExtraAsWritten checks "kept, and written back on
// export": icco's own lines for the keys Aftermath does not model come back
// unchanged in our file.
func TestICCOExportKeepsExtraAsWritten(t *testing.T) {
	out := string(mustMarshal(t, mustParse(t, []byte(iccoFull))))
	for _, line := range []string{
		"keywords:\n- queue\n- backlog\n",
		"source_published_at: 2023-06-03T10:00:00.123Z\n",
		"source_fetched_at: 2026-01-02T03:04:05.678901Z\n",
		"reviewer: someone\n",
	} {
		if !strings.Contains(iccoFull, line) || !strings.Contains(out, line) {
			t.Errorf("export lacks the original %q:\n%s", line, out)
		}
	}
	roundTrip(t, mustParse(t, []byte(iccoFull)))
}

func TestICCOTitle(t *testing.T) {
	long := strings.Repeat("word ", 60) + "end." // 304 runes; 40 words and "…" fill 200
	tests := []struct {
		name, frontMatter, want string
	}{
		{"title wins", "title: T\nsummary: S\ncompany: C\n", "T"},
		{"blank title: summary", "title: \"  \"\nsummary: Short summary.\ncompany: C\n", "Short summary."},
		{"summary on several lines", "summary: |\n  Two\n  lines.\ncompany: C\n", "Two lines."},
		{"long summary cut on a word", "summary: " + long + "\ncompany: C\n", strings.TrimSpace(strings.Repeat("word ", 40)) + "…"},
		{"one long word cut hard", "summary: " + strings.Repeat("x", 300) + "\ncompany: C\n", strings.Repeat("x", 199) + "…"},
		{"company and start date (UTC)", "company: Acme\nstart_time: 2020-01-01T23:30:00-05:00\n", "Acme incident (2020-01-02)"},
		{"company and end date", "company: Acme\nstart_time: \"\"\nend_time: 2020-02-03T00:00:00Z\n", "Acme incident (2020-02-03)"},
		{"company, no date", "company: Acme\n", "Acme incident (date unknown)"},
		{"nothing", "uuid: x\n", "Incident (date unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := mustParse(t, []byte("---\nuuid: u\n"+strings.Replace(tt.frontMatter, "uuid: x\n", "", 1)+"---\n"))
			if inc.Title != tt.want {
				t.Errorf("title = %q, want %q", inc.Title, tt.want)
			}
			if n := utf8.RuneCountInString(inc.Title); n > incident.MaxTitle {
				t.Errorf("title has %d runes, more than %d", n, incident.MaxTitle)
			}
		})
	}
}

func TestICCOUnknownAndEmptyTimes(t *testing.T) {
	for name, frontMatter := range map[string]string{
		"absent":     "",
		"empty":      "start_time: \"\"\nend_time: ''\n",
		"null":       "start_time: null\nend_time: ~\n",
		"empty body": "start_time:\nend_time:\n",
	} {
		t.Run(name, func(t *testing.T) {
			inc := mustParse(t, []byte("---\nuuid: u\ncompany: C\n"+frontMatter+"---\n"))
			if inc.StartedAt != nil || inc.ResolvedAt != nil {
				t.Errorf("started_at %v, resolved_at %v; want both unknown", inc.StartedAt, inc.ResolvedAt)
			}
		})
	}
}

func TestICCOEdgeCases(t *testing.T) {
	t.Run("no cascading-failure, no outage type", func(t *testing.T) {
		inc := mustParse(t, []byte("---\nuuid: u\ncompany: C\ncategories: [cloud, cascading]\n---\n"))
		if len(inc.OutageTypes) != 0 {
			t.Errorf("outage types %v", inc.OutageTypes)
		}
	})
	t.Run("empty categories and urls", func(t *testing.T) {
		inc := mustParse(t, []byte("---\nuuid: u\ncompany: C\ncategories: []\nurl: \"\"\nproduct: \"\"\n---\n"))
		if len(inc.Tags) != 0 || len(inc.Links) != 0 || inc.Component != "" || inc.Extra != nil {
			t.Errorf("tags %v links %v component %q extra %v", inc.Tags, inc.Links, inc.Component, inc.Extra)
		}
	})
	t.Run("end before start is kept for Validate to report", func(t *testing.T) {
		inc := mustParse(t, []byte("---\nuuid: u\ncompany: C\nstart_time: 2024-01-02T00:00:00Z\nend_time: 2024-01-01T00:00:00Z\n---\n"))
		err := inc.Validate(incident.DefaultVocabulary())
		var e *incident.Error
		if !asError(err, &e) || e.Fields["resolved_at"] == "" {
			t.Errorf("Validate = %v, want resolved_at reported", err)
		}
	})
	t.Run("bad time names the line", func(t *testing.T) {
		_, err := Parse([]byte("---\nuuid: u\ncompany: C\nstart_time: June 2012\n---\n"))
		if err == nil || !strings.Contains(err.Error(), "line 4") {
			t.Errorf("err = %v, want line 4 named", err)
		}
	})
	t.Run("a file with our keys is ours, icco keys go to extra", func(t *testing.T) {
		inc := mustParse(t, []byte("---\nservice: S\ntitle: T\nkeywords: [a]\ncompany: C\n---\n"))
		if inc.Service != "S" || inc.Extra["company"] != "C" || inc.Status != "" {
			t.Errorf("service %q extra %v status %q", inc.Service, inc.Extra, inc.Status)
		}
	})
}
