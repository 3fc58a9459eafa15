package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// TestCrossSitePostsAreRefused: a page on another site cannot act for a
// signed-in admin, whatever the content type of its post, and whether the
// browser says so with Sec-Fetch-Site or only with Origin. Nothing
// changes. The same posts from our own origin work.
func TestCrossSitePostsAreRefused(t *testing.T) {
	a := newAPI(t)
	a.addUser("alice", incident.RoleAdmin, password)
	var multi bytes.Buffer
	mw := multipart.NewWriter(&multi)
	mw.WriteField("kind", "gap")
	mw.WriteField("slug", "evil")
	mw.Close()
	bodies := []struct{ contentType, body string }{
		{"application/x-www-form-urlencoded", "kind=gap&slug=evil"},
		{mw.FormDataContentType(), multi.String()},
		{"text/plain", `{"kind":"gap","slug":"evil"}`},
		{"application/json", `{"kind":"gap","slug":"evil"}`},
	}
	foreign := []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://evil.aftermath.example"},
		{"Origin": "https://evil.example"}, // an older browser: Origin only
		{},                                 // neither: the cookie does not count
	}
	victim := a.browser()
	victim.login("alice", password)
	for _, headers := range foreign {
		victim.headers = headers
		for _, b := range bodies {
			for _, path := range []string{"/api/v1/categories", "/logout", "/api/v1/tokens"} {
				resp, body := victim.do("POST", path, b.contentType, []byte(b.body))
				if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("another origin")) {
					t.Errorf("%v %s %s: %d %s", headers, path, b.contentType, resp.StatusCode, body)
				}
			}
		}
		resp, _ := victim.do("DELETE", "/api/v1/incidents/1", "", nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%v DELETE: %d", headers, resp.StatusCode)
		}
	}
	if _, body := a.do("GET", "/api/v1/categories", nil); bytes.Contains(body, []byte("evil")) {
		t.Fatal("a cross-site post added a category")
	}
	var tokens struct{ Items []struct{ User string } }
	a.json("GET", "/api/v1/tokens?user=alice", nil, http.StatusOK, &tokens)
	if len(tokens.Items) != 0 {
		t.Fatal("a cross-site post made a token")
	}
	victim.headers = map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": a.url}
	if who := victim.signedInAs(); who != "alice" {
		t.Fatal("a cross-site logout logged the victim out")
	}
	if resp, body := victim.do("POST", "/api/v1/categories", "application/json", []byte(`{"kind":"gap","slug":"ours"}`)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("a same-origin post: %d %s", resp.StatusCode, body)
	}

	// A token is not a cookie: a script with one needs no browser headers.
	a.json("POST", "/api/v1/categories", map[string]string{"kind": "gap", "slug": "from-a-script"}, http.StatusCreated, nil)
}

// TestTrustedOrigin: an origin the operator names may post.
func TestTrustedOrigin(t *testing.T) {
	a := newAPIWith(t, web.Config{TrustedOrigins: []string{"https://ui.example.com"}})
	a.addUser("alice", incident.RoleAdmin, password)
	b := a.browser()
	b.login("alice", password)
	b.headers = map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://ui.example.com"}
	if resp, body := b.do("POST", "/api/v1/categories", "application/json", []byte(`{"kind":"gap","slug":"trusted"}`)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("from a trusted origin: %d %s", resp.StatusCode, body)
	}
}

// TestContentTypes: the JSON API takes JSON only (415 otherwise), the
// import markdown only.
func TestContentTypes(t *testing.T) {
	a := newAPI(t)
	for _, tt := range []struct {
		path, contentType string
		want              int
	}{
		{"/api/v1/categories", "text/plain", http.StatusUnsupportedMediaType},
		{"/api/v1/categories", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"/api/v1/categories", "", http.StatusUnsupportedMediaType},
		{"/api/v1/categories", "application/json; charset=utf-8", http.StatusCreated},
		{"/api/v1/import", "application/json", http.StatusUnsupportedMediaType},
		{"/api/v1/import", "text/markdown; charset=utf-8", http.StatusCreated},
	} {
		body := `{"kind":"gap","slug":"s` + strings.NewReplacer("/", "", ";", "", " ", "", "=", "").Replace(tt.contentType) + `"}`
		if strings.HasSuffix(tt.path, "import") {
			body = "---\ntitle: Typed\nservice: api\nseverity: SEV3\n---\n"
		}
		req := a.request("POST", tt.path, []byte(body))
		req.Header.Del("Content-Type")
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		resp, data := a.send(req)
		if resp.StatusCode != tt.want {
			t.Errorf("%s as %q: %d %s", tt.path, tt.contentType, resp.StatusCode, data)
		}
		if tt.want == http.StatusUnsupportedMediaType && !bytes.Contains(data, []byte(`"unsupported_media_type"`)) {
			t.Errorf("415 not in the error shape: %s", data)
		}
	}
}

// TestSecurityHeadersOnEveryAnswer: successes, errors of every kind,
// redirects, static files, pages and refusals all carry the headers.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	a := newAPI(t)
	b := a.browser()
	b.headers = map[string]string{"Sec-Fetch-Site": "cross-site"}
	answers := map[string]func() *http.Response{
		"200 JSON": func() *http.Response { r, _ := a.get("/api/v1/categories"); return r },
		"401":      func() *http.Response { r, _ := a.anonymous().get("/api/v1/categories"); return r },
		"403": func() *http.Response {
			r, _ := a.as(incident.RoleViewer).send(a.as(incident.RoleViewer).request("DELETE", "/api/v1/incidents/1", nil))
			return r
		},
		"404":          func() *http.Response { r, _ := a.get("/no/such/page"); return r },
		"405":          func() *http.Response { r, _ := a.send(a.request("PUT", "/api/v1/incidents", nil)); return r },
		"415":          func() *http.Response { r, _ := b.do("POST", "/api/v1/categories", "text/plain", []byte("x")); return r },
		"cross-site":   func() *http.Response { r, _ := b.do("POST", "/logout", "", nil); return r },
		"303 redirect": func() *http.Response { r, _ := b.do("GET", "/", "", nil); return r },
		"login page":   func() *http.Response { r, _ := b.do("GET", "/login", "", nil); return r },
		"static file":  func() *http.Response { r, _ := b.do("GET", "/static/aftermath.css", "", nil); return r },
		"static 404":   func() *http.Response { r, _ := b.do("GET", "/static/", "", nil); return r },
		"probe":        func() *http.Response { r, _ := b.do("GET", "/healthz", "", nil); return r },
	}
	for name, answer := range answers {
		resp := answer()
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
			h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s (%d): headers %v", name, resp.StatusCode, h)
		}
	}
	if r := answers["static file"](); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("static file: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if r := answers["static 404"](); r.StatusCode != http.StatusNotFound {
		t.Errorf("a static folder is listed: %d", r.StatusCode)
	}
}
