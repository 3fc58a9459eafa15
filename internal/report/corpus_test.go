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
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestReportOverTheCorpus imports the shared icco/postmortems corpus and
// checks by_service, by_tag, by_month and time_to_resolve against figures
// computed from the files' own front matter (company, categories,
// start_time, end_time), read with a YAML decoder independently of the
// importer:
//
//	AFTERMATH_CORPUS=/work/shared/corpus/postmortems go test ./internal/report -run Corpus
func TestReportOverTheCorpus(t *testing.T) {
	files, incs := readCorpus(t)
	var facts []frontMatter
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		facts = append(facts, readFrontMatter(t, file, data))
	}
	ctx := context.Background()
	st := importCorpus(t, files, incs)
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

// readCorpus parses the files of the corpus named by AFTERMATH_CORPUS, in
// name order, or skips the test when it is unset.
func readCorpus(t *testing.T) ([]string, []*incident.Incident) {
	t.Helper()
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
	incs := make([]*incident.Incident, len(files))
	for k, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if incs[k], err = postmortem.Parse(data); err != nil {
			t.Fatalf("%s: %v", filepath.Base(file), err)
		}
	}
	return files, incs
}

// importCorpus imports the corpus's incidents into a new database.
func importCorpus(t *testing.T, files []string, incs []*incident.Incident) *store.Store {
	t.Helper()
	st := storetest.Open(t, storetest.Selected(t))
	_, errs, err := st.ImportIncidents(context.Background(), incs)
	if err != nil {
		t.Fatal(err)
	}
	for k, err := range errs {
		if err != nil {
			t.Fatalf("%s does not import: %v", filepath.Base(files[k]), err)
		}
	}
	return st
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

// TestCorpusHasNoRecurrenceAcrossCompanies files every post-mortem of the
// shared corpus with its summary as the primary cause and each paragraph of
// its account as a contributing factor, and checks that no recurrence joins
// two companies.
//
// As the corpus is (no company depends on another) that is the catalogue's
// doing. So the test then declares every company dependent on every other,
// and every description is compared with every other: unrelated real
// post-mortems must not read as near-identical. One pair does, and rightly:
// Sentry and Mandrill both lost a day to Postgres transaction ID
// wraparound and summed it up in the same words. The test allows such
// coincidences in at most one in a hundred descriptions, and logs each.
func TestCorpusHasNoRecurrenceAcrossCompanies(t *testing.T) {
	files, incs := readCorpus(t)
	keys := map[string]string{}
	texts := 0
	for _, inc := range incs {
		inc.PrimaryCause = incident.Cause{Category: "unknown", Description: inc.Summary}
		for _, para := range strings.Split(inc.Description, "\n\n") {
			if para = strings.TrimSpace(para); len(para) > 80 && len(inc.ContributingFactors) < 20 {
				inc.ContributingFactors = append(inc.ContributingFactors, incident.Finding{Category: "unknown", Description: para})
			}
		}
		texts += 1 + len(inc.ContributingFactors)
		keys[incident.ServiceKey(inc.Service)] = inc.Service
	}
	ctx := context.Background()
	st := importCorpus(t, files, incs)
	across := func(r *report.Report) (joined []report.Recurrence, within int) {
		for _, rec := range r.Recurring {
			if len(rec.Services) > 1 {
				joined = append(joined, rec)
			} else {
				within++
			}
		}
		return joined, within
	}

	r, err := report.Build(ctx, st, report.Params{})
	if err != nil {
		t.Fatal(err)
	}
	joined, within := across(r)
	for _, rec := range joined {
		t.Errorf("a recurrence joins unrelated companies %v: incidents %v, “%s”", rec.Services, rec.IDs, rec.Description)
	}
	for _, rec := range r.Recurring {
		t.Logf("within %s: incidents %v, “%.100s”", rec.Services[0], rec.IDs, rec.Description)
	}
	t.Logf("%d post-mortems of %d companies, %d descriptions: %d recurrences, all within one company", len(incs), len(keys), texts, within)

	var services []incident.Service
	for key, name := range keys {
		var deps []string
		for other := range keys {
			if other != key {
				deps = append(deps, other)
			}
		}
		services = append(services, incident.Service{Name: name, DependsOn: deps})
	}
	if err := st.DefineServices(ctx, services); err != nil {
		t.Fatal(err)
	}
	if r, err = report.Build(ctx, st, report.Params{}); err != nil {
		t.Fatal(err)
	}
	joined, within = across(r)
	inJoined := 0
	for _, rec := range joined {
		inJoined += len(rec.IDs)
		t.Logf("every company related to every other: %v read alike, incidents %v, “%s”", rec.Services, rec.IDs, rec.Description)
	}
	t.Logf("with every company related to every other: %d recurrences within one company, %d across (%d incidents)", within, len(joined), inJoined)
	if float64(inJoined) > float64(texts)/100 {
		t.Errorf("%d descriptions in recurrences across companies, want at most one in a hundred of %d", inJoined, texts)
	}
}
