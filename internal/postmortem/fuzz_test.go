package postmortem

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// The seed corpora live in testdata/fuzz/<FuzzName>/; `go test` runs them as
// ordinary tests. To fuzz:
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s -fuzzminimizetime 5s ./internal/postmortem/
//
// The fuzzer minimizes every new interesting input for -fuzzminimizetime
// (60 s by default), which on post-mortem-sized inputs can eat a whole
// short session; 5 s keeps it fuzzing.

// slowInput is far beyond what any input should take; it catches hangs
// without failing on a busy machine.
const slowInput = 5 * time.Second

// parseWithin parses data, failing the test if that takes longer than
// limit. The fuzzer records an input only when the fuzz function returns,
// so a hang must be turned into a failure rather than waited out.
func parseWithin(t *testing.T, data []byte, limit time.Duration) (*incident.Incident, error) {
	type result struct {
		inc *incident.Incident
		err error
	}
	done := make(chan result, 1)
	go func() {
		inc, err := Parse(data)
		done <- result{inc, err}
	}()
	select {
	case r := <-done:
		return r.inc, r.err
	case <-time.After(limit):
		t.Fatalf("Parse takes longer than %v on %d bytes", limit, len(data))
		return nil, nil
	}
}

// FuzzParse: any bytes either fail with an *incident.Error or give an
// incident that writes, and reads back as the same incident and bytes.
func FuzzParse(f *testing.F) {
	f.Add([]byte(iccoFull))
	f.Fuzz(func(t *testing.T, data []byte) {
		inc, err := parseWithin(t, data, slowInput)
		if err != nil {
			var e *incident.Error
			if !errors.As(err, &e) || (e.Code != incident.EMALFORMED && e.Code != incident.ETOOLARGE) {
				t.Fatalf("error %v is not an EMALFORMED or ETOOLARGE *incident.Error", err)
			}
			return
		}
		out, err := Marshal(inc)
		if err != nil {
			t.Fatalf("Marshal of a parsed incident: %v", err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse of the export: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, inc) {
			t.Fatalf("import of the export differs:\n%s", diffFields(back, inc))
		}
		if again := mustMarshal(t, back); !bytes.Equal(again, out) {
			t.Fatalf("export, import, export changed the bytes:\n%s", firstDifference(again, out))
		}
	})
}

// FuzzRoundTrip builds an incident with every field from fuzzed values and
// checks that Marshal, Parse, Marshal keeps it, or that Marshal refuses what
// a file cannot hold.
func FuzzRoundTrip(f *testing.F) {
	f.Add("Title", "Service", "multi\nline *markdown*", "key", "value", int64(1000), int64(1700000000), int64(3600), 1.5, true)
	f.Add("  ", "", "", "", "", int64(-1), int64(0), int64(-60), math.Inf(1), false)
	f.Add("yes", "1.0", DescriptionMarker+"\n", "title", "2024-01-01", int64(0), int64(-62135596800), int64(0), 3.0, false)
	f.Fuzz(func(t *testing.T, short, name, text, extraKey, extraText string, users, startUnix, afterSeconds int64, number float64, flag bool) {
		inc := fuzzedIncident(short, name, text, extraKey, extraText, users, startUnix, afterSeconds, number, flag)
		out, err := Marshal(inc)
		if reason := unwritableReason(short, name, text, extraKey, extraText, number, inc); reason != "" {
			if incident.ErrorCode(err) != incident.EINVALID {
				t.Fatalf("Marshal error = %v, want EINVALID (%s)", err, reason)
			}
			return
		}
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse(out)
		if !readable(inc.ID) || !readable(int64(inc.Version)) {
			// Marshal writes any id; a file's id and version must be
			// ones the store can hold and hand out after.
			if incident.ErrorCode(err) != incident.EMALFORMED {
				t.Fatalf("Parse of id %d version %d: %v, want EMALFORMED", inc.ID, inc.Version, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, inc) {
			t.Fatalf("Parse(Marshal(inc)) differs:\n%s", diffFields(back, inc))
		}
		if again := mustMarshal(t, back); !bytes.Equal(again, out) {
			t.Fatalf("export, import, export changed the bytes:\n%s", firstDifference(again, out))
		}
	})
}

// fuzzedIncident spreads the fuzzed values over every field.
func fuzzedIncident(short, name, text, extraKey, extraText string, users, startUnix, afterSeconds int64, number float64, flag bool) *incident.Incident {
	start := time.Unix(startUnix, 0).UTC() // the store keeps UTC; Normalize leaves created_at alone
	later := start.Add(time.Duration(afterSeconds) * time.Second)
	var extraNumber any = number
	if i, ok := integral(number); ok {
		extraNumber = int(i) // the canonical form Parse returns
	}
	inc := &incident.Incident{
		ID: users, ExternalID: name, Title: short, Service: name, Component: short,
		Severity: incident.Severity(short), Status: incident.Status(name), PostmortemStatus: incident.PostmortemStatus(short),
		OutageTypes: []incident.OutageType{incident.OutageType(name), incident.OutageGlobal},
		StartedAt:   &start, DetectedAt: &later, ResolvedAt: &later,
		Summary: text, Description: text,
		Impact:              incident.Impact{Description: text, AffectedUsers: &users, AffectedDependents: []string{short, name}},
		PrimaryCause:        incident.Cause{Category: short, Description: text, Trigger: name},
		ContributingFactors: []incident.Finding{{Category: name, Description: text}},
		DetectionGaps:       []incident.Finding{{Category: short, Description: extraText}},
		DetectionMethod:     incident.DetectionMethod(name),
		ActionItems: []incident.ActionItem{{Title: short, Kind: incident.ActionKind(name), Owner: name,
			DueDate: extraText, Status: incident.ActionStatus(short), Addresses: text, DoneAt: &later}},
		Timeline: []incident.TimelineEntry{{At: start, Kind: name, Text: text}, {At: later, Kind: short, Text: extraText}},
		Lessons:  incident.Lessons{WentWell: text, WentWrong: short, GotLucky: extraText},
		Tags:     []string{short, name, extraText},
		Links:    []incident.Link{{Title: short, URL: name}},
		Extra: map[string]any{extraKey: extraText, "n": extraNumber, "flag": flag,
			"nested": map[string]any{extraText: []any{text, nil, extraNumber}}},
		Version:   int(afterSeconds),
		CreatedAt: start, UpdatedAt: later,
	}
	if !flag {
		inc.StartedAt, inc.Impact.AffectedUsers, inc.Extra = nil, nil, nil
	}
	inc.Normalize()
	return inc
}

// readable reports whether Parse takes n as an id or a version: not set
// (written as null), or within incident.ValidID.
func readable(n int64) bool { return n == 0 || incident.ValidID(n) }

// unwritableReason says why Marshal must refuse the fuzzed incident, or "".
func unwritableReason(short, name, text, extraKey, extraText string, number float64, inc *incident.Incident) string {
	for _, s := range []string{short, name, text, extraText} {
		if !utf8.ValidString(s) {
			return "text is not UTF-8"
		}
	}
	for _, t := range []*time.Time{inc.StartedAt, inc.ResolvedAt, &inc.CreatedAt, &inc.UpdatedAt} {
		if t != nil && !t.IsZero() && (t.Year() < 0 || t.Year() > 9999) {
			return "year outside 0000-9999"
		}
	}
	if inc.Extra == nil {
		return ""
	}
	if !utf8.ValidString(extraKey) {
		return "extra key is not UTF-8"
	}
	if slices.Contains(reservedKeys, extraKey) {
		return "extra key is a field name"
	}
	if math.IsNaN(number) || math.IsInf(number, 0) {
		return "number is not finite"
	}
	return ""
}

// FuzzRenderHTML: no markdown gets script into the page.
func FuzzRenderHTML(f *testing.F) {
	for _, md := range hostileMarkdown {
		f.Add(md)
	}
	f.Fuzz(func(t *testing.T, markdown string) {
		out := string(RenderHTML(markdown))
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("<script in\n%s", out)
		}
		if problem := unsafeHTML(out); problem != "" {
			t.Fatalf("%s in\n%s", problem, out)
		}
	})
}
