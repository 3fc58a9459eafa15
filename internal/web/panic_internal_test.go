package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newLoggedServer is a real server over a fresh database whose JSON log
// the test reads.
func newLoggedServer(t testing.TB) (*Server, *syncBuffer) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "web.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &syncBuffer{}
	return New(Config{Store: st, Logger: slog.New(slog.NewJSONHandler(logs, nil))}), logs
}

// testTokens holds one admin token per server made by newLoggedServer.
var testTokens sync.Map

// testRequest is a request to s as an admin, with a JSON body.
func testRequest(t testing.TB, s *Server, method, path string, body io.Reader) *http.Request {
	t.Helper()
	token, ok := testTokens.Load(s)
	if !ok {
		_, secret := storetest.Token(t, s.store.(*store.Store), s.accounts, "test-admin", incident.RoleAdmin)
		token, _ = testTokens.LoadOrStore(s, secret)
	}
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Authorization", "Bearer "+token.(string))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func TestPanicsBecomeInternalErrors(t *testing.T) {
	s, logs := newLoggedServer(t)
	s.router.GET("/boom", func(c *gin.Context) {
		panic("secret detail: password=hunter2 at /srv/aftermath.db")
	})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/boom", nil))

	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	var e errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("not the error shape: %v: %s", err, w.Body)
	}
	if e.Error.Code != "internal" || e.Error.Message != "Internal error." || e.Error.RequestID == "" {
		t.Fatalf("error %+v", e.Error)
	}
	for _, leak := range []string{"goroutine", ".go:", "panic", "hunter2", "/srv/"} {
		if strings.Contains(w.Body.String(), leak) {
			t.Errorf("the answer leaks %q: %s", leak, w.Body)
		}
	}

	// The log has the panic with its stack, under the request id.
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if entry["msg"] != "panic" {
			continue
		}
		found = true
		stack, _ := entry["stack"].(string)
		if entry["request_id"] != e.Error.RequestID || !strings.Contains(entry["panic"].(string), "hunter2") ||
			!strings.Contains(stack, "goroutine") || !strings.Contains(stack, "panic_internal_test.go") {
			t.Errorf("panic log line lacks the request id, value or stack: %s", line)
		}
	}
	if !found {
		t.Fatalf("no panic in the log:\n%s", logs)
	}
	if !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("the request log does not record the 500:\n%s", logs)
	}

	// The server goes on serving, and counts the panic as a 5xx.
	w = httptest.NewRecorder()
	s.ServeHTTP(w, testRequest(t, s, "GET", "/metrics", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `aftermath_http_requests_total{method="GET",route="/boom",status_class="5xx"} 1`) {
		t.Fatalf("after the panic /metrics: %d\n%s", w.Code, w.Body)
	}
}

// TestRouteAroundTheTableHasNoRule: a route registered on the router
// directly, not through the route table, shows up without access, which
// fails the role × route matrix.
func TestRouteAroundTheTableHasNoRule(t *testing.T) {
	s, _ := newLoggedServer(t)
	s.router.GET("/sneaky", func(c *gin.Context) {})
	found := false
	for _, r := range s.Routes() {
		if r.Path == "/sneaky" {
			found = true
			if r.Access != AccessNone {
				t.Fatalf("/sneaky has access %q", r.Access)
			}
		} else if r.Access == AccessNone {
			t.Errorf("%s %s has no rule", r.Method, r.Path)
		}
	}
	if !found {
		t.Fatal("Routes does not list the router's own routes")
	}
}
