package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// instance is one more server on a database that others share, on the
// test's clock, without credentials of its own.
func instance(t *testing.T, dsn string, c *clock, cfg web.Config) *api {
	t.Helper()
	st, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Now = c.Now
	cfg.Accounts = auth.New(auth.Config{Store: st, Now: c.Now})
	return serveBare(t, st, cfg, nil)
}

// TestTwoInstancesOnOneDatabase runs two servers on one database, as a
// team behind a load balancer does, writes through both and reads each
// one's writes from the other: incidents and their versions, comments,
// accounts, sessions, tokens and their revocation, the login limit and
// the audit chain. On PostgreSQL this is the deployment the backend is
// for; on SQLite two processes on one file work the same way, one writer
// at a time.
func TestTwoInstancesOnOneDatabase(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			dsn := storetest.DSN(t, b)
			c := &clock{now: time.Now().UTC()}
			// Behind a proxy that names the client, so that logins from
			// several addresses can be told apart.
			cfg := web.Config{TrustedProxies: []string{"127.0.0.1", "::1"}}
			one := instance(t, dsn, c, cfg).as(incident.RoleAdmin)
			two := instance(t, dsn, c, cfg)
			twoAdmin := two.withToken(one.token) // one instance's token on the other

			// An incident filed on one is read on two, edited there, and a
			// stale edit through one is refused with two's version.
			var filed, read, edited incident.Incident
			one.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &filed)
			twoAdmin.json("GET", fmt.Sprintf("/api/v1/incidents/%d", filed.ID), nil, http.StatusOK, &read)
			if read.Title != filed.Title || read.Version != 1 {
				t.Fatalf("two reads %q at version %d", read.Title, read.Version)
			}
			twoAdmin.json("PATCH", fmt.Sprintf("/api/v1/incidents/%d", filed.ID), map[string]any{"version": 1, "severity": "SEV2"}, http.StatusOK, &edited)
			body := one.json("PATCH", fmt.Sprintf("/api/v1/incidents/%d", filed.ID), map[string]any{"version": 1, "severity": "SEV3"}, http.StatusConflict, nil)
			if !strings.Contains(string(body), `"current_version":2`) {
				t.Fatalf("the stale edit: %s", body)
			}
			one.json("GET", fmt.Sprintf("/api/v1/incidents/%d", filed.ID), nil, http.StatusOK, &read)
			if read.Severity != incident.SEV2 || read.Version != 2 {
				t.Fatalf("one reads %s at version %d after two's edit", read.Severity, read.Version)
			}

			// Writers on both at once: every write lands once, and the audit
			// chain stays one line.
			var wg sync.WaitGroup
			for i, server := range []*api{one, twoAdmin, one, twoAdmin} {
				wg.Go(func() {
					for k := range 5 {
						status, body := server.do("POST", fmt.Sprintf("/api/v1/incidents/%d/comments", filed.ID),
							fmt.Appendf(nil, `{"body": "writer %d, comment %d"}`, i, k))
						if status != http.StatusCreated {
							t.Errorf("comment through writer %d: %d %s", i, status, body)
						}
					}
				})
			}
			wg.Wait()
			for _, server := range []*api{one, twoAdmin} {
				var comments struct{ Items []incident.Comment }
				server.json("GET", fmt.Sprintf("/api/v1/incidents/%d/comments", filed.ID), nil, http.StatusOK, &comments)
				if len(comments.Items) != 20 {
					t.Errorf("%s lists %d comments, want 20", server.url, len(comments.Items))
				}
			}
			check, err := one.store.VerifyAudit(context.Background())
			if err != nil || check.Problem != "" || check.Entries < 22 {
				t.Fatalf("audit chain after writers on both: %+v %v", check, err)
			}

			// A session made on one is used on two, and a logout on two ends
			// it on one.
			one.addUser("sam", incident.RoleResponder, password)
			onOne := one.browser()
			onOne.login("sam", password)
			onTwo := two.browser()
			onTwo.setCookie(onOne.cookie())
			if who := onTwo.signedInAs(); who != "sam" {
				t.Fatalf("one's session on two is signed in as %q", who)
			}
			if resp, _ := onTwo.do("POST", "/logout", "", nil); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("logout on two: %d", resp.StatusCode)
			}
			c.Add(auth.DefaultCacheTTL)
			if who := onOne.signedInAs(); who != "" {
				t.Fatalf("the session logged out on two still works on one as %q", who)
			}

			// A token made on one works on two; revoked on one, two refuses
			// it once its cache has let it go, within the cache's TTL.
			var made struct{ ID, Token string }
			one.json("POST", "/api/v1/tokens", map[string]any{"label": "ci"}, http.StatusCreated, &made)
			withToken := two.withToken(made.Token)
			if status, body := withToken.do("GET", "/api/v1/me", nil); status != http.StatusOK {
				t.Fatalf("one's new token on two: %d %s", status, body)
			}
			one.json("DELETE", "/api/v1/tokens/"+made.ID, nil, http.StatusNoContent, nil)
			if status, _ := one.withToken(made.Token).do("GET", "/api/v1/me", nil); status != http.StatusUnauthorized {
				t.Fatalf("the revoked token on the instance that revoked it: %d", status)
			}
			// Two checked it a moment ago and remembers it for the TTL (what
			// spares it a database read per request), then asks again.
			if status, _ := withToken.do("GET", "/api/v1/me", nil); status != http.StatusOK {
				t.Fatalf("two forgot a token it checked a moment ago: %d", status)
			}
			c.Add(auth.DefaultCacheTTL)
			if status, _ := withToken.do("GET", "/api/v1/me", nil); status != http.StatusUnauthorized {
				t.Fatalf("the revoked token on two after the cache's TTL: %d", status)
			}

			// Failed logins count on both: five on each lock the account
			// everywhere.
			for i := range 5 {
				for _, a := range []*api{one, two} {
					if s, _ := a.loginFrom("sam", "wrong password", fmt.Sprintf("198.51.100.%d", i)); s != http.StatusUnauthorized {
						t.Fatalf("failure %d on %s: %d", i, a.url, s)
					}
				}
			}
			for _, a := range []*api{one, two} {
				if s, _ := a.loginFrom("sam", "wrong password", "203.0.113.1"); s != http.StatusTooManyRequests {
					t.Errorf("after ten failures across both, %s answers %d", a.url, s)
				}
			}
		})
	}
}
