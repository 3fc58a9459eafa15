package main

// Process tests build the binary and run it as an operator would: they kill
// it mid-load, stop it with signals, and hold it to its limits. They talk
// to 127.0.0.1 only.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

func TestProcess(t *testing.T) {
	if os.Getenv("AFTERMATH_PROCESS_TESTS") != "1" {
		t.Skip("process tests build and run the binary (crash, shutdown, limits); set AFTERMATH_PROCESS_TESTS=1 to run them, as .ci/run does")
	}
	for _, tool := range []string{"go", "sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("AFTERMATH_PROCESS_TESTS=1 but %s is missing: %v", tool, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "aftermath")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("SIGKILLLosesNoAcknowledgedWrite", func(t *testing.T) { testCrash(t, bin) })
	t.Run("SIGTERMDrains", func(t *testing.T) { testGracefulShutdown(t, bin, syscall.SIGTERM) })
	t.Run("SIGINTDrains", func(t *testing.T) { testGracefulShutdown(t, bin, syscall.SIGINT) })
	t.Run("Limits", func(t *testing.T) { testLimits(t, bin) })
	t.Run("DockerfileHealthcheck", func(t *testing.T) { testHealthcheck(t, bin) })
	t.Run("ProgressOnATerminal", func(t *testing.T) { testProgressOnATerminal(t, bin) })
	t.Run("AlertStormSIGKILL", func(t *testing.T) { testAlertStormCrash(t, bin) })
	t.Run("WebhooksAfterSIGKILL", func(t *testing.T) { testWebhooksAfterCrash(t, bin) })
}

// testCrash files incidents from eight writers, takes a backup with the
// CLI meanwhile, kills the server with SIGKILL mid-load, restarts it on the
// same database, and finds every acknowledged incident as it was answered.
func testCrash(t *testing.T, bin string) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crash.db")
	srv := startServer(t, bin, db, "AFTERMATH_RATE_LIMIT=0")
	example := linktreeJSON(t)

	var mu sync.Mutex
	acked := map[int64][]byte{} // id → the 201 body
	sent := map[string]bool{}   // every title sent, answered or not
	var writers sync.WaitGroup
	for w := range 8 {
		writers.Go(func() {
			for i := 0; ; i++ {
				title := fmt.Sprintf("crash writer %d incident %d", w, i)
				mu.Lock()
				sent[title] = true
				mu.Unlock()
				resp, err := srv.client.Post(srv.url+"/api/v1/incidents", "application/json", bytes.NewReader(withTitle(t, example, title)))
				if err != nil {
					return // the server is gone
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					return
				}
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("%s: %d %s", title, resp.StatusCode, body)
					return
				}
				var inc incident.Incident
				if err := json.Unmarshal(body, &inc); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked[inc.ID] = body
				mu.Unlock()
			}
		})
	}
	ackedCount := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	waitUntil(t, 20*time.Second, "50 acknowledged writes", func() bool { return ackedCount() >= 50 })

	// A backup of the live database, by another process, under load.
	mu.Lock()
	beforeBackup := make([]int64, 0, len(acked))
	for id := range acked {
		beforeBackup = append(beforeBackup, id)
	}
	mu.Unlock()
	backup := filepath.Join(dir, "live-backup.db")
	if out, err := exec.Command(bin, "backup", backup, "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("backup under load: %v\n%s", err, out)
	}

	target := ackedCount() + 100
	waitUntil(t, 20*time.Second, "100 more acknowledged writes", func() bool { return ackedCount() >= target })
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	writers.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d incidents acknowledged before SIGKILL, %d sent", len(acked), len(sent))

	again := startServer(t, bin, db, "AFTERMATH_RATE_LIMIT=0")
	for id, answered := range acked {
		resp, err := again.client.Get(fmt.Sprintf("%s/api/v1/incidents/%d", again.url, id))
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(stored, answered) {
			t.Fatalf("acknowledged incident %d after the crash: %d\n%s\nwas answered as\n%s", id, resp.StatusCode, stored, answered)
		}
	}
	// Every incident stored is one that was sent, whole: a write cut off
	// by the kill is there entirely or not at all.
	all := listAll(t, again)
	if len(all) < len(acked) {
		t.Fatalf("%d incidents stored, %d acknowledged", len(all), len(acked))
	}
	var want incident.Incident
	json.Unmarshal(example, &want)
	for _, inc := range all {
		if !sent[inc.Title] || len(inc.ContributingFactors) != len(want.ContributingFactors) ||
			len(inc.DetectionGaps) != len(want.DetectionGaps) || len(inc.ActionItems) != len(want.ActionItems) ||
			len(inc.Timeline) != len(want.Timeline) || inc.Summary != want.Summary {
			t.Fatalf("incident %d (%q) is not one that was sent, whole", inc.ID, inc.Title)
		}
	}
	t.Logf("after restart: %d acknowledged incidents found as answered, %d stored in all", len(acked), len(all))
	again.stop(t, syscall.SIGTERM)
	sqliteIntegrity(t, db)

	// The backup taken under load is sound and holds everything
	// acknowledged before it began.
	sqliteIntegrity(t, backup)
	copied, err := store.Open(context.Background(), backup, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	for _, id := range beforeBackup {
		if _, err := copied.GetIncident(context.Background(), id); err != nil {
			t.Fatalf("incident %d, acknowledged before the backup: %v", id, err)
		}
	}
}

// testGracefulShutdown sends sig while requests are in flight (two bodies
// still being sent, a long list being read slowly) and checks that the
// server stops accepting, finishes them, closes the database and exits 0
// within 10 s.
func testGracefulShutdown(t *testing.T, bin string, sig syscall.Signal) {
	db := filepath.Join(t.TempDir(), "drain.db")
	if out, err := exec.Command(bin, "seed", "--synthetic", "600", "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	srv := startServer(t, bin, db, "AFTERMATH_RATE_LIMIT=0")
	example := linktreeJSON(t)

	type result struct {
		what   string
		status int
		body   []byte
		err    error
	}
	results := make(chan result, 3)
	release := make(chan struct{}) // closed once the signal is sent
	for i := range 2 {
		body := withTitle(t, example, fmt.Sprintf("inflightprobe upload %d", i))
		pr, pw := io.Pipe()
		go func() { // the body's first half now, the rest after the signal
			pw.Write(body[:len(body)/2])
			<-release
			time.Sleep(time.Second)
			pw.Write(body[len(body)/2:])
			pw.Close()
		}()
		go func() {
			req, _ := http.NewRequest("POST", srv.url+"/api/v1/incidents", pr)
			req.ContentLength = int64(len(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.client.Do(req)
			r := result{what: "slow upload", err: err}
			if err == nil {
				r.status = resp.StatusCode
				r.body, r.err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			results <- r
		}()
	}
	go func() { // a 500-incident page, read slowly
		resp, err := srv.client.Get(srv.url + "/api/v1/incidents?limit=500")
		r := result{what: "slow list", err: err}
		if err == nil {
			<-release
			var buf bytes.Buffer
			chunk := make([]byte, 32<<10)
			for {
				n, err := resp.Body.Read(chunk)
				buf.Write(chunk[:n])
				if err != nil {
					if !errors.Is(err, io.EOF) {
						r.err = err
					}
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			resp.Body.Close()
			r.status, r.body = resp.StatusCode, buf.Bytes()
		}
		results <- r
	}()
	// The uploads are in flight once the server counts them (and the scrape).
	waitUntil(t, 10*time.Second, "requests in flight", func() bool { return srv.inFlight(t) >= 3 })

	sent := time.Now()
	if err := srv.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "the listener to close", func() bool {
		conn, err := net.DialTimeout("tcp", srv.addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	close(release)
	for range 3 {
		r := <-results
		if r.err != nil || r.status/100 != 2 {
			t.Errorf("%s in flight at %s: %d %v %.200s", r.what, sig, r.status, r.err, r.body)
		}
		if r.what == "slow list" {
			var page incident.Page
			if err := json.Unmarshal(r.body, &page); err != nil || len(page.Items) != 500 {
				t.Errorf("slow list: %d items, %v", len(page.Items), err)
			}
		}
	}
	select {
	case <-srv.exited:
	case <-time.After(10*time.Second - time.Since(sent)):
		t.Fatalf("still running 10 s after %s\n%s", sig, srv.logs)
	}
	took := time.Since(sent)
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after %s\n%s", code, sig, srv.logs)
	}
	for _, line := range []string{`"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(srv.logs.String(), line) {
			t.Errorf("the log lacks %s:\n%s", line, srv.logs)
		}
	}
	if fi, err := os.Stat(db + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("the WAL was left with %d bytes: the database was not closed", fi.Size())
	}
	sqliteIntegrity(t, db)
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	page, err := st.ListIncidents(context.Background(), incident.Filter{Query: "inflightprobe"})
	if err != nil || page.Total != 2 {
		t.Fatalf("incidents filed during shutdown: %v %v", page.Total, err)
	}
	// The token's use, kept in memory between flushes, was written on the
	// way out.
	tokens, err := st.Tokens(context.Background(), 0)
	if err != nil || len(tokens) != 1 || tokens[0].LastUsedAt == nil {
		t.Fatalf("the token's last use was not written at shutdown: %+v %v", tokens, err)
	}
	t.Logf("%s: in-flight requests finished, exit 0 after %s", sig, took.Round(time.Millisecond))
}

// testLimits holds the server to its timeouts, rate limit and caps, set
// through the environment as an operator would.
func testLimits(t *testing.T, bin string) {
	db := filepath.Join(t.TempDir(), "limits.db")
	srv := startServer(t, bin, db, "AFTERMATH_READ_HEADER_TIMEOUT=300ms", "AFTERMATH_RATE_LIMIT=0.01", "AFTERMATH_RATE_BURST=3")

	// A client that never finishes its headers is cut off.
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	conn.Write([]byte("GET /api/v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 512)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a connection with unfinished headers stayed open: %v", err)
	}
	t.Logf("unfinished headers cut off after %s", time.Since(start).Round(time.Millisecond))

	status := func(method, path string, body []byte) (int, http.Header, []byte) {
		req, _ := http.NewRequest(method, srv.url+path, bytes.NewReader(body))
		resp, err := srv.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, data
	}
	if code, _, body := status("POST", "/api/v1/incidents", bytes.Repeat([]byte("x"), 2<<20)); code != http.StatusRequestEntityTooLarge || !bytes.Contains(body, []byte(`"too_large"`)) {
		t.Errorf("a 2 MiB body: %d %s", code, body)
	}
	if code, _, body := status("GET", "/api/v1/incidents?limit=501", nil); code != http.StatusBadRequest {
		t.Errorf("limit=501: %d %s", code, body)
	}
	// Those two spent two of the three tokens.
	if code, _, body := status("GET", "/api/v1/incidents", nil); code != http.StatusOK {
		t.Errorf("third request: %d %s", code, body)
	}
	code, header, body := status("GET", "/api/v1/incidents", nil)
	if code != http.StatusTooManyRequests || header.Get("Retry-After") == "" || !bytes.Contains(body, []byte(`"too_many_requests"`)) {
		t.Errorf("over the limit: %d Retry-After %q %s", code, header.Get("Retry-After"), body)
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if code, _, _ := status("GET", path, nil); code != http.StatusOK {
			t.Errorf("%s over the API limit: %d", path, code)
		}
	}
	srv.stop(t, syscall.SIGTERM)
}

// server is a running `aftermath serve`.
type server struct {
	cmd    *exec.Cmd
	addr   string
	url    string
	client *http.Client
	logs   *syncWriter
	exited chan struct{}
}

// startServer runs the binary on a free 127.0.0.1 port and waits until it
// is ready. env adds AFTERMATH_* settings.
func startServer(t *testing.T, bin, db string, env ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{addr: addr, url: "http://" + addr, logs: &syncWriter{}, exited: make(chan struct{}),
		client: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	s.cmd = exec.Command(bin, "serve", "--addr", addr, "--db", db, "--log-format", "json")
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.client.CloseIdleConnections()
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
	waitUntil(t, 20*time.Second, "the server to be ready", func() bool {
		select {
		case <-s.exited:
			t.Fatalf("the server exited: %s\n%s", s.cmd.ProcessState, s.logs)
		default:
		}
		resp, err := s.client.Get(s.url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	// Every request carries a token of the admin that serve made, as an
	// operator's scripts would.
	out, err := exec.Command(bin, "token", "create", "admin", "--label", "process test", "--db", db).Output()
	if err != nil {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	token, _, _ := strings.Cut(strings.SplitN(string(out), "token: ", 2)[1], "\n")
	s.client.Transport = bearer{token: token, next: s.client.Transport}
	return s
}

// bearer sends a token with every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(req)
}

func (b bearer) CloseIdleConnections() {
	if c, ok := b.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// stop sends sig and waits for a clean exit.
func (s *server) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	s.client.CloseIdleConnections()
	s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after %s\n%s", sig, s.logs)
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d\n%s", code, s.logs)
	}
}

// inFlight reads the server's in-flight request gauge.
func (s *server) inFlight(t *testing.T) float64 {
	resp, err := s.client.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(data), "\n") {
		if value, ok := strings.CutPrefix(line, "aftermath_http_requests_in_flight "); ok {
			n, _ := strconv.ParseFloat(value, 64)
			return n
		}
	}
	t.Fatalf("no aftermath_http_requests_in_flight in /metrics")
	return 0
}

// listAll pages through every incident.
func listAll(t *testing.T, s *server) []incident.Incident {
	var all []incident.Incident
	cursor := ""
	for {
		resp, err := s.client.Get(s.url + "/api/v1/incidents?limit=500&cursor=" + cursor)
		if err != nil {
			t.Fatal(err)
		}
		var page incident.Page
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

// sqliteIntegrity asks the sqlite3 shell, independent of our driver, for
// PRAGMA integrity_check.
func sqliteIntegrity(t *testing.T, db string) {
	t.Helper()
	out, err := exec.Command("sqlite3", db, "PRAGMA integrity_check;").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("integrity_check of %s: %v %s", filepath.Base(db), err, out)
	}
}

func waitUntil(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func linktreeJSON(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../examples/linktree-payment-outage.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func withTitle(t *testing.T, example []byte, title string) []byte {
	var m map[string]any
	if err := json.Unmarshal(example, &m); err != nil {
		t.Error(err)
	}
	m["title"] = title
	data, _ := json.Marshal(m)
	return data
}

// syncWriter collects a process's output.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
