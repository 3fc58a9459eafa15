package web_test

import (
	"bytes"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// browser is a person's browser against the api's server: it keeps
// cookies, does not follow redirects (tests look at them), and sends the
// headers a browser sends on a same-origin form post.
type browser struct {
	t      testing.TB
	a      *api
	client *http.Client
	// headers are added to every unsafe request; a same-origin browser's
	// by default.
	headers map[string]string
}

func (a *api) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return &browser{t: a.t, a: a, headers: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": a.url},
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
}

// addUser makes an account with a password.
func (a *api) addUser(name string, role incident.Role, password string) *incident.User {
	a.t.Helper()
	u, err := a.accounts.AddUser(a.t.Context(), name, role, password)
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// do sends a request with the browser's cookies; body goes with
// contentType.
func (b *browser) do(method, path, contentType string, body []byte) (*http.Response, []byte) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.a.url+path, bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != "GET" && method != "HEAD" {
		for k, v := range b.headers {
			req.Header.Set(k, v)
		}
	}
	return b.a.sendWith(b.client, req)
}

// postForm posts an HTML form.
func (b *browser) postForm(path string, form url.Values) (*http.Response, []byte) {
	b.t.Helper()
	return b.do("POST", path, "application/x-www-form-urlencoded", []byte(form.Encode()))
}

// login posts the login form and fails the test unless it redirects.
func (b *browser) login(name, password string) {
	b.t.Helper()
	resp, body := b.postForm("/login", url.Values{"username": {name}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login as %s: %d %s", name, resp.StatusCode, body)
	}
}

// cookie is the browser's session cookie, "" if it has none.
func (b *browser) cookie() string {
	u, _ := url.Parse(b.a.url)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == auth.CookieName {
			return c.Value
		}
	}
	return ""
}

// setCookie plants a session cookie, as an attacker might.
func (b *browser) setCookie(value string) {
	u, _ := url.Parse(b.a.url)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: value, Path: "/"}})
}

// signedInAs asks /api/v1/me who the browser's session names, "" for
// nobody.
func (b *browser) signedInAs() string {
	b.t.Helper()
	resp, body := b.do("GET", "/api/v1/me", "", nil)
	if resp.StatusCode == http.StatusUnauthorized {
		return ""
	}
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("/api/v1/me: %d %s", resp.StatusCode, body)
	}
	_, after, _ := strings.Cut(string(body), `"name":"`)
	name, _, _ := strings.Cut(after, `"`)
	return name
}

// loginFrom posts the login form from a fresh browser, as a client at
// address from behind a trusted proxy, and returns the status and the
// Retry-After header.
func (a *api) loginFrom(user, password, from string) (int, string) {
	a.t.Helper()
	req, _ := http.NewRequest("POST", a.url+"/login", strings.NewReader(url.Values{"username": {user}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", from)
	resp, err := a.browser().client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}
