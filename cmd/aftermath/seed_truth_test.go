package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// TestSeedWritesTheGroundTruth seeds with --truth and checks the file: one
// line per planted recurrence, with ids the store holds, each repeating an
// earlier incident on its service or a related one; and the JSON report
// over that database groups each recurrence with what it repeats.
func TestSeedWritesTheGroundTruth(t *testing.T) {
	dir := t.TempDir()
	db, truth := filepath.Join(dir, "t.db"), filepath.Join(dir, "truth.jsonl")
	ctx := context.Background()
	out, err := run(t, ctx, "seed", "--synthetic", "3000", "--rand-seed", "4", "--anchor", "2026-01-01", "--db", db, "--truth", truth)
	if err != nil {
		t.Fatalf("seed: %q %v", out, err)
	}
	f, err := os.Open(truth)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []truthLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l truthLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) < 100 {
		t.Fatalf("%d planted recurrences in 3,000 incidents", len(lines))
	}

	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	catalogue, err := st.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	related := func(a, b string) bool {
		return a == b || slices.Contains(catalogue.DependsOn[a], b) || slices.Contains(catalogue.DependsOn[b], a)
	}
	afterFix := 0
	for _, l := range lines {
		late, err := st.GetIncident(ctx, l.Incident)
		if err != nil {
			t.Fatalf("incident %d: %v", l.Incident, err)
		}
		early, err := st.GetIncident(ctx, l.Repeats)
		if err != nil {
			t.Fatalf("incident %d: %v", l.Repeats, err)
		}
		if !early.StartedAt.Before(*late.StartedAt) || !related(late.ServiceKey, early.ServiceKey) {
			t.Errorf("#%d (%s, %s) repeats #%d (%s, %s)", late.ID, late.ServiceKey, late.StartedAt, early.ID, early.ServiceKey, early.StartedAt)
		}
		if l.AfterFix {
			afterFix++
		}
	}
	if afterFix == 0 || afterFix == len(lines) {
		t.Errorf("%d of %d recurrences after a fix", afterFix, len(lines))
	}

	out, err = run(t, ctx, "report", "--format", "json", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	together := map[[2]int64]bool{}
	for _, g := range r.Recurring {
		for _, a := range g.IDs {
			for _, b := range g.IDs {
				together[[2]int64{a, b}] = true
			}
		}
	}
	found := 0
	for _, l := range lines {
		if together[[2]int64{l.Incident, l.Repeats}] {
			found++
		}
	}
	if share := float64(found) / float64(len(lines)); share < 0.9 {
		t.Errorf("the report groups %d of %d planted recurrences with what they repeat", found, len(lines))
	}
}
