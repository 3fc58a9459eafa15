package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
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

// api is a real server over a fresh database (SQLite, or PostgreSQL when
// the suite runs on it), reached through real HTTP.
// Requests carry an admin's API token unless the test asks otherwise:
// a.as(incident.RoleViewer) acts as a viewer, a.anonymous() with no
// credentials at all.
type api struct {
	t        testing.TB
	url      string
	store    *store.Store
	accounts *auth.Accounts
	server   *web.Server
	// token is sent as "Authorization: Bearer"; "" sends none.
	token string
	// user is the account the token belongs to.
	user *incident.User
	// roles holds one account and token per role, made on first use and
	// shared by the copies that as() returns.
	roles *roleTokens
	// spec checks every request and answer against the server's OpenAPI
	// description.
	spec *specCheck
}

type roleTokens struct {
	mu     sync.Mutex
	tokens map[incident.Role]string
	users  map[incident.Role]*incident.User
}

func newAPI(t testing.TB) *api { return newAPIWith(t, web.Config{}) }

// newAPIWith is newAPI with a chosen configuration; Store, Logger and
// Accounts are filled in when unset.
func newAPIWith(t testing.TB, cfg web.Config) *api {
	t.Helper()
	return serveAPI(t, openStore(t), cfg)
}

// openStore opens a fresh database on the backend the suite runs on.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	return storetest.Open(t, storetest.Selected(t))
}

// clock is a test's clock, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClockedAPI is newAPI on a clock the test moves: the store and the
// accounts (made from ac, with its Store and Now set) both read it.
func newClockedAPI(t testing.TB, cfg web.Config, ac auth.Config) (*api, *clock) {
	t.Helper()
	st := openStore(t)
	c := &clock{now: time.Now().UTC()}
	st.Now = c.Now
	ac.Store, ac.Now = st, c.Now
	cfg.Accounts = auth.New(ac)
	return serveAPI(t, st, cfg), c
}

// serveAPI serves st through a real HTTP server.
func serveAPI(t testing.TB, st *store.Store, cfg web.Config) *api {
	t.Helper()
	return serveAPIOn(t, st, cfg, nil)
}

// serveAPIOn is serveAPI on a listener the test made (nil for a new one),
// for configurations that need the server's address first.
func serveAPIOn(t testing.TB, st *store.Store, cfg web.Config, ln net.Listener) *api {
	t.Helper()
	return serveBare(t, st, cfg, ln).as(incident.RoleAdmin)
}

// serveBare serves st and returns an api without credentials, making no
// account: for a second server on a database another one set up.
func serveBare(t testing.TB, st *store.Store, cfg web.Config, ln net.Listener) *api {
	t.Helper()
	cfg.Store = st
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Accounts == nil {
		cfg.Accounts = auth.New(auth.Config{Store: st})
	}
	server := web.New(cfg)
	srv := httptest.NewUnstartedServer(server)
	if ln != nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		server.Close(context.Background())
		st.Close()
	})
	return &api{t: t, url: srv.URL, store: st, accounts: cfg.Accounts, server: server,
		roles: &roleTokens{tokens: map[incident.Role]string{}, users: map[incident.Role]*incident.User{}},
		spec:  &specCheck{url: srv.URL, server: server}}
}

// as returns a copy of a that sends the token of an account with role
// (named after the role: "admin", "responder", "viewer").
func (a *api) as(role incident.Role) *api {
	a.t.Helper()
	a.roles.mu.Lock()
	defer a.roles.mu.Unlock()
	if _, ok := a.roles.tokens[role]; !ok {
		u, secret := storetest.Token(a.t, a.store, a.accounts, string(role), role)
		a.roles.tokens[role], a.roles.users[role] = secret, u
	}
	b := *a
	b.token, b.user = a.roles.tokens[role], a.roles.users[role]
	return &b
}

// adminToken makes an admin account (without a password) and returns a
// token of it, for tests that call a server's ServeHTTP directly.
func adminToken(t testing.TB, st *store.Store, accounts *auth.Accounts) string {
	t.Helper()
	_, secret := storetest.Token(t, st, accounts, "fuzz-admin", incident.RoleAdmin)
	return secret
}

// anonymous returns a copy of a that sends no credentials.
func (a *api) anonymous() *api {
	b := *a
	b.token, b.user = "", nil
	return &b
}

// withToken returns a copy of a that sends token (any string).
func (a *api) withToken(token string) *api {
	b := *a
	b.token, b.user = token, nil
	return &b
}

// request builds a request to path with a's credentials. A body goes as
// JSON, except to /api/v1/import, which takes markdown, and to
// /api/v1/catalog, which takes YAML.
func (a *api) request(method, path string, body []byte) *http.Request {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		if strings.HasPrefix(path, "/api/v1/import") {
			req.Header.Set("Content-Type", "text/markdown")
		}
		if path == "/api/v1/catalog" {
			req.Header.Set("Content-Type", "application/yaml")
		}
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	return req
}

// send sends req and returns the answer with its body read. The pair is
// checked against the server's OpenAPI description.
func (a *api) send(req *http.Request) (*http.Response, []byte) {
	a.t.Helper()
	return a.sendWith(http.DefaultClient, req)
}

// sendWith is send through client.
func (a *api) sendWith(client *http.Client, req *http.Request) (*http.Response, []byte) {
	a.t.Helper()
	body := requestBody(a.t, req)
	resp, err := client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	a.spec.check(a.t, req, body, resp, data)
	return resp, data
}

// do sends a request with a raw body and returns the status and body.
func (a *api) do(method, path string, body []byte) (int, []byte) {
	a.t.Helper()
	resp, data := a.send(a.request(method, path, body))
	return resp.StatusCode, data
}

// get sends GET path and returns the whole answer, headers included.
func (a *api) get(path string) (*http.Response, []byte) {
	a.t.Helper()
	return a.send(a.request("GET", path, nil))
}

// json sends v as JSON and decodes the answer into out (if not nil),
// failing the test unless the status is want.
func (a *api) json(method, path string, v any, want int, out any) []byte {
	a.t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			a.t.Fatal(err)
		}
	}
	status, data := a.do(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return data
}

func readExample(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("../../examples/linktree-payment-outage.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// apiError is the contract's error shape.
type apiError struct {
	Error struct {
		Code           string            `json:"code"`
		Message        string            `json:"message"`
		Fields         map[string]string `json:"fields"`
		CurrentVersion int               `json:"current_version"`
		RequestID      string            `json:"request_id"`
	} `json:"error"`
}
