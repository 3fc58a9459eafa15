package postmortem

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

var update = flag.Bool("update", false, "rewrite examples/linktree-payment-outage.md from the JSON example")

// TestGolden keeps examples/linktree-payment-outage.md equal to what Marshal
// makes of the JSON example. After a deliberate format change, run
// `go test ./internal/postmortem -run TestGolden -update` and review the diff.
func TestGolden(t *testing.T) {
	golden := filepath.Join(examplesDir, "linktree-payment-outage.md")
	got := mustMarshal(t, linktree(t))
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Marshal differs from %s (run with -update if the change is intended):\n%s", golden, firstDifference(got, want))
	}
}

// firstDifference shows the first line where two files part.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got:  " + gl + "\n want: " + wl
		}
	}
	return "(same lines, different bytes)"
}

func TestMarshalIsDeterministic(t *testing.T) {
	for name, inc := range map[string]*incident.Incident{"linktree": linktree(t), "everything": everything()} {
		t.Run(name, func(t *testing.T) {
			first := mustMarshal(t, inc)
			for range 20 { // map iteration order (Extra) differs from run to run
				if again := mustMarshal(t, inc); !bytes.Equal(first, again) {
					t.Fatalf("second Marshal differs:\n%s", firstDifference(again, first))
				}
			}
		})
	}
}

// TestMarshalLayout checks the format decisions that readers of the file
// and other tools rely on.
func TestMarshalLayout(t *testing.T) {
	inc := everything()
	out := string(mustMarshal(t, inc))
	frontMatter, body, ok := strings.Cut(strings.TrimPrefix(out, "---\n"), "\n---\n")
	if !strings.HasPrefix(out, "---\n") || !ok {
		t.Fatalf("no front matter between --- lines:\n%s", out)
	}

	// Every field, in the documented order, then Extra sorted.
	order := []string{"id", "external_id", "title", "service", "component", "severity", "status",
		"postmortem_status", "outage_types", "started_at", "detected_at", "mitigated_at", "resolved_at",
		"summary", "impact", "primary_cause", "contributing_factors", "detection_gaps", "detection_method",
		"failure_modes", "action_items", "timeline", "lessons", "tags", "links", "version", "created_at", "updated_at",
		"a-list", "count", "looks-like-a-date", "nested", "source_fetched_at", "yes"}
	var topLevel []string
	for _, line := range strings.Split(frontMatter, "\n") {
		if line != "" && line[0] != ' ' && line[0] != '-' {
			key, _, _ := strings.Cut(line, " ")
			topLevel = append(topLevel, strings.Trim(strings.TrimSuffix(key, ":"), `"`))
		}
	}
	if strings.Join(topLevel, " ") != strings.Join(order, " ") {
		t.Errorf("top-level keys:\n got:  %v\n want: %v", topLevel, order)
	}

	for _, want := range []string{
		"started_at: 2024-02-29T23:59:59Z\n", // UTC, plain
		"detected_at: null\n",                // unknown
		"summary: |-\n  Line one with *stars* and | pipes\n  # not a heading\n", // literal block
		`version: 7`,
		`"yes": "no"`,                     // YAML 1.1 booleans stay strings
		"looks-like-a-date: 2024-01-01\n", // Extra dates are written back plain, as imported
		"source_fetched_at: 2026-05-04T19:51:05.703409Z\n",
		"count: 3\n", // integral floats are written as integers
	} {
		if !strings.Contains(frontMatter, want) {
			t.Errorf("front matter lacks %q:\n%s", want, frontMatter)
		}
	}
	for _, want := range []string{
		"\n## Summary\n", "\n## Impact\n", "\n## Outage type\n", "\n## Timeline\n", "\n## Primary cause\n",
		"\n## Contributing factors\n", "\n## Detection — why it wasn't caught\n", "\n## Action items\n",
		"\n## Lessons learned\n", "\n### Went well\n", "\n### Went wrong\n", "\n### Got lucky\n",
		"\n## Description\n\n" + DescriptionMarker + "\n\n" + inc.Description + "\n",
		`| 1 | Fix \| escape \*this\* \<b\> | prevent |`, // cells escape pipes, emphasis and HTML
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if !strings.HasSuffix(out, inc.Description+"\n") {
		t.Errorf("the free description is not last")
	}
}

func TestMarshalRefusesWhatAFileCannotHold(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*incident.Incident)
		field string
	}{
		{"extra key is a field name", func(inc *incident.Incident) { inc.Extra = map[string]any{"title": "x"} }, "extra.title"},
		{"extra key description", func(inc *incident.Incident) { inc.Extra = map[string]any{"description": "x"} }, "extra.description"},
		{"extra NaN", func(inc *incident.Incident) { inc.Extra = map[string]any{"n": math.NaN()} }, "extra.n"},
		{"extra infinity", func(inc *incident.Incident) { inc.Extra = map[string]any{"n": []any{math.Inf(1)}} }, "extra.n"},
		{"extra unsupported type", func(inc *incident.Incident) { inc.Extra = map[string]any{"t": time.Now()} }, "extra.t"},
		{"title not UTF-8", func(inc *incident.Incident) { inc.Title = "bad \xff" }, "title"},
		{"timeline text not UTF-8", func(inc *incident.Incident) { inc.Timeline[0].Text = "\xc3" }, "timeline[0].text"},
		{"description not UTF-8", func(inc *incident.Incident) { inc.Description = "\xff" }, "description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := everything()
			tt.edit(inc)
			_, err := Marshal(inc)
			var e *incident.Error
			if !errors.As(err, &e) || e.Code != incident.EINVALID {
				t.Fatalf("Marshal error = %v, want an EINVALID *incident.Error", err)
			}
			if _, ok := e.Fields[tt.field]; !ok {
				t.Errorf("fields = %v, want %q named", e.Fields, tt.field)
			}
		})
	}

	t.Run("year beyond 9999", func(t *testing.T) {
		inc := everything()
		far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		inc.ResolvedAt = &far
		if _, err := Marshal(inc); incident.ErrorCode(err) != incident.EINVALID {
			t.Fatalf("Marshal error = %v, want EINVALID", err)
		}
	})
}

func TestWriteWritesWhatMarshalReturns(t *testing.T) {
	inc := linktree(t)
	var buf bytes.Buffer
	if err := Write(&buf, inc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), mustMarshal(t, inc)) {
		t.Error("Write and Marshal differ")
	}
	inc.Extra = map[string]any{"id": 1}
	buf.Reset()
	if err := Write(&buf, inc); err == nil || buf.Len() != 0 {
		t.Errorf("Write of an unwritable incident: err %v, %d bytes written", err, buf.Len())
	}
}
