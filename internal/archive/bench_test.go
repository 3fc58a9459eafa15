package archive_test

// The import budget (2,000 files/s on a 2-core machine) and the export
// budget (under 1 ms a file) are checked by running these benchmarks, not
// by a test: wall-clock bounds are flaky on a shared machine. Both report
// their rate as a custom metric.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// benchFiles is how many post-mortems one import reads: enough for several
// transactions of importBatch.
const benchFiles = 10000

// writeSyntheticFolder writes n generated post-mortems into a new folder.
func writeSyntheticFolder(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	gen := seed.NewGenerator(2, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	for i := range n {
		inc := gen.Next()
		inc.ID = int64(i + 1)
		data, err := postmortem.Marshal(&inc)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, postmortem.FileName(&inc)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkImportFolder imports a folder of exported post-mortems into a
// fresh database file, as `aftermath import DIR` does.
func BenchmarkImportFolder(b *testing.B) {
	dir := writeSyntheticFolder(b, benchFiles)
	ctx := context.Background()
	var files int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		st, err := store.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("import-%d.db", files)), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		sum, err := archive.ImportPaths(ctx, st, []string{dir}, archive.Options{})
		elapsed += time.Since(start)
		if err != nil || sum.Created != benchFiles {
			b.Fatalf("import: %+v %v", sum, err)
		}
		files += sum.Files()
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(files)/elapsed.Seconds(), "files/s")
}

// BenchmarkExportFolder exports stored incidents to files, as
// `aftermath export --out DIR` does.
func BenchmarkExportFolder(b *testing.B) {
	st := storetest.Open(b, storetest.Selected(b))
	incs := seed.NewGenerator(2, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)).Batch(benchFiles)
	ctx := context.Background()
	if err := st.DefineServices(ctx, seed.Services()); err != nil {
		b.Fatal(err)
	}
	if err := st.CreateIncidents(ctx, incs); err != nil {
		b.Fatal(err)
	}
	var files int
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		n, err := archive.ExportDir(ctx, st, incident.Filter{}, filepath.Join(b.TempDir(), "out"), archive.ExportOptions{})
		elapsed += time.Since(start)
		if err != nil || n != benchFiles {
			b.Fatalf("export: %d %v", n, err)
		}
		files += n
	}
	b.ReportMetric(float64(elapsed.Microseconds())/float64(files), "µs/file")
}
