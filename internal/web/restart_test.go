package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// TestPostgresRestart restarts a PostgreSQL server of the test's own under
// four writers. While it is down, /readyz answers 503 and every request
// fails fast with 503 in the error shape; once it is back the pools
// reconnect by themselves; and every incident that was acknowledged (201)
// is stored, before and after the restart.
func TestPostgresRestart(t *testing.T) {
	cluster := storetest.NewCluster(t)
	st, err := store.Open(context.Background(), cluster.DSN(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := serveAPI(t, st, web.Config{})
	probe := a.anonymous()

	var (
		mu       sync.Mutex
		acked    []int64
		statuses = map[int]int{}
		slowest  time.Duration
	)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				start := time.Now()
				status, body := a.do("POST", "/api/v1/incidents", fmt.Appendf(nil,
					`{"title": "writer %d, incident %d", "service": "payments", "severity": "SEV3"}`, w, i))
				took := time.Since(start)
				mu.Lock()
				statuses[status]++
				slowest = max(slowest, took)
				if status == http.StatusCreated {
					var inc incident.Incident
					json.Unmarshal(body, &inc)
					acked = append(acked, inc.ID)
				} else if status == http.StatusServiceUnavailable {
					var e struct{ Error struct{ Code string } }
					if json.Unmarshal(body, &e); e.Error.Code != incident.EUNAVAILABLE {
						t.Errorf("a 503 not in the error shape: %s", body)
					}
				} else {
					t.Errorf("writer %d: %d %s", w, status, body)
				}
				mu.Unlock()
				if status != http.StatusCreated {
					time.Sleep(50 * time.Millisecond)
				}
			}
		})
	}
	waitForWrites := func(n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d writes acknowledged, waiting for %d", got, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitForWrites(50)

	cluster.Stop()
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	// Down: the probe and a read say so at once, in the error shape.
	for _, path := range []string{"/readyz", "/api/v1/incidents?limit=1"} {
		client := probe
		if path != "/readyz" {
			client = a
		}
		start := time.Now()
		status, body := client.do("GET", path, nil)
		if status != http.StatusServiceUnavailable {
			t.Errorf("GET %s with the database down: %d %s", path, status, body)
		}
		if took := time.Since(start); took > 6*time.Second {
			t.Errorf("GET %s with the database down took %s", path, took)
		}
	}
	time.Sleep(500 * time.Millisecond) // writers keep trying meanwhile

	cluster.Start()
	deadline := time.Now().Add(30 * time.Second)
	for status, _ := probe.do("GET", "/readyz", nil); status != http.StatusOK; status, _ = probe.do("GET", "/readyz", nil) {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d 30 s after the database came back", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitForWrites(before + 50)
	stop.Store(true)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no write met the outage: %v", statuses)
	}
	if slowest > 12*time.Second {
		t.Errorf("the slowest write took %s", slowest)
	}
	var stored []int64
	for cursor := ""; ; {
		var page incident.Page
		a.json("GET", "/api/v1/incidents?limit=500&cursor="+cursor, nil, http.StatusOK, &page)
		for _, inc := range page.Items {
			stored = append(stored, inc.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for _, id := range acked {
		if !slices.Contains(stored, id) {
			t.Errorf("incident %d was acknowledged but is not stored", id)
		}
	}
	t.Logf("%d writes acknowledged (%d before the restart), answers %v, slowest %s", len(acked), before, statuses, slowest)
}

// TestPostgresThatStopsAnswering freezes a PostgreSQL server of the
// test's own (SIGSTOP: its connections stay open, nothing answers, as with
// a hung host or a partition). Requests fail with 503 once the request
// timeout has passed, not later, and after the server thaws everything
// works again.
func TestPostgresThatStopsAnswering(t *testing.T) {
	cluster := storetest.NewCluster(t)
	st, err := store.Open(context.Background(), cluster.DSN(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 2 * time.Second
	a := serveAPI(t, st, web.Config{RequestTimeout: timeout})
	a.json("POST", "/api/v1/incidents", map[string]any{"title": "Before", "service": "payments", "severity": "SEV3"}, http.StatusCreated, nil)

	cluster.Freeze()
	thawed := false
	defer func() {
		if !thawed {
			cluster.Thaw()
		}
	}()
	for _, call := range []struct{ method, path, body string }{
		{"GET", "/api/v1/incidents", ""},
		{"POST", "/api/v1/incidents", `{"title": "During", "service": "payments", "severity": "SEV3"}`},
	} {
		start := time.Now()
		status, body := a.do(call.method, call.path, []byte(call.body))
		took := time.Since(start)
		if status != http.StatusServiceUnavailable || !bytes.Contains(body, []byte(`"unavailable"`)) {
			t.Errorf("%s %s while the database is frozen: %d %s", call.method, call.path, status, body)
		}
		if took > timeout+3*time.Second {
			t.Errorf("%s %s took %s with a request timeout of %s", call.method, call.path, took, timeout)
		}
	}
	if status, _ := a.anonymous().do("GET", "/readyz", nil); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while frozen: %d", status)
	}

	cluster.Thaw()
	thawed = true
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body := a.do("POST", "/api/v1/incidents", []byte(`{"title": "After", "service": "payments", "severity": "SEV3"}`))
		if status == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the thaw writes still fail: %d %s", status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var page incident.Page
	a.json("GET", "/api/v1/incidents?q=before+OR+after", nil, http.StatusOK, &page)
	if page.Total != 2 {
		t.Fatalf("after the thaw the list has %d of Before and After, want 2", page.Total)
	}
}
