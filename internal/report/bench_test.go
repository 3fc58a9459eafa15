package report_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// seedAnchor fixes the generator's "now", so every run benchmarks the same data.
var seedAnchor = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// seeded caches one synthetic database per size for the whole test
// process: generating 100,000 incidents takes far longer than reporting on
// them, and b.N reruns must not pay for it again.
var seeded = struct {
	sync.Mutex
	dir string
	dbs map[int]*seededDB
}{dbs: map[int]*seededDB{}}

type seededDB struct {
	st      *store.Store
	planted []plantedRecurrence
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, db := range seeded.dbs {
		db.st.Close()
	}
	if seeded.dir != "" {
		os.RemoveAll(seeded.dir)
	}
	os.Exit(code)
}

// seededStore returns a store holding n synthetic incidents (seed 1) and
// the service catalogue, with what the generator planted. With
// AFTERMATH_BENCH_CACHE set to a folder, the databases are kept there and
// reused by later runs (the ground truth is generated again, without the
// store: the generator is deterministic and a new database numbers
// incidents from 1).
func seededStore(b testing.TB, n int) *seededDB {
	b.Helper()
	seeded.Lock()
	defer seeded.Unlock()
	if db := seeded.dbs[n]; db != nil {
		return db
	}
	dir := os.Getenv("AFTERMATH_BENCH_CACHE")
	if dir == "" {
		if seeded.dir == "" {
			tmp, err := os.MkdirTemp("", "aftermath-report-bench-")
			if err != nil {
				b.Fatal(err)
			}
			seeded.dir = tmp
		}
		dir = seeded.dir
	}
	path := filepath.Join(dir, fmt.Sprintf("seed-%d.db", n))
	_, statErr := os.Stat(path)
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	db := &seededDB{st: st}
	if statErr == nil {
		db.planted = plantedOnly(b, st, n)
	} else {
		db.planted = seedWithTruth(b, st, 1, n)
	}
	seeded.dbs[n] = db
	return db
}

// plantedOnly generates what seedWithTruth planted in a database it wrote
// earlier, checking that the database holds those incidents.
func plantedOnly(tb testing.TB, st *store.Store, n int) []plantedRecurrence {
	tb.Helper()
	if total, err := st.CountIncidents(context.Background(), report.Scope{}); err != nil || total != n {
		tb.Fatalf("the cached database holds %d incidents, not %d (%v); delete it", total, n, err)
	}
	gen := seed.NewGenerator(1, seedAnchor)
	for range n {
		gen.Next()
	}
	var out []plantedRecurrence
	for _, r := range gen.Recurrences() {
		out = append(out, plantedRecurrence{incident: int64(r.Incident), repeats: int64(r.Repeats), afterFix: r.AfterFix})
	}
	return out
}

// benchmarkReport builds the report b.N times and, once, scores it against
// the ground truth, reporting precision and recall as metrics.
func benchmarkReport(b *testing.B, n int, params report.Params) {
	db := seededStore(b, n)
	params.Now = seedAnchor
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var r *report.Report
	for b.Loop() {
		var err error
		if r, err = report.Build(ctx, db.st, params); err != nil {
			b.Fatal(err)
		}
		if r.Incidents == 0 {
			b.Fatal("empty report")
		}
	}
	if params.Since == nil && params.Until == nil {
		s := score(r, db.planted)
		b.ReportMetric(s.precision, "precision")
		b.ReportMetric(s.recall, "recall")
		b.ReportMetric(s.fixPrecision, "fix-precision")
		b.ReportMetric(s.fixRecall, "fix-recall")
		b.Logf("%d incidents: %v", n, s)
		checkHotspots(b, r)
	}
}

// BenchmarkReport20k reports over every one of 20,000 incidents: no window,
// the most work a report can do on that database.
func BenchmarkReport20k(b *testing.B) { benchmarkReport(b, 20_000, report.Params{}) }

// BenchmarkReport100k is the same over 100,000 incidents, with the
// precision and recall of its recurrences and returns after a fix:
//
//	go test ./internal/report -run '^$' -bench 'Report100k$' -benchtime 5x
func BenchmarkReport100k(b *testing.B) {
	if testing.Short() {
		b.Skip("seeding 100,000 incidents is slow; run without -short")
	}
	benchmarkReport(b, 100_000, report.Params{})
}

// BenchmarkReport100kMonth is a monthly review on the 100,000-incident
// database: the window index keeps the counts cheap, and the pattern pass
// reads the history before the window to link the month's failures to
// their earlier occurrences.
func BenchmarkReport100kMonth(b *testing.B) {
	if testing.Short() {
		b.Skip("seeding 100,000 incidents is slow; run without -short")
	}
	since := seedAnchor.AddDate(0, -1, 0)
	benchmarkReport(b, 100_000, report.Params{Since: &since})
}
