package store

import (
	"cmp"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/seed"
)

// statementLog records the statements a gorm pool runs while it is on,
// with their arguments, as the database received them.
type statementLog struct {
	on    atomic.Bool
	mu    sync.Mutex
	stmts []recorded
}

type recorded struct {
	sql  string
	args []any
}

func (l *statementLog) register(db *gorm.DB) error {
	record := func(tx *gorm.DB) {
		if l.on.Load() && tx.Statement.SQL.Len() > 0 {
			l.mu.Lock()
			l.stmts = append(l.stmts, recorded{tx.Statement.SQL.String(), slices.Clone(tx.Statement.Vars)})
			l.mu.Unlock()
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("test:record_query", record),
		cb.Row().After("gorm:row").Register("test:record_row", record),
		cb.Raw().After("gorm:raw").Register("test:record_raw", record),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkReportAgainstItsSQL builds the pattern report over 100,000
// incidents and, in the same run, executes the statements that report ran
// as bare SQL: one after the other on one connection, every row stepped
// through and its columns handed over without conversion, nothing else
// computed. Each iteration runs both, in alternating order; the metrics
// are the medians and their ratio.
//
//	go test ./internal/store -run '^$' -bench ReportAgainstItsSQL -benchtime 7x
//
// AFTERMATH_BENCH_SQL names a file to write the statements to, their
// arguments in place, as a script for psql or sqlite3: the same SQL timed
// by the database's own client. AFTERMATH_BENCH_INCIDENTS sets another size; with AFTERMATH_BENCH_CACHE
// set to a folder, the seeded database is kept there and reused (the same
// file the report package's benchmarks use). AFTERMATH_BENCH_DSN names a
// database to run on instead, a PostgreSQL URL for that backend: seeded
// when empty, reused when it holds the n incidents, and left in place.
func BenchmarkReportAgainstItsSQL(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 100,000 incidents; run without -short")
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("AFTERMATH_BENCH_INCIDENTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	s, fresh := benchStore(b, n)
	defer s.Close()
	anchor := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if fresh {
		if err := s.DefineServices(ctx, seed.Services()); err != nil {
			b.Fatal(err)
		}
		gen := seed.NewGenerator(1, anchor)
		for written := 0; written < n; written += 1000 {
			if err := s.CreateIncidents(ctx, gen.Batch(min(1000, n-written))); err != nil {
				b.Fatal(err)
			}
		}
	}
	params := report.Params{Now: anchor}

	log := &statementLog{}
	if err := log.register(s.reader); err != nil {
		b.Fatal(err)
	}
	log.on.Store(true)
	if _, err := report.Build(ctx, s, params); err != nil {
		b.Fatal(err)
	}
	log.on.Store(false)
	if path := os.Getenv("AFTERMATH_BENCH_SQL"); path != "" {
		writeScript(b, s.reader, path, log.stmts)
	}
	sqlDB, err := s.reader.DB()
	if err != nil {
		b.Fatal(err)
	}
	// each is every statement's wall time per bare run, to name the
	// slowest at the end.
	each := make([][]float64, len(log.stmts))
	bare := func() {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		for k, st := range log.stmts {
			start := time.Now()
			if err := stepThrough(ctx, conn, st); err != nil {
				b.Fatalf("%s: %v", st.sql, err)
			}
			each[k] = append(each[k], float64(time.Since(start).Microseconds())/1000)
		}
	}
	build := func() {
		if _, err := report.Build(ctx, s, params); err != nil {
			b.Fatal(err)
		}
	}
	// Wall time, and the process's CPU time: on a shared machine other
	// work stretches the first, much less the second.
	var wall, cpu [2][]float64 // [report, sql]
	timed := func(side int, f func()) {
		start, startCPU := time.Now(), processCPU()
		f()
		wall[side] = append(wall[side], float64(time.Since(start).Microseconds())/1000)
		cpu[side] = append(cpu[side], float64((processCPU()-startCPU).Microseconds())/1000)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			timed(0, build)
			timed(1, bare)
		} else {
			timed(1, bare)
			timed(0, build)
		}
		i++
	}
	paired := make([]float64, len(wall[0]))
	for k := range paired {
		paired[k] = wall[0][k] / wall[1][k]
	}
	rm, sm := median(wall[0]), median(wall[1])
	b.ReportMetric(rm, "report-ms")
	b.ReportMetric(sm, "sql-ms")
	b.ReportMetric(rm/sm, "ratio")
	b.ReportMetric(median(paired), "paired-ratio")
	b.ReportMetric(median(cpu[0])/median(cpu[1]), "cpu-ratio")
	b.Logf("%s, %d incidents, %d statements, %d runs each; wall: report %v ms, its SQL %v ms; medians %.0f and %.0f ms, ratio %.2f, median of the paired ratios %.2f; "+
		"CPU: report %v ms, SQL %v ms, ratio of medians %.2f",
		s.Engine(), n, len(log.stmts), len(wall[0]), rounded(wall[0]), rounded(wall[1]), rm, sm, rm/sm, median(paired),
		rounded(cpu[0]), rounded(cpu[1]), median(cpu[0])/median(cpu[1]))
	slowest := make([]int, len(each))
	for k := range slowest {
		slowest[k] = k
	}
	slices.SortFunc(slowest, func(x, y int) int { return cmp.Compare(median(each[y]), median(each[x])) })
	for _, k := range slowest[:min(5, len(slowest))] {
		b.Logf("%.0f ms (median): %.200s", median(each[k]), strings.Join(strings.Fields(log.stmts[k].sql), " "))
	}
}

// writeScript writes the statements, their arguments inlined by the
// dialect, each ended by a semicolon.
func writeScript(b *testing.B, db *gorm.DB, path string, stmts []recorded) {
	var script strings.Builder
	for _, st := range stmts {
		script.WriteString(db.Dialector.Explain(st.sql, st.args...))
		script.WriteString(";\n")
	}
	if err := os.WriteFile(path, []byte(script.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}

// benchStore opens the benchmark's database and says whether it is new.
func benchStore(b *testing.B, n int) (*Store, bool) {
	ctx := context.Background()
	if dsn := os.Getenv("AFTERMATH_BENCH_DSN"); dsn != "" {
		s, err := Open(ctx, dsn, Options{})
		if err != nil {
			b.Fatal(err)
		}
		held, err := s.CountIncidents(ctx, report.Scope{})
		if err != nil || (held != 0 && held != n) {
			b.Fatalf("AFTERMATH_BENCH_DSN holds %d incidents, not 0 or %d (%v)", held, n, err)
		}
		return s, held == 0
	}
	dir := os.Getenv("AFTERMATH_BENCH_CACHE")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "seed-"+strconv.Itoa(n)+".db")
	_, statErr := os.Stat(path)
	s, err := Open(ctx, path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s, statErr != nil
}

// processCPU is the user and system time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stepThrough runs one statement and reads every row into raw bytes.
func stepThrough(ctx context.Context, conn *sql.Conn, st recorded) error {
	rows, err := conn.QueryContext(ctx, st.sql, st.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for k := range raw {
		dest[k] = &raw[k]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
	}
	return rows.Err()
}

func median(xs []float64) float64 {
	v := slices.Sorted(slices.Values(xs))
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}

func rounded(xs []float64) []int {
	out := make([]int, len(xs))
	for k, x := range xs {
		out[k] = int(x + 0.5)
	}
	return out
}
