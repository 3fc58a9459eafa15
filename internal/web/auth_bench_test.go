package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// BenchmarkAuthentication measures what credentials add to a request,
// through the router (in process, no network): GET /healthz has none;
// GET /api/v1/me does nothing but say who is asking, so the difference is
// the credential check (plus the API's rate limit and body cap).
//
//	token:        a token checked within the cache's TTL (the usual case)
//	token-cold:   the cache missed: one database read
//	session:      a session cookie, read and its idle expiry moved
func BenchmarkAuthentication(b *testing.B) {
	a := newAPI(b)
	st := openStore(b)
	cold := serveAPI(b, st, web.Config{Accounts: auth.New(auth.Config{Store: st, CacheTTL: time.Nanosecond})})
	a.addUser("sam", incident.RoleViewer, password)
	br := a.browser()
	br.login("sam", password)
	cookie := br.cookie()

	cases := []struct {
		name string
		srv  http.Handler
		path string
		set  func(*http.Request)
	}{
		{"open", a.server, "/healthz", func(*http.Request) {}},
		{"token", a.server, "/api/v1/me", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+a.token) }},
		{"token-cold", cold.server, "/api/v1/me", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+cold.token) }},
		{"session", a.server, "/api/v1/me", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: auth.CookieName, Value: cookie}) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", c.path, nil)
			c.set(req)
			for b.Loop() {
				w := httptest.NewRecorder()
				c.srv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
