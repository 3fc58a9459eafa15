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
	dir    string
	stores map[int]*store.Store
}{stores: map[int]*store.Store{}}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, st := range seeded.stores {
		st.Close()
	}
	if seeded.dir != "" {
		os.RemoveAll(seeded.dir)
	}
	os.Exit(code)
}

// seededStore returns a store holding n synthetic incidents (seed 1).
func seededStore(b testing.TB, n int) *store.Store {
	b.Helper()
	seeded.Lock()
	defer seeded.Unlock()
	if st := seeded.stores[n]; st != nil {
		return st
	}
	if seeded.dir == "" {
		dir, err := os.MkdirTemp("", "aftermath-report-bench-")
		if err != nil {
			b.Fatal(err)
		}
		seeded.dir = dir
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(seeded.dir, fmt.Sprintf("seed-%d.db", n)), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	gen := seed.NewGenerator(1, seedAnchor)
	const batch = 1000
	for written := 0; written < n; {
		incs := gen.Batch(min(batch, n-written))
		if err := st.CreateIncidents(ctx, incs); err != nil {
			b.Fatal(err)
		}
		written += len(incs)
	}
	seeded.stores[n] = st
	return st
}

func benchmarkReport(b *testing.B, n int, params report.Params) {
	st := seededStore(b, n)
	params.Now = seedAnchor
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := report.Build(ctx, st, params)
		if err != nil {
			b.Fatal(err)
		}
		if r.Incidents == 0 {
			b.Fatal("empty report")
		}
	}
}

// BenchmarkReport20k reports over every one of 20,000 incidents: no window,
// the most work a report can do on that database.
func BenchmarkReport20k(b *testing.B) { benchmarkReport(b, 20_000, report.Params{}) }

// BenchmarkReport100k is the same over 100,000 incidents.
func BenchmarkReport100k(b *testing.B) {
	if testing.Short() {
		b.Skip("seeding 100,000 incidents is slow; run without -short")
	}
	benchmarkReport(b, 100_000, report.Params{})
}

// BenchmarkReport100kMonth is a monthly review on the 100,000-incident
// database: the window index should make it cheap.
func BenchmarkReport100kMonth(b *testing.B) {
	if testing.Short() {
		b.Skip("seeding 100,000 incidents is slow; run without -short")
	}
	since := seedAnchor.AddDate(0, -1, 0)
	benchmarkReport(b, 100_000, report.Params{Since: &since})
}
