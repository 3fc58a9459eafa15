package postmortem

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// roundTrip checks the format's promise on inc: Parse(Marshal(inc)) is inc,
// and Marshal of that gives the same bytes.
func roundTrip(t *testing.T, inc *incident.Incident) {
	t.Helper()
	first := mustMarshal(t, inc)
	back := mustParse(t, first)
	if !reflect.DeepEqual(back, inc) {
		t.Errorf("Parse(Marshal(inc)) differs from inc:\n%s", diffFields(back, inc))
	}
	if second := mustMarshal(t, back); !bytes.Equal(first, second) {
		t.Errorf("export, import, export changed the bytes:\n%s", firstDifference(second, first))
	}
}

// diffFields names the top-level fields in which two incidents differ.
func diffFields(got, want *incident.Incident) string {
	var out strings.Builder
	g, w := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			out.WriteString(g.Type().Field(i).Name + ":\n got:  " + sprint(g.Field(i)) + "\n want: " + sprint(w.Field(i)) + "\n")
		}
	}
	return out.String()
}

func sprint(v reflect.Value) string {
	return strings.ReplaceAll(strings.TrimSpace(fmtValue(v)), "\n", `\n`)
}

func TestRoundTrip(t *testing.T) {
	tests := map[string]func() *incident.Incident{
		"linktree":   func() *incident.Incident { return linktree(t) },
		"everything": everything,
		"empty": func() *incident.Incident {
			inc := &incident.Incident{}
			inc.Normalize()
			return inc
		},
		"description only newlines": func() *incident.Incident {
			inc := everything()
			inc.Description = "\n\n"
			return inc
		},
		"description starts with a newline and a CR": func() *incident.Incident {
			inc := everything()
			inc.Description = "\n\r\nbody\r"
			return inc
		},
		"description is the marker": func() *incident.Incident {
			inc := everything()
			inc.Description = DescriptionMarker
			return inc
		},
		"no description, no extra, no lists": func() *incident.Incident {
			inc := &incident.Incident{Title: "t", Service: "s", Summary: DescriptionMarker}
			inc.Normalize()
			return inc
		},
		"unknown timestamps and zero times": func() *incident.Incident {
			inc := everything()
			inc.StartedAt, inc.MitigatedAt, inc.ResolvedAt = nil, nil, nil
			inc.CreatedAt, inc.UpdatedAt = time.Time{}, time.Time{}
			inc.ActionItems[0].DoneAt = nil
			inc.Timeline[0].At = time.Time{}
			inc.Impact.AffectedUsers = nil
			return inc
		},
		"fractional seconds before Normalize": func() *incident.Incident {
			inc := everything()
			inc.CreatedAt = time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
			return inc
		},
		"awkward strings": func() *incident.Incident {
			inc := everything()
			awkward := []string{"", "\t\n", "\n", " \n ", "a\u2028b\u0085c", "x\x00y", "\ufeffbom", "🔥 fire\nand 🧯", "'\"", ": ", "- ", "? x", "!tag", "&anchor", "*alias", "%YAML", "@at", "`tick", "a #comment", "---", "...", "0o17", "1e3", ".inf", "-.NaN", "0b101", "1_000", "12:30:00", "on", "Off", "Y"}
			for i, s := range awkward {
				inc.Timeline = append(inc.Timeline, incident.TimelineEntry{At: inc.Timeline[0].At, Kind: s, Text: s})
				inc.Extra["awkward"+strings.Repeat("_", i)] = s
				inc.Extra[s] = map[string]any{s: []any{s}}
			}
			inc.Summary = strings.Join(awkward, "\n")
			return inc
		},
	}
	for name, build := range tests {
		t.Run(name, func(t *testing.T) { roundTrip(t, build()) })
	}
}

func TestParseOwnFormat(t *testing.T) {
	const header = "---\ntitle: T\nservice: S\n"
	tests := []struct {
		name  string
		input string
		check func(t *testing.T, inc *incident.Incident)
	}{
		{"minimal hand-written file; body without marker is the description",
			"---\ntitle: Only a title\n---\n\n\n  indented first line\nmore\n\n",
			func(t *testing.T, inc *incident.Incident) {
				if inc.Title != "Only a title" || inc.Description != "  indented first line\nmore" {
					t.Errorf("title %q description %q", inc.Title, inc.Description)
				}
				// Parse reads what is written; the store gives a new
				// incident its defaults (incident.ApplyDefaults).
				if inc.Status != "" || inc.PostmortemStatus != "" {
					t.Errorf("Parse invented a status: %q %q", inc.Status, inc.PostmortemStatus)
				}
			}},
		{"offsets become UTC",
			header + "started_at: 2024-01-01T10:00:00-08:00\nresolved_at: 2024-01-01T18:30:00.9+00:00\ndetected_at: \"\"\n---\n",
			func(t *testing.T, inc *incident.Incident) {
				want := time.Date(2024, 1, 1, 18, 0, 0, 0, time.UTC)
				if inc.StartedAt == nil || !inc.StartedAt.Equal(want) || inc.StartedAt.Location() != time.UTC {
					t.Errorf("started_at = %v, want %v UTC", inc.StartedAt, want)
				}
				if inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(want.Add(30*time.Minute)) {
					t.Errorf("resolved_at = %v (fraction must be truncated)", inc.ResolvedAt)
				}
				if inc.DetectedAt != nil {
					t.Errorf("empty detected_at = %v, want unknown", inc.DetectedAt)
				}
			}},
		{"unknown keys go to Extra; service_key is ignored",
			header + "service_key: other\nzeta: [1, 2.5, \"3\"]\nalpha: {b: 2024-01-01, a: null}\n---\n",
			func(t *testing.T, inc *incident.Incident) {
				want := map[string]any{"zeta": []any{1, 2.5, "3"}, "alpha": map[string]any{"b": "2024-01-01", "a": nil}}
				if !reflect.DeepEqual(inc.Extra, want) {
					t.Errorf("extra = %#v, want %#v", inc.Extra, want)
				}
				if inc.ServiceKey != "s" {
					t.Errorf("service_key = %q, want it derived from service", inc.ServiceKey)
				}
			}},
		{"CRLF line endings and trailing blanks on delimiters",
			"---  \r\ntitle: T\r\nservice: S\r\n--- \r\n# T\r\n" + DescriptionMarker + "\r\n\r\nline\r\n",
			func(t *testing.T, inc *incident.Incident) {
				if inc.Title != "T" || inc.Description != "line\r" {
					t.Errorf("title %q description %q", inc.Title, inc.Description)
				}
			}},
		{"byte order mark", "\ufeff" + header + "---\n",
			func(t *testing.T, inc *incident.Incident) {
				if inc.Title != "T" {
					t.Errorf("title %q", inc.Title)
				}
			}},
		{"empty front matter", "---\n---\nbody",
			func(t *testing.T, inc *incident.Incident) {
				if inc.Description != "body" {
					t.Errorf("description %q", inc.Description)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, mustParse(t, []byte(tt.input))) })
	}
}

func TestParseErrors(t *testing.T) {
	const header = "---\ntitle: T\nservice: S\n"
	tests := []struct {
		name, input string
		code        string
		message     string // a part of the message
	}{
		{"empty file", "", incident.EMALFORMED, "no front matter"},
		{"no front matter", "# Just markdown\n", incident.EMALFORMED, "no front matter"},
		{"unterminated", "---\ntitle: x\n", incident.EMALFORMED, `no closing "---"`},
		{"delimiter alone", "---", incident.EMALFORMED, `no closing "---"`},
		{"not UTF-8", "---\ntitle: \xff\n---\n", incident.EMALFORMED, "not UTF-8"},
		{"too large", "---\n" + strings.Repeat("#", MaxFileSize) + "\n---\n", incident.ETOOLARGE, "larger than"},
		{"bad YAML, file line numbers", "---\ntitle: ok\nservice: x: y\n---\n", incident.EMALFORMED, "front matter: line 3: mapping values are not allowed"},
		{"not a mapping", "---\n- a\n- b\n---\n", incident.EMALFORMED, "line 2: the front matter must be a mapping"},
		{"bad time", header + "started_at: yesterday\n---\n", incident.EMALFORMED, `line 4: started_at: "yesterday" is not an RFC 3339 time`},
		{"date is not a time", header + "started_at: 2024-01-01\n---\n", incident.EMALFORMED, "not an RFC 3339 time"},
		{"wrong type", header + "tags: {a: b}\n---\n", incident.EMALFORMED, "line 4: tags: must be a list"},
		{"typo in a nested key", header + "impact:\n  descripton: x\n---\n", incident.EMALFORMED, `line 5: impact: unknown key "descripton"`},
		{"typo in a list item", header + "links:\n- titel: x\n---\n", incident.EMALFORMED, `line 5: links[0]: unknown key "titel"`},
		{"duplicate key", header + "title: again\n---\n", incident.EMALFORMED, `line 4: key "title" appears twice`},
		{"duplicate extra key", header + "x: 1\nx: 2\n---\n", incident.EMALFORMED, `key "x" appears twice`},
		{"duplicate nested key", header + "x: {a: 1, a: 2}\n---\n", incident.EMALFORMED, `key "a" appears twice`},
		{"description in front matter", header + "description: x\n---\n", incident.EMALFORMED, "the description goes in the body"},
		{"alias", header + "a: &x [1]\nb: *x\n---\n", incident.EMALFORMED, "aliases"},
		{"merge key", header + "a: {<<: {b: 1}}\n---\n", incident.EMALFORMED, "merge keys"},
		{"binary", header + "a: !!binary aGk=\n---\n", incident.EMALFORMED, "binary"},
		{"non-text key", header + "? [a]\n: b\n---\n", incident.EMALFORMED, "keys must be text"},
		{"NaN in extra", header + "n: .nan\n---\n", incident.EMALFORMED, "finite"},
		{"two documents", header + "...\nx: 1\n---\n", incident.EMALFORMED, "more than one YAML document"},
		{"control character", header + "x: \"\x01\"\n---\n", incident.EMALFORMED, "front matter"},
		{"fractional id", "---\nid: 1.5\n---\n", incident.EMALFORMED, "line 2: id: must be a whole number from 1 to 9007199254740991"},
		{"id beyond int64", "---\nid: 9223372036854775808\n---\n", incident.EMALFORMED, "line 2: id: must be a whole number from 1"},
		{"explicit zero version", header + "version: 0\n---\n", incident.EMALFORMED, "line 4: version: must be a whole number from 1"},
		{"id as text", "---\nid: \"7\"\n---\n", incident.EMALFORMED, "line 2: id: must be a whole number"},
		{"affected users as text", header + "impact:\n  affected_users: many\n---\n", incident.EMALFORMED, "line 5: impact.affected_users: must be a whole number"},
		{"a list where text goes", header + "component: [a, b]\n---\n", incident.EMALFORMED, "line 4: component: must be text"},
		{"text where a mapping goes", header + "primary_cause: oops\n---\n", incident.EMALFORMED, "line 4: primary_cause: must be a mapping"},
		{"bad time in a list", header + "timeline:\n- at: soon\n  text: x\n---\n", incident.EMALFORMED, `line 5: timeline[0].at: "soon" is not an RFC 3339 time`},
		{"icco start time as a list", "---\nuuid: u\ncompany: C\nstart_time: [1]\n---\n", incident.EMALFORMED, "line 4: start_time: must be an RFC 3339 time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc, err := Parse([]byte(tt.input))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", inc)
			}
			var e *incident.Error
			if !asError(err, &e) || e.Code != tt.code {
				t.Fatalf("error %v, want an *incident.Error with code %s", err, tt.code)
			}
			if !strings.Contains(e.Message, tt.message) {
				t.Errorf("message %q does not contain %q", e.Message, tt.message)
			}
			for _, internal := range []string{"!!", "unmarshal", "int64", "yaml:"} {
				if strings.Contains(e.Message, internal) {
					t.Errorf("message %q shows %q", e.Message, internal)
				}
			}
		})
	}
}

// TestParseResistsExpensiveInput feeds inputs built to exhaust time or
// memory; each must be answered quickly.
func TestParseResistsExpensiveInput(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 'b'; i <= 'z'; i++ {
		prev := string(i - 1)
		bomb.WriteString(string(i) + ": &" + string(i) + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n")
	}
	bomb.WriteString("---\n")
	inputs := map[string]string{
		"alias bomb":    bomb.String(),
		"deep nesting":  "---\nx: " + strings.Repeat("[", 100_000) + "\n---\n",
		"deep blocks":   "---\nx:\n" + strings.Repeat("- ", 300_000) + "a\n---\n",
		"many keys":     "---\n" + manyKeys(MaxFileSize-10) + "---\n",
		"huge scalar":   "---\nx: " + strings.Repeat("a", MaxFileSize-20) + "\n---\n",
		"many lines":    strings.Repeat("\n", MaxFileSize),
		"deep extra":    "---\nx: " + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + "\n---\n",
		"unterminated":  "---\n" + strings.Repeat("a: b\n", 200_000),
		"marker search": "---\n---\n" + strings.Repeat("<!-- aftermath:description\n", 35_000),
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse([]byte(input))
			// Generous: the point is to catch blow-ups (exponential
			// aliases, quadratic scans), which take minutes, not to time a
			// busy machine.
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("Parse took %v", elapsed)
			}
			if err != nil && incident.ErrorCode(err) == incident.EINTERNAL {
				t.Errorf("error is not an *incident.Error: %v", err)
			}
		})
	}
}

// manyKeys returns distinct "kN: v" lines, size bytes or a little less.
func manyKeys(size int) string {
	var b strings.Builder
	for i := 0; ; i++ {
		line := "k" + strconv.Itoa(i) + ": v\n"
		if b.Len()+len(line) > size {
			return b.String()
		}
		b.WriteString(line)
	}
}

// TestExtraSurvivesTheStore checks that Extra, after the store's JSON round
// trip (every number a float64), exports to the same bytes as before.
func TestExtraSurvivesTheStore(t *testing.T) {
	input := "---\ntitle: T\nservice: S\nint: 3\nfloat: 2.5\nwhole-float: 4.0\nbig: 9007199254740993\nneg: -17\n" +
		"list: [1, \"1\", 1.5, true, null, {a: [2]}]\ndate: 2024-01-01\nstamp: 2026-05-04T19:51:05.703409Z\n---\n"
	inc := mustParse(t, []byte(input))
	before := mustMarshal(t, inc)

	stored, err := json.Marshal(inc.Extra)
	if err != nil {
		t.Fatal(err)
	}
	inc.Extra = nil
	if err := json.Unmarshal(stored, &inc.Extra); err != nil {
		t.Fatal(err)
	}
	after := mustMarshal(t, inc)
	// 9007199254740993 is 2^53+1: a float64 cannot hold it, so JSON decoding
	// into float64 changes it. That is the store's limit, not the format's.
	before = bytes.Replace(before, []byte("big: 9007199254740993"), []byte("big: 9007199254740992"), 1)
	if !bytes.Equal(before, after) {
		t.Errorf("export after the store differs:\n%s", firstDifference(after, before))
	}
	if !strings.Contains(string(after), "whole-float: 4\n") {
		t.Errorf("an integral float is not written as an integer:\n%s", after)
	}
}
