package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// benchmarkPages renders the pages over n synthetic incidents (as
// `aftermath seed --synthetic N` writes them), through the router in
// process with a signed-in session: the server's time per page, with no
// network in it. "report" is report.Build alone, the work the reports
// page adds its rendering to.
func benchmarkPages(b *testing.B, n int) {
	ctx := context.Background()
	st := seededPagesStore(b, n)
	a := serveAPI(b, st, web.Config{})
	a.addUser("sam", incident.RoleResponder, password)
	br := a.browser()
	br.login("sam", password)
	cookie := &http.Cookie{Name: auth.CookieName, Value: br.cookie()}
	var total int64
	st.Reader().Table("incidents").Count(&total)
	mid, err := st.GetIncident(ctx, total/2)
	if err != nil {
		b.Fatal(err)
	}
	open := "investigating,identified,monitoring"
	pages := []struct{ name, path string }{
		{"incident", fmt.Sprintf("/incidents/%d", mid.ID)},
		{"list", "/incidents"},
		{"list-service-severity", "/incidents?" + url.Values{"service": {mid.Service}, "severity": {"SEV2"}}.Encode()},
		{"list-severity", "/incidents?severity=SEV1"},
		{"list-open", "/incidents?status=" + open},
		{"list-search", "/incidents?q=connection+pool"},
		{"list-oldest", "/incidents?sort=oldest&outage_type=partial"},
		{"dashboard", "/"},
		{"reports", "/reports"},
		{"reports-month", "/reports?since=" + time.Now().UTC().AddDate(0, -1, 0).Format(time.DateOnly)},
		{"action-items", "/action-items"},
		{"service", "/services/" + mid.ServiceKey},
		{"new-incident-form", "/incidents/new"},
		{"edit-form", fmt.Sprintf("/incidents/%d/edit", mid.ID)},
	}
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(cookie)
		w := httptest.NewRecorder()
		a.server.ServeHTTP(w, req)
		return w
	}
	// One warm-up pass, so that the first page measured does not pay for
	// every cache the others find filled.
	for _, p := range pages {
		get(p.path)
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				if w := get(p.path); w.Code != http.StatusOK {
					b.Fatalf("%s: %d %.300s", p.path, w.Code, w.Body)
				}
			}
		})
	}
	for _, r := range []struct {
		name   string
		params report.Params
	}{
		{"report", report.Params{}},
		{"report-month", func() report.Params {
			since := time.Now().UTC().AddDate(0, -1, 0).Truncate(24 * time.Hour)
			return report.Params{Since: &since}
		}()},
	} {
		b.Run(r.name, func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				params := r.params
				params.Now = time.Now()
				if _, err := report.Build(ctx, st, params); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// reportCPU reports the process's CPU time per operation beside the wall
// time: on a machine that others share, the wall time grows with their
// load, the CPU a page costs much less. Call it before the loop and the
// function it returns after.
func reportCPU(b *testing.B) func() {
	before := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-before).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// seededPagesStore opens a copy of AFTERMATH_BENCH_DB when it is set (a
// database `aftermath seed --synthetic N` wrote, and closed), or seeds n
// incidents into a new one.
func seededPagesStore(b testing.TB, n int) *store.Store {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "pages.db")
	if from := os.Getenv("AFTERMATH_BENCH_DB"); from != "" {
		data, err := os.ReadFile(from)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		st, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.DefineServices(ctx, seed.Services()); err != nil {
		b.Fatal(err)
	}
	gen := seed.NewGenerator(1, time.Now().UTC())
	for written := 0; written < n; written += 1000 {
		if err := st.CreateIncidents(ctx, gen.Batch(min(1000, n-written))); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkPagesSeeded renders the pages over the database named by
// AFTERMATH_BENCH_DB.
func BenchmarkPagesSeeded(b *testing.B) {
	if os.Getenv("AFTERMATH_BENCH_DB") == "" {
		b.Skip("set AFTERMATH_BENCH_DB to a database `aftermath seed --synthetic N` wrote")
	}
	benchmarkPages(b, 0)
}

// BenchmarkPages20k renders every kind of page over 20,000 incidents.
func BenchmarkPages20k(b *testing.B) { benchmarkPages(b, 20_000) }

// BenchmarkPages100k is the same over 100,000: the pages should stay flat.
func BenchmarkPages100k(b *testing.B) {
	if testing.Short() {
		b.Skip("seeding 100,000 incidents is slow; run without -short")
	}
	benchmarkPages(b, 100_000)
}
