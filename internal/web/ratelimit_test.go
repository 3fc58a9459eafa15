package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/web"
)

// getFrom sends GET path claiming, through X-Forwarded-For, to come from
// forwardedFor, and returns the status, Retry-After and body.
func getFrom(t *testing.T, a *api, path, forwardedFor string) (int, string, []byte) {
	t.Helper()
	req := a.request("GET", path, nil)
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	resp, body := a.send(req)
	return resp.StatusCode, resp.Header.Get("Retry-After"), body
}

func TestRateLimitOnTheAPI(t *testing.T) {
	// One token per 1,000 s: the bucket does not refill during the test.
	a := newAPIWith(t, web.Config{RateLimit: 0.001, RateBurst: 2})
	for i := range 2 {
		if status, _, body := getFrom(t, a, "/api/v1/incidents", ""); status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	status, retry, body := getFrom(t, a, "/api/v1/incidents", "")
	var e apiError
	seconds, _ := strconv.Atoi(retry) // the next token is up to 1,000 s away
	if status != http.StatusTooManyRequests || json.Unmarshal(body, &e) != nil ||
		e.Error.Code != "too_many_requests" || e.Error.RequestID == "" || seconds < 1 || seconds > 1000 {
		t.Fatalf("over the limit: %d Retry-After %q %s", status, retry, body)
	}
	// A client cannot pick a new address for itself: no proxy is trusted.
	if status, _, _ := getFrom(t, a, "/api/v1/incidents", "203.0.113.7"); status != http.StatusTooManyRequests {
		t.Fatalf("X-Forwarded-For escaped the limit: %d", status)
	}
	// Probes and metrics are never limited.
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		for range 5 {
			if status, _, body := getFrom(t, a, path, ""); status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, status, body)
			}
		}
	}
	families, _ := a.scrape()
	if n, _ := metricValue(families, "aftermath_http_rate_limited_total", nil); n != 2 {
		t.Errorf("aftermath_http_rate_limited_total = %v, want 2", n)
	}
	if n, _ := metricValue(families, "aftermath_http_rate_limit_clients", nil); n != 1 {
		t.Errorf("aftermath_http_rate_limit_clients = %v, want 1", n)
	}
}

func TestRateLimitBehindATrustedProxy(t *testing.T) {
	a := newAPIWith(t, web.Config{RateLimit: 0.001, RateBurst: 1, TrustedProxies: []string{"127.0.0.1/32", "::1"}})
	for i := range 3 { // three clients behind the proxy, one request each
		if status, _, body := getFrom(t, a, "/api/v1/incidents", fmt.Sprintf("203.0.113.%d", i)); status != http.StatusOK {
			t.Fatalf("client %d: %d %s", i, status, body)
		}
	}
	if status, _, _ := getFrom(t, a, "/api/v1/incidents", "203.0.113.0"); status != http.StatusTooManyRequests {
		t.Fatalf("a client behind the proxy was not limited: %d", status)
	}
}

func TestCheckTrustedProxies(t *testing.T) {
	tests := []struct {
		in []string
		ok bool
	}{
		{nil, true},
		{[]string{"10.0.0.0/8", "192.0.2.1", "::1", "2001:db8::/32"}, true},
		{[]string{"10.0.0.0/8", "proxy.internal"}, false},
		{[]string{"10.0.0.0/33"}, false},
	}
	for _, tt := range tests {
		if err := web.CheckTrustedProxies(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckTrustedProxies(%v) = %v", tt.in, err)
		}
	}
}
