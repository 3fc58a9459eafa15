package web_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// newOIDCAPI is a server that signs people in through a real OpenID
// Connect provider (mockoidc) running in the test, on loopback.
func newOIDCAPI(t *testing.T) (*api, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o, err := auth.NewOIDC(t.Context(), auth.OIDCConfig{
		Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		RedirectURL: "http://" + ln.Addr().String() + "/login/oidc/callback",
		Roles:       map[string]incident.Role{"sre": incident.RoleResponder, "sre-leads": incident.RoleAdmin},
		DefaultRole: incident.RoleViewer,
	})
	if err != nil {
		t.Fatal(err)
	}
	return serveAPIOn(t, openStore(t), web.Config{OIDC: o}, ln), m
}

// signInWithSSO walks a browser through the sign-in: to the provider and
// back. It returns the callback URL the provider sent the browser to, and
// the callback's answer.
func signInWithSSO(t *testing.T, b *browser, next string) (string, *http.Response) {
	t.Helper()
	resp, _ := b.do("GET", "/login/oidc?next="+url.QueryEscape(next), "", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("/login/oidc: %d", resp.StatusCode)
	}
	authorize, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := authorize.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" ||
		q.Get("state") == "" || q.Get("response_type") != "code" || !strings.Contains(q.Get("scope"), "openid") {
		t.Fatalf("authorization request %s", authorize)
	}
	// The provider (no login form in mockoidc) sends the browser back.
	back, err := b.client.Get(authorize.String())
	if err != nil {
		t.Fatal(err)
	}
	back.Body.Close()
	callback := back.Header.Get("Location")
	if back.StatusCode != http.StatusFound || !strings.Contains(callback, "/login/oidc/callback?") {
		t.Fatalf("provider answered %d to %q", back.StatusCode, callback)
	}
	return callback, followCallback(t, b, callback)
}

func followCallback(t *testing.T, b *browser, callback string) *http.Response {
	t.Helper()
	resp, err := b.client.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestSingleSignOn: the authorization code flow with PKCE against a real
// provider: the account is made on the first sign-in with the role its
// groups give, follows the groups after, and the session is a fresh one.
func TestSingleSignOn(t *testing.T) {
	a, m := newOIDCAPI(t)
	resp, page := a.browser().do("GET", "/login", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `href="/login/oidc?next=%2f"`) {
		t.Fatalf("the login page offers no single sign-on: %s", page)
	}

	m.QueueUser(&mockoidc.MockUser{Subject: "u-1", PreferredUsername: "Jane.Doe", Email: "jane@example.com", Groups: []string{"staff", "sre"}})
	b := a.browser()
	b.setCookie("planted-before-the-login")
	_, done := signInWithSSO(t, b, "/?from=sso")
	if done.StatusCode != http.StatusSeeOther || done.Header.Get("Location") != "/?from=sso" {
		t.Fatalf("callback: %d to %q", done.StatusCode, done.Header.Get("Location"))
	}
	if b.cookie() == "planted-before-the-login" || b.signedInAs() != "jane.doe" {
		t.Fatalf("after sign-in: cookie %q, signed in as %q", b.cookie(), b.signedInAs())
	}
	u, err := a.store.UserByName(t.Context(), "jane.doe")
	if err != nil || u.Role != incident.RoleResponder || u.Source != incident.SourceOIDC || u.PasswordHash != "" {
		t.Fatalf("account %+v %v", u, err)
	}
	// A single-sign-on account has no password to log in with, and none
	// can be given to it.
	if resp, _ := a.browser().postForm("/login", url.Values{"username": {"jane.doe"}, "password": {""}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("password login of an SSO account: %d", resp.StatusCode)
	}
	a.json("PATCH", "/api/v1/users/jane.doe", map[string]any{"password": "a password to bypass the provider"}, http.StatusUnprocessableEntity, nil)

	// The next sign-in takes the role the groups give now.
	m.QueueUser(&mockoidc.MockUser{Subject: "u-1", PreferredUsername: "jane.doe", Groups: []string{"sre-leads"}})
	again := a.browser()
	signInWithSSO(t, again, "/")
	if u, _ := a.store.UserByName(t.Context(), "jane.doe"); u.Role != incident.RoleAdmin {
		t.Fatalf("role after the groups changed: %s", u.Role)
	}
	entries := auditEntries(t, a, "entity=user/jane.doe")
	actions := []string{}
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "login user.update login.failed login user.create" { // the failed one: the password attempt above
		t.Fatalf("audit of the sign-ins: %v", actions)
	}
	if _, after, _ := change(entries[0], "method"); after != `"oidc"` {
		t.Fatalf("login method %s", after)
	}

	// No group that maps: the default role.
	m.QueueUser(&mockoidc.MockUser{Subject: "u-2", PreferredUsername: "kim", Groups: []string{"finance"}})
	signInWithSSO(t, a.browser(), "/")
	if u, _ := a.store.UserByName(t.Context(), "kim"); u == nil || u.Role != incident.RoleViewer {
		t.Fatalf("kim: %+v", u)
	}
}

// TestSingleSignOnRefusals: a callback whose state is not the flow's, a
// callback replayed, a provider's error, and a local account's name.
func TestSingleSignOnRefusals(t *testing.T) {
	a, m := newOIDCAPI(t)

	// Another browser's callback (a login CSRF, or a stolen code) fails:
	// the flow's state lives in the session that began it.
	m.QueueUser(&mockoidc.MockUser{Subject: "u-9", PreferredUsername: "mallory"})
	attacker := a.browser()
	resp, _ := attacker.do("GET", "/login/oidc", "", nil)
	back, err := attacker.client.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	back.Body.Close()
	victim := a.browser()
	if resp := followCallback(t, victim, back.Header.Get("Location")); resp.StatusCode != http.StatusUnauthorized || victim.signedInAs() != "" {
		t.Fatalf("a callback in another browser: %d, signed in as %q", resp.StatusCode, victim.signedInAs())
	}

	// A tampered state fails, and so does the callback used twice.
	m.QueueUser(&mockoidc.MockUser{Subject: "u-3", PreferredUsername: "sam"})
	b := a.browser()
	callback, done := signInWithSSO(t, b, "/")
	if done.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", done.StatusCode)
	}
	replay := a.browser()
	if resp := followCallback(t, replay, callback); resp.StatusCode != http.StatusUnauthorized || replay.signedInAs() != "" {
		t.Fatalf("the callback replayed: %d", resp.StatusCode)
	}
	resp, _ = b.do("GET", "/login/oidc", "", nil)
	u, _ := url.Parse(resp.Header.Get("Location"))
	q := u.Query()
	back, _ = b.client.Get(u.String())
	back.Body.Close()
	cb, _ := url.Parse(back.Header.Get("Location"))
	cq := cb.Query()
	cq.Set("state", q.Get("state")+"x")
	cb.RawQuery = cq.Encode()
	if resp := followCallback(t, b, cb.String()); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a tampered state: %d", resp.StatusCode)
	}

	// The provider's error is shown on the login page.
	if resp, body := a.browser().do("GET", "/login/oidc/callback?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E", "", nil); resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(string(body), "access_denied: &lt;b&gt;no&lt;/b&gt;") {
		t.Fatalf("provider error: %d %s", resp.StatusCode, body)
	}

	// A person called "admin" at the provider does not become our admin.
	m.QueueUser(&mockoidc.MockUser{Subject: "u-4", PreferredUsername: "admin", Groups: []string{"sre-leads"}})
	taker := a.browser()
	_, done = signInWithSSO(t, taker, "/")
	if done.StatusCode != http.StatusForbidden || taker.signedInAs() != "" {
		t.Fatalf("taking over the local admin: %d, signed in as %q", done.StatusCode, taker.signedInAs())
	}
}

// TestSingleSignOnNotConfigured: without a provider the routes say so.
func TestSingleSignOnNotConfigured(t *testing.T) {
	a := newAPI(t)
	for _, path := range []string{"/login/oidc", "/login/oidc/callback?code=x&state=y"} {
		if resp, _ := a.browser().do("GET", path, "", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	if _, page := a.browser().do("GET", "/login", "", nil); strings.Contains(string(page), "/login/oidc") {
		t.Error("the login page offers single sign-on that is not set up")
	}
}
