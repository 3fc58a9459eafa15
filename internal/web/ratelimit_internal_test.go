package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// limited is one route behind a rate limiter whose clock the test moves.
type limited struct {
	l      *rateLimiter
	router *gin.Engine
	clock  time.Time
}

func newLimited(t *testing.T, perSecond float64, burst int) *limited {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	x := &limited{l: newRateLimiter(perSecond, burst, newMetrics(nil)), router: gin.New(),
		clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	x.l.now = func() time.Time { return x.clock }
	x.router.GET("/x", x.l.middleware, func(c *gin.Context) { c.Status(http.StatusNoContent) })
	return x
}

func (x *limited) get(ip string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/x", nil)
	req.RemoteAddr = ip + ":4242"
	if strings.Contains(ip, ":") { // IPv6 takes brackets before a port
		req.RemoteAddr = "[" + ip + "]:4242"
	}
	w := httptest.NewRecorder()
	x.router.ServeHTTP(w, req)
	return w
}

func TestRateLimitPerClient(t *testing.T) {
	x := newLimited(t, 2, 3)
	steps := []struct {
		advance time.Duration
		ip      string
		status  int
		retry   string
	}{
		{0, "192.0.2.1", 204, ""},
		{0, "192.0.2.1", 204, ""},
		{0, "192.0.2.1", 204, ""},
		{0, "192.0.2.1", 429, "1"},                     // the burst is spent
		{0, "192.0.2.2", 204, ""},                      // another client has its own bucket
		{500 * time.Millisecond, "192.0.2.1", 204, ""}, // 2/s: one token back
		{0, "192.0.2.1", 429, "1"},
		{0, "2001:db8::1", 204, ""},
		{0, "2001:db8::2", 204, ""},
		{0, "2001:db8::3", 204, ""},
		{0, "2001:db8::4", 429, "1"},    // one /64 is one client
		{0, "2001:db8:0:1::1", 204, ""}, // the next /64 is another
	}
	for i, s := range steps {
		x.clock = x.clock.Add(s.advance)
		w := x.get(s.ip)
		if w.Code != s.status || w.Header().Get("Retry-After") != s.retry {
			t.Fatalf("step %d (%s): status %d Retry-After %q, want %d %q: %s", i, s.ip, w.Code, w.Header().Get("Retry-After"), s.status, s.retry, w.Body)
		}
		if s.status == http.StatusTooManyRequests && !jsonHasCode(w.Body.Bytes(), "too_many_requests") {
			t.Fatalf("step %d: not the error shape: %s", i, w.Body)
		}
	}
}

func TestRateLimitRetryAfterCountsWholeSeconds(t *testing.T) {
	x := newLimited(t, 0.1, 1) // one request per 10 s
	x.get("192.0.2.1")
	if got := x.get("192.0.2.1").Header().Get("Retry-After"); got != "10" {
		t.Fatalf("Retry-After %q, want 10", got)
	}
	x.clock = x.clock.Add(2500 * time.Millisecond)
	if got := x.get("192.0.2.1").Header().Get("Retry-After"); got != "8" {
		t.Fatalf("Retry-After %q, want 8 (7.5 rounded up)", got)
	}
}

// TestRateLimitForgetsIdleClients: memory stays bounded by the clients of
// the last minute or so, and forgetting a client changes nothing for it.
func TestRateLimitForgetsIdleClients(t *testing.T) {
	x := newLimited(t, 0.05, 5) // a token every 20 s
	for i := range 100 {
		x.get(fmt.Sprintf("198.51.100.%d", i))
	}
	if n := x.l.tracked(); n != 100 {
		t.Fatalf("%d clients tracked, want 100", n)
	}
	x.clock = x.clock.Add(sweepEvery)
	for range 5 { // a busy client spends its whole burst
		x.get("192.0.2.1")
	}
	if n := x.l.tracked(); n != 1 {
		t.Fatalf("%d clients tracked after a minute idle, want 1", n)
	}
	// A minute on, the busy client has 3 tokens of 5: it is remembered,
	// since forgetting it would hand it a fresh burst of 5.
	x.clock = x.clock.Add(sweepEvery)
	x.get("192.0.2.2")
	if n := x.l.tracked(); n != 2 {
		t.Fatalf("%d clients tracked, want 2", n)
	}
	var codes []int
	for range 4 {
		codes = append(codes, x.get("192.0.2.1").Code)
	}
	if fmt.Sprint(codes) != "[204 204 204 429]" {
		t.Fatalf("the busy client got %v, want 3 more requests", codes)
	}
}

// TestRateLimitIsBoundedUnderAFlood: past maxClients, new clients share
// one bucket instead of growing the map.
func TestRateLimitIsBoundedUnderAFlood(t *testing.T) {
	x := newLimited(t, 0.001, 2) // buckets never refill during the test
	now := x.clock
	for i := range maxClients {
		x.l.bucket(fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255), now).AllowN(now, 1)
	}
	if n := x.l.tracked(); n != maxClients {
		t.Fatalf("%d clients tracked", n)
	}
	codes := []int{x.get("192.0.2.1").Code, x.get("192.0.2.2").Code, x.get("192.0.2.3").Code}
	if fmt.Sprint(codes) != "[204 204 429]" {
		t.Fatalf("newcomers past the cap: %v, want them to share one bucket of 2", codes)
	}
	if n := x.l.tracked(); n != maxClients {
		t.Fatalf("%d clients tracked past the cap", n)
	}
}

func TestClientKey(t *testing.T) {
	tests := map[string]string{
		"192.0.2.1":             "192.0.2.1",
		"::ffff:192.0.2.1":      "192.0.2.1",
		"2001:db8::1":           "2001:db8::/64",
		"2001:db8::ffff:1":      "2001:db8::/64",
		"2001:db8:0:1::1":       "2001:db8:0:1::/64",
		"not an address at all": "not an address at all",
	}
	for in, want := range tests {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNoRateLimitWhenZero(t *testing.T) {
	if l := newRateLimiter(0, 40, newMetrics(nil)); l != nil {
		t.Fatal("a limit of 0 still limits")
	}
}
