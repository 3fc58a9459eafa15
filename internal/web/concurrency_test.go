package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tally counts every answer by status and keeps latencies.
type tally struct {
	mu       sync.Mutex
	statuses map[int]int
	writes   []time.Duration
	reads    []time.Duration
	problems []string
}

func (t *tally) add(method, path string, status int, body []byte, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.statuses[status]++
	if method == "GET" {
		t.reads = append(t.reads, took)
	} else {
		t.writes = append(t.writes, took)
	}
	if status >= 500 || bytes.Contains(body, []byte("locked")) {
		t.problems = append(t.problems, fmt.Sprintf("%s %s: %d %.200s", method, path, status, body))
	}
}

// TestConcurrentAPIWritersAndReaders drives eight writers (each files
// incidents and patches them) and four readers through real HTTP at once.
// No request may fail with a 5xx or "database is locked", and every
// acknowledged write must be stored.
func TestConcurrentAPIWritersAndReaders(t *testing.T) {
	logs := &lockedBuffer{}
	a := newAPIWith(t, web.Config{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	results := &tally{statuses: map[int]int{}}
	send := func(method, path string, body []byte) (int, []byte) {
		req := a.request(method, path, body)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Error(err)
		}
		results.add(method, path, resp.StatusCode, data, time.Since(start))
		return resp.StatusCode, data
	}

	const writers, perWriter, readers = 8, 12, 4
	var example map[string]any
	json.Unmarshal(readExample(t), &example)
	var ackMu sync.Mutex
	acked := map[int64]string{} // id → title, for every 201
	patched := map[int64]bool{} // ids whose patch got 200

	start := time.Now()
	var writes, reads sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		writes.Go(func() {
			for i := range perWriter {
				title := fmt.Sprintf("concurrent writer %d incident %d", w, i)
				body := withTitle(example, title)
				status, data := send("POST", "/api/v1/incidents", body)
				if status != http.StatusCreated {
					continue
				}
				var inc incident.Incident
				if err := json.Unmarshal(data, &inc); err != nil {
					t.Error(err)
					continue
				}
				ackMu.Lock()
				acked[inc.ID] = title
				ackMu.Unlock()
				patch := fmt.Appendf(nil, `{"version": %d, "severity": "SEV3"}`, inc.Version)
				if status, _ := send("PATCH", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), patch); status == http.StatusOK {
					ackMu.Lock()
					patched[inc.ID] = true
					ackMu.Unlock()
				}
			}
		})
	}
	for r := range readers {
		reads.Go(func() {
			paths := []string{"/api/v1/incidents?q=connection&limit=5", "/api/v1/incidents?limit=50", "", "/api/v1/services"}
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				path := paths[(r+i)%len(paths)]
				if path == "" { // one incident acknowledged so far
					ackMu.Lock()
					for id := range acked {
						path = fmt.Sprintf("/api/v1/incidents/%d", id)
						break
					}
					ackMu.Unlock()
					if path == "" {
						continue
					}
				}
				send("GET", path, nil)
			}
		})
	}
	writes.Wait()
	close(done)
	reads.Wait()
	elapsed := time.Since(start)

	for _, p := range results.problems {
		t.Error(p)
	}
	for status := range results.statuses {
		if status != http.StatusOK && status != http.StatusCreated {
			t.Errorf("%d answers with status %d", results.statuses[status], status)
		}
	}
	if strings.Contains(logs.String(), "locked") || strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("the server logged errors:\n%.2000s", logs)
	}
	if len(acked) != writers*perWriter || len(patched) != len(acked) {
		t.Fatalf("%d creates and %d patches acknowledged, want %d each", len(acked), len(patched), writers*perWriter)
	}
	for id, title := range acked {
		got, err := a.store.GetIncident(t.Context(), id)
		if err != nil {
			t.Fatalf("acknowledged incident %d: %v", id, err)
		}
		if got.Title != title || got.Severity != incident.SEV3 || got.Version != 2 {
			t.Fatalf("incident %d stored as %q %s v%d, want %q SEV3 v2", id, got.Title, got.Severity, got.Version, title)
		}
	}
	families, _ := a.scrape()
	for _, pool := range []string{"reader", "writer"} {
		waits, _ := metricValue(families, "aftermath_db_pool_wait_count_total", map[string]string{"pool": pool})
		waited, _ := metricValue(families, "aftermath_db_pool_wait_duration_seconds_total", map[string]string{"pool": pool})
		t.Logf("%s pool: %v waits for a connection, %.1fs waited in all", pool, waits, waited)
	}
	total := len(results.writes) + len(results.reads)
	t.Logf("%d requests in %s (%.0f/s): %v; writes p50 %s p99 %s, reads p50 %s p99 %s",
		total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), results.statuses,
		percentile(results.writes, 50), percentile(results.writes, 99),
		percentile(results.reads, 50), percentile(results.reads, 99))
}

func withTitle(example map[string]any, title string) []byte {
	m := make(map[string]any, len(example))
	for k, v := range example {
		m[k] = v
	}
	m["title"] = title
	data, _ := json.Marshal(m)
	return data
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[min(len(sorted)-1, len(sorted)*p/100)].Round(100 * time.Microsecond)
}
