package report_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// unescapedPipe finds the pipes that delimit table cells.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

func TestMarkdownTablesKeepTheirShape(t *testing.T) {
	st, _ := fileDataset(t)
	r, err := report.Build(context.Background(), st, report.Params{Now: datasetNow})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	// Every service name and title in the dataset holds a pipe or a
	// newline; a table row that lost its shape would show here.
	columns := 0
	for n, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			columns = 0
			continue
		}
		cells := len(unescapedPipe.FindAllString(line, -1)) - 1
		if columns == 0 {
			columns = cells
		} else if cells != columns {
			t.Errorf("line %d has %d cells, its table %d: %s", n+1, cells, columns, line)
		}
	}
	if !strings.Contains(doc, `Auth \| Login`) {
		t.Error("a pipe in a service name is not escaped")
	}
	for _, want := range []string{
		"# Reliability review: all services, in all recorded history",
		"## Findings",
		fmt.Sprintf("| %d |", r.Incidents),
		"## Did the fix work?",
		"## Data quality",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q", want)
		}
	}
	for _, f := range r.Findings {
		if !strings.Contains(doc, "- "+f.Text+" ([#") {
			t.Errorf("finding %q is not in the document with its links", f.Text)
		}
		for _, id := range f.IDs[:min(3, len(f.IDs))] {
			if !strings.Contains(doc, fmt.Sprintf("[#%d](/incidents/%d)", id, id)) {
				t.Errorf("finding %q does not link #%d", f.Text, id)
			}
		}
	}
	for _, p := range r.DataQuality.Inconsistent.Incidents {
		if !strings.Contains(doc, fmt.Sprintf("#%d", p.ID)) {
			t.Errorf("incident #%d with inconsistent timestamps is not listed", p.ID)
		}
	}
}

func TestEmptyReportSaysSo(t *testing.T) {
	st, _ := fileDataset(t)
	since, _ := report.ParseBound("2030-01-01")
	r, err := report.Build(context.Background(), st, report.Params{Since: &since, Now: datasetNow})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	if r.Incidents != 0 || !strings.Contains(buf.String(), "No incidents since 2030-01-01.") {
		t.Errorf("%d incidents:\n%s", r.Incidents, buf.String())
	}
	// Incidents without a start are still listed, not dropped.
	if r.DataQuality.WithoutStart.Count == 0 {
		t.Error("a windowed report lost the incidents without a start")
	}
}

func TestParamsAreChecked(t *testing.T) {
	st, _ := fileDataset(t)
	since, _ := report.ParseBound("2025-03-01")
	until, _ := report.ParseBound("2025-02-01T00:00:00Z")
	tests := []struct {
		name   string
		params report.Params
		field  string
	}{
		{"until before since", report.Params{Since: &since, Until: &until}, "until"},
		{"until equal to since", report.Params{Since: &since, Until: &since}, "until"},
		{"an unknown service", report.Params{Service: "no such service"}, "service"},
		{"a service without letters", report.Params{Service: "---"}, "service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := report.Build(context.Background(), st, tt.params)
			var e *incident.Error
			if !errors.As(err, &e) || e.Code != incident.EMALFORMED || e.Fields[tt.field] == "" {
				t.Errorf("error %v, want a bad parameter %s", err, tt.field)
			}
		})
	}
}
