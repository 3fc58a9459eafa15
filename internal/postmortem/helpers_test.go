package postmortem

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/examples"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// examplesDir holds the example incidents, two levels up from here.
var examplesDir = filepath.Join("..", "..", "examples")

// linktree returns the Linktree example as the store would hold it: decoded
// from the API JSON, given an ID, a version and fixed times, and normalized.
func linktree(t testing.TB) *incident.Incident {
	t.Helper()
	example, err := examples.Incident(examples.LinktreeFile)
	if err != nil {
		t.Fatal(err)
	}
	inc := *example
	inc.ID = 1
	inc.Version = 1
	inc.CreatedAt = time.Date(2025, 3, 17, 9, 30, 0, 0, time.UTC)
	inc.UpdatedAt = time.Date(2025, 3, 21, 16, 45, 0, 0, time.UTC)
	// The store stamps items marked done; the example shows what that looks like.
	inc.StampDoneItems(inc.UpdatedAt)
	inc.Normalize()
	return &inc
}

func mustMarshal(t testing.TB, inc *incident.Incident) []byte {
	t.Helper()
	data, err := Marshal(inc)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return data
}

func mustParse(t testing.TB, data []byte) *incident.Incident {
	t.Helper()
	inc, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	return inc
}

// everything returns an incident with every field set, and with text that
// is hard to write: markdown specials, unicode, several lines, blanks at the
// ends, values that YAML would read as something else.
func everything() *incident.Incident {
	at := func(s string) *time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return &t
	}
	users := int64(1_234_567)
	inc := &incident.Incident{
		ID:               42,
		ExternalID:       "0b1c-ÜNICODE-42",
		Title:            "Überweisungen: 50% failed | *not* _emph_ `code` # [link] <b>",
		Service:          "Zürich Pay-ments",
		Component:        "ledger 🧾",
		Severity:         incident.SEV2,
		Status:           incident.StatusMonitoring,
		PostmortemStatus: incident.PostmortemInReview,
		OutageTypes:      []incident.OutageType{incident.OutageRegional, incident.OutagePartial},
		StartedAt:        at("2024-02-29T23:59:59Z"),
		MitigatedAt:      at("2024-03-01T01:00:00Z"),
		ResolvedAt:       at("2024-03-01T02:30:00Z"),
		Summary:          "Line one with *stars* and | pipes\n# not a heading",
		Description: "## What happened\n\n```yaml\n---\nkey: value\n---\n```\n\n" +
			DescriptionMarker + "\n\nTrailing spaces here:   \n> quote\n\n- [ ] task\n\t tab-indented\n\n",
		Impact: incident.Impact{
			Description:        "  leading spaces\nand a trailing newline\n",
			AffectedUsers:      &users,
			AffectedDependents: []string{"banks", "yes", "1.0", "null"},
		},
		PrimaryCause: incident.Cause{
			Category:    "config-change",
			Description: "A flag `x: true` flipped.\n\n" + DescriptionMarker + "\nnot the marker: it is part of the cause",
			Trigger:     "~",
		},
		ContributingFactors: []incident.Finding{
			{Category: "time", Description: "Leap day: 2024-02-29"},
			{Category: "software-bug", Description: "multi\nline\r\nwith CRLF"},
		},
		DetectionGaps:   []incident.Finding{{Category: "missing-monitoring", Description: "   "}},
		DetectionMethod: incident.DetectedByExternalMonitor,
		ActionItems: []incident.ActionItem{
			{Title: "Fix | escape *this* <b>", Kind: incident.ActionPrevent, Owner: "@team\nnewline",
				DueDate: "2024-03-15", Status: incident.ActionDone, Addresses: "contributing_factors[1]",
				DoneAt: at("2024-03-10T08:00:00Z")},
			{Title: "yes", Kind: incident.ActionProcess, Status: incident.ActionWontDo},
		},
		Timeline: []incident.TimelineEntry{
			{At: *at("2024-02-29T23:59:59Z"), Kind: "impact", Text: "first\nsecond line\n\nthird paragraph"},
			{At: *at("2024-03-01T00:10:00Z"), Text: "no kind; text with trailing space "},
		},
		Lessons: incident.Lessons{
			WentWell:  "Rollback took **2 min**.",
			WentWrong: "null",
			GotLucky:  "日本語のテキスト\n",
		},
		Tags:  []string{"2024-01-01", "true", "0x1F", "#hash"},
		Links: []incident.Link{{Title: "Status page [archived]", URL: "https://example.com/a_(b)?q=1&r=2#frag"}},
		Extra: map[string]any{
			"yes":               "no",
			"count":             3,
			"looks-like-a-date": "2024-01-01",
			"source_fetched_at": "2026-05-04T19:51:05.703409Z",
			"a-list":            []any{"1.0", 1.5, true, nil, "", "multi\nline"},
			"nested":            map[string]any{"deeper": map[string]any{"k": []any{map[string]any{"x": "~"}}}, "empty": map[string]any{}, "none": []any{}},
		},
		Version:   7,
		CreatedAt: *at("2024-03-01T03:00:00Z"),
		UpdatedAt: *at("2024-03-02T04:05:06Z"),
	}
	inc.Normalize()
	return inc
}

func asError(err error, target **incident.Error) bool { return errors.As(err, target) }

func fmtValue(v reflect.Value) string { return fmt.Sprintf("%#v", v.Interface()) }
