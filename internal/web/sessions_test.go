package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

const password = "correct horse battery staple"

func TestLoginAndLogout(t *testing.T) {
	a := newAPI(t)
	a.addUser("sam", incident.RoleResponder, password)
	b := a.browser()

	// A page without a session goes to the login, and comes back after.
	resp, _ := b.do("GET", "/", "", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2F" {
		t.Fatalf("/ anonymous: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := b.do("GET", "/login?next=%2F", "", nil)
	for _, want := range []string{`name="username"`, `name="password"`, `type="password"`, `<label for="username"`, `value="/"`} {
		if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(want)) {
			t.Fatalf("login page lacks %s: %d\n%s", want, resp.StatusCode, page)
		}
	}
	resp, _ = b.postForm("/login", url.Values{"username": {"SAM"}, "password": {password}, "next": {"/?x=1"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?x=1" {
		t.Fatalf("login: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := sessionCookie(t, resp)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.Path != "/" {
		t.Fatalf("session cookie %+v", cookie)
	}
	if who := b.signedInAs(); who != "sam" {
		t.Fatalf("signed in as %q", who)
	}
	resp, page = b.do("GET", "/", "", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(`title="Your account">sam `)) {
		t.Fatalf("home: %d %s", resp.StatusCode, page)
	}

	// The session works for the API too, within the role.
	if resp, body := b.do("POST", "/api/v1/categories", "application/json", []byte(`{"kind":"gap","slug":"x"}`)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a responder's session added a category: %d %s", resp.StatusCode, body)
	}

	resp, _ = b.do("POST", "/logout", "", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := sessionCookie(t, resp); c.MaxAge >= 0 {
		t.Fatalf("logout did not clear the cookie: %+v", c)
	}
	// The old cookie is dead on the server, not only in this browser.
	replay := a.browser()
	replay.setCookie(cookie.Value)
	if who := replay.signedInAs(); who != "" {
		t.Fatalf("the logged-out session still works as %q", who)
	}
}

// requestIDs finds the request id a page shows.
var requestIDs = regexp.MustCompile(`[0-9a-f]{16}`)

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName || c.Name == auth.SecureCookieName {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", resp.Header["Set-Cookie"])
	return nil
}

// TestLoginDoesNotTellWhetherTheUserExists: a wrong password and a user
// who does not exist get the same answer (and both cost one argon2 check).
func TestLoginDoesNotTellWhetherTheUserExists(t *testing.T) {
	a := newAPI(t)
	a.addUser("sam", incident.RoleViewer, password)
	answer := func(user string) (int, string) {
		resp, body := a.browser().postForm("/login", url.Values{"username": {user}, "password": {"wrong password!"}})
		// Each answer has its own request id; nothing else may differ.
		page := requestIDs.ReplaceAllString(string(body), "ID")
		return resp.StatusCode, strings.ReplaceAll(page, user, "USER")
	}
	s1, b1 := answer("sam")
	s2, b2 := answer("nosuchuser")
	if s1 != http.StatusUnauthorized || s1 != s2 || b1 != b2 {
		t.Fatalf("answers differ:\n%d %s\n%d %s", s1, b1, s2, b2)
	}
	if !strings.Contains(b1, "The user name or password is not right.") {
		t.Fatalf("no message: %s", b1)
	}
	// A user without a password (single sign-on) cannot log in with one.
	a.as(incident.RoleViewer) // makes "viewer", who has none
	if s, _ := answer("viewer"); s != http.StatusUnauthorized {
		t.Fatalf("a password-less account: %d", s)
	}
}

// TestSessionFixation: a session id planted before the login (the
// attacker's own session, or a made-up id) is worth nothing after it.
func TestSessionFixation(t *testing.T) {
	a := newAPI(t)
	a.addUser("mallory", incident.RoleViewer, password)
	a.addUser("alice", incident.RoleAdmin, password)
	attacker := a.browser()
	attacker.login("mallory", password)
	planted := attacker.cookie()

	victim := a.browser()
	victim.setCookie(planted)
	victim.login("alice", password)
	if got := victim.cookie(); got == planted || got == "" {
		t.Fatalf("the session id did not change at login: %q", got)
	}
	if who := victim.signedInAs(); who != "alice" {
		t.Fatalf("victim is %q", who)
	}
	// The planted id names nobody now: not alice, not even mallory.
	if who := attacker.signedInAs(); who != "" {
		t.Fatalf("the planted session is %q after the victim's login", who)
	}

	made := a.browser()
	made.setCookie("attacker-chosen-session-id-0000000000000")
	made.login("alice", password)
	if made.cookie() == "attacker-chosen-session-id-0000000000000" {
		t.Fatal("a made-up session id was kept")
	}
}

// TestExpiredSessions: a session unused for the idle timeout ends, and
// every session ends at its absolute lifetime, however busy.
func TestExpiredSessions(t *testing.T) {
	a, clock := newClockedAPI(t, web.Config{}, auth.Config{SessionIdle: 30 * time.Minute, SessionLifetime: 2 * time.Hour})
	a.addUser("sam", incident.RoleViewer, password)

	idle := a.browser()
	idle.login("sam", password)
	clock.Add(29 * time.Minute)
	if who := idle.signedInAs(); who != "sam" {
		t.Fatalf("after 29 idle minutes: %q", who)
	}
	clock.Add(31 * time.Minute)
	if who := idle.signedInAs(); who != "" {
		t.Fatalf("after 31 idle minutes the session is still %q", who)
	}
	resp, _ := idle.do("GET", "/", "", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an idle-expired session reached /: %d", resp.StatusCode)
	}

	busy := a.browser()
	busy.login("sam", password)
	for range 5 { // every 20 minutes: never idle, 1 h 40 in all
		clock.Add(20 * time.Minute)
		if who := busy.signedInAs(); who != "sam" {
			t.Fatalf("a busy session ended early")
		}
	}
	clock.Add(21 * time.Minute) // 2 h 01 after the login
	if who := busy.signedInAs(); who != "" {
		t.Fatalf("past its lifetime the session is still %q", who)
	}
}

// TestPasswordChangeEndsSessions: a new password (from an admin, the CLI
// or the person) ends every session of the account made before it; the
// person who changed their own stays signed in.
func TestPasswordChangeEndsSessions(t *testing.T) {
	a := newAPI(t)
	a.addUser("sam", incident.RoleResponder, password)
	laptop, phone := a.browser(), a.browser()
	laptop.login("sam", password)
	phone.login("sam", password)

	resp, body := laptop.do("POST", "/api/v1/me/password", "application/json",
		[]byte(`{"current_password": "wrong one", "new_password": "a brand new password"}`))
	if resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte("current_password")) {
		t.Fatalf("a wrong current password: %d %s", resp.StatusCode, body)
	}
	resp, body = laptop.do("POST", "/api/v1/me/password", "application/json",
		[]byte(`{"current_password": "`+password+`", "new_password": "short"}`))
	if resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte("new_password")) {
		t.Fatalf("a short new password: %d %s", resp.StatusCode, body)
	}
	resp, body = laptop.do("POST", "/api/v1/me/password", "application/json",
		[]byte(`{"current_password": "`+password+`", "new_password": "a brand new password"}`))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("password change: %d %s", resp.StatusCode, body)
	}
	if who := laptop.signedInAs(); who != "sam" {
		t.Fatalf("the person who changed it was signed out")
	}
	if who := phone.signedInAs(); who != "" {
		t.Fatalf("another session survived the change: %q", who)
	}
	a.browser().login("sam", "a brand new password")

	// An admin's reset ends the laptop's session too.
	a.json("PATCH", "/api/v1/users/sam", map[string]any{"password": "reset by the admin"}, http.StatusOK, nil)
	if who := laptop.signedInAs(); who != "" {
		t.Fatalf("a session survived the admin's reset: %q", who)
	}
	// So does ending the sessions without a new password.
	laptop.login("sam", "reset by the admin")
	a.json("PATCH", "/api/v1/users/sam", map[string]any{"end_sessions": true}, http.StatusOK, nil)
	if who := laptop.signedInAs(); who != "" {
		t.Fatalf("a session survived end_sessions: %q", who)
	}
}

// TestLoginRateLimit: ten failures in a row lock the account, from any
// address, and lock the address, for any account; a success before then
// clears the run.
func TestLoginRateLimit(t *testing.T) {
	a := newAPIWith(t, web.Config{TrustedProxies: []string{"127.0.0.1", "::1"}})
	a.addUser("sam", incident.RoleViewer, password)
	a.addUser("kim", incident.RoleViewer, password)
	try := a.loginFrom

	// Per account: failures from ten addresses lock sam everywhere.
	for i := range 9 {
		if s, _ := try("sam", "wrong password", fmt.Sprintf("198.51.100.%d", i)); s != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, s)
		}
	}
	if s, _ := try("sam", password, "198.51.100.50"); s != http.StatusSeeOther {
		t.Fatalf("the right password after nine failures: %d", s)
	}
	for i := range 10 { // the success cleared the run: ten more to lock
		if s, _ := try("sam", "wrong password", fmt.Sprintf("198.51.100.%d", i)); s != http.StatusUnauthorized {
			t.Fatalf("failure %d after the success: %d", i, s)
		}
	}
	status, retry := try("sam", password, "203.0.113.9")
	if status != http.StatusTooManyRequests || retry == "" {
		t.Fatalf("locked account with the right password, from a new address: %d Retry-After %q", status, retry)
	}
	if s, _ := try("kim", password, "203.0.113.9"); s != http.StatusSeeOther {
		t.Fatalf("another account from that address: %d", s)
	}

	// Per address: failures against many names (real or not) lock it.
	for i := range 10 {
		if s, _ := try(fmt.Sprintf("guess%d", i), "wrong password", "192.0.2.7"); s != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, s)
		}
	}
	if s, _ := try("kim", password, "192.0.2.7"); s != http.StatusTooManyRequests {
		t.Fatalf("a locked address with kim's right password: %d", s)
	}
	if s, _ := try("kim", password, "192.0.2.8"); s != http.StatusSeeOther {
		t.Fatalf("kim from another address: %d", s)
	}
	// An account that does not exist locks like one that does.
	for range 10 {
		try("ghost", "wrong password", "2001:db8::1")
	}
	if s, _ := try("ghost", "wrong password", "2001:db8:1::1"); s != http.StatusTooManyRequests {
		t.Fatalf("a made-up account was not locked: %d", s)
	}
}

// TestPagesAreCappedAndLimited: the pages share the API's body cap and
// rate limit; the probes are never limited.
func TestPagesAreCappedAndLimited(t *testing.T) {
	a := newAPIWith(t, web.Config{RateLimit: 0.001, RateBurst: 2})
	b := a.browser()
	if resp, _ := b.do("POST", "/login", "application/x-www-form-urlencoded", bytes.Repeat([]byte("a"), 2<<20)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 2 MiB login form: %d", resp.StatusCode)
	}
	b.do("GET", "/login", "", nil)
	resp, page := b.do("GET", "/login", "", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !bytes.Contains(page, []byte("<h1>Too Many Requests</h1>")) {
		t.Fatalf("over the limit: %d %s", resp.StatusCode, page)
	}
	for range 5 {
		if resp, _ := b.do("GET", "/healthz", "", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("/healthz limited: %d", resp.StatusCode)
		}
	}
}

// TestSecureCookieBehindHTTPS: the cookie is Secure (and __Host-) when a
// trusted proxy says the client used HTTPS, and not when anyone else says
// so.
func TestSecureCookieBehindHTTPS(t *testing.T) {
	for _, tt := range []struct {
		name    string
		proxies []string
		secure  bool
	}{
		{"trusted proxy", []string{"127.0.0.1/8", "::1"}, true},
		{"untrusted client", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPIWith(t, web.Config{TrustedProxies: tt.proxies})
			a.addUser("sam", incident.RoleViewer, password)
			req, _ := http.NewRequest("POST", a.url+"/login", strings.NewReader(url.Values{"username": {"sam"}, "password": {password}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-Proto", "https")
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			c := sessionCookie(t, resp)
			if c.Secure != tt.secure || (c.Name == auth.SecureCookieName) != tt.secure {
				t.Fatalf("cookie %s Secure=%v", c.Name, c.Secure)
			}
			if hsts := resp.Header.Get("Strict-Transport-Security"); (hsts != "") != tt.secure {
				t.Fatalf("Strict-Transport-Security %q", hsts)
			}
		})
	}
}

// TestRedirectStaysOnSite: the login's next parameter cannot send a person
// to another site.
func TestRedirectStaysOnSite(t *testing.T) {
	a := newAPI(t)
	a.addUser("sam", incident.RoleViewer, password)
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "/login"} {
		resp, _ := a.browser().postForm("/login", url.Values{"username": {"sam"}, "password": {password}, "next": {next}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("next=%q: %d to %q", next, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}
