package report_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// TestReportOverTheCorpus imports the shared icco/postmortems corpus and
// checks by_service, by_tag, by_month and time_to_resolve against figures
// computed from the files' own front matter (company, categories,
// start_time, end_time), read with a YAML decoder independently of the
// importer:
//
//	AFTERMATH_CORPUS=/work/shared/corpus/postmortems go test ./internal/report -run Corpus
func TestReportOverTheCorpus(t *testing.T) {
	dir := os.Getenv("AFTERMATH_CORPUS")
	if dir == "" {
		t.Skip("set AFTERMATH_CORPUS to the folder of icco/postmortems files to run this test")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if len(files) == 0 {
		files, _ = filepath.Glob(filepath.Join(dir, "postmortems", "*.md"))
	}
	if len(files) == 0 {
		t.Fatalf("AFTERMATH_CORPUS=%s holds no .md files", dir)
	}

	var incs []*incident.Incident
	var facts []frontMatter
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		inc, err := postmortem.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(file), err)
		}
		incs = append(incs, inc)
		facts = append(facts, readFrontMatter(t, file, data))
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "corpus.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, errs, err := st.ImportIncidents(ctx, incs)
	if err != nil {
		t.Fatal(err)
	}
	for k, err := range errs {
		if err != nil {
			t.Fatalf("%s does not import: %v", filepath.Base(files[k]), err)
		}
	}

	r, err := report.Build(ctx, st, report.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Incidents != len(files) {
		t.Errorf("%d incidents, want %d", r.Incidents, len(files))
	}

	// by_service: one service per key of the company name, shown as its
	// first spelling in import order.
	services, names := map[string]int{}, map[string]string{}
	tags, months := map[string]int{}, map[string]int{}
	var minutes []float64
	missing := 0
	for _, f := range facts {
		key := incident.ServiceKey(f.Company)
		if _, ok := names[key]; !ok {
			names[key] = strings.TrimSpace(f.Company)
		}
		services[key]++
		seen := map[string]bool{}
		for _, c := range f.Categories {
			if c = strings.TrimSpace(c); c != "" && !seen[c] {
				seen[c] = true
				tags[c]++
			}
		}
		start, end := f.time(t, f.StartTime), f.time(t, f.EndTime)
		if start != nil {
			months[start.Format("2006-01")]++
		}
		if start == nil || end == nil {
			missing++
			continue
		}
		minutes = append(minutes, end.Sub(*start).Minutes())
	}
	byName := map[string]int{}
	for key, n := range services {
		byName[names[key]] = n
	}
	checkCounts(t, "by_service", r.ByService, sorted(byName))
	checkCounts(t, "by_tag", r.ByTag, sorted(tags))
	checkCounts(t, "by_month", r.ByMonth, sorted(months))
	want := summarise(minutes, missing, 0)
	checkDurations(t, "time_to_resolve", r.TimeToResolve, want)
	if r.TimeToResolve.Count == 0 || math.IsNaN(*r.TimeToResolve.MedianMinutes) {
		t.Error("the corpus gave no time to resolve")
	}
	t.Logf("%d incidents, %d services; time to resolve: %d timed, median %.0f min, p90 %.0f min, %d missing",
		r.Incidents, len(r.ByService), r.TimeToResolve.Count, *r.TimeToResolve.MedianMinutes, *r.TimeToResolve.P90Minutes, r.TimeToResolve.Missing)
}

// frontMatter is the part of an icco/postmortems file the test checks.
type frontMatter struct {
	Company    string   `yaml:"company"`
	Categories []string `yaml:"categories"`
	StartTime  string   `yaml:"start_time"`
	EndTime    string   `yaml:"end_time"`
}

func readFrontMatter(t *testing.T, file string, data []byte) frontMatter {
	t.Helper()
	text := strings.TrimPrefix(string(data), "---")
	head, _, ok := strings.Cut(text, "\n---")
	if !ok {
		t.Fatalf("%s: no front matter", filepath.Base(file))
	}
	var f frontMatter
	if err := yaml.Unmarshal([]byte(head), &f); err != nil {
		t.Fatalf("%s: %v", filepath.Base(file), err)
	}
	return f
}

// time reads a start or end time: RFC 3339, or unknown when absent or "".
// Stored times have whole seconds.
func (frontMatter) time(t *testing.T, s string) *time.Time {
	t.Helper()
	if strings.TrimSpace(s) == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	at = at.UTC().Truncate(time.Second)
	return &at
}
