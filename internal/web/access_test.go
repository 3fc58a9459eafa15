package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// caller is one way of asking: anonymously, or as a role through a token
// or a browser session.
type caller struct {
	name string
	role incident.Role // "" for anonymous
	send func(method, path, contentType string, body []byte) (*http.Response, []byte)
}

// callers are every combination the matrix walks.
func callers(t *testing.T, a *api) []caller {
	viaToken := func(b *api) func(string, string, string, []byte) (*http.Response, []byte) {
		return func(method, path, contentType string, body []byte) (*http.Response, []byte) {
			req := b.request(method, path, body)
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			return b.sendWith(client, req)
		}
	}
	out := []caller{{name: "anonymous", send: viaToken(a.anonymous())}}
	for _, role := range incident.Roles {
		out = append(out, caller{name: string(role) + " token", role: role, send: viaToken(a.as(role))})
		b := a.browser()
		name := "session-" + string(role)
		a.addUser(name, role, "a long enough password")
		b.login(name, "a long enough password")
		out = append(out, caller{name: string(role) + " session", role: role,
			send: func(method, path, contentType string, body []byte) (*http.Response, []byte) {
				resp, data := b.do(method, path, contentType, body)
				if path == "/logout" {
					b.login(name, "a long enough password") // for the routes after it
				}
				return resp, data
			}})
	}
	return out
}

// allowed says whether a caller of role may call a route of access.
func allowed(access web.Access, role incident.Role) bool {
	switch access {
	case web.AccessOpen:
		return true
	case web.AccessSignedIn:
		return role != ""
	case web.AccessViewer:
		return role.AtLeast(incident.RoleViewer)
	case web.AccessResponder:
		return role.AtLeast(incident.RoleResponder)
	case web.AccessAdmin:
		return role.AtLeast(incident.RoleAdmin)
	}
	return false
}

// TestRoleRouteMatrix walks the router's own routes (not a list kept
// here), so a route added without a rule in the route table fails, and
// calls each as every caller: anonymous, and each role by token and by
// session. A caller not allowed gets 401 (a page: a redirect to /login)
// or 403 in the error shape; an allowed one gets neither.
func TestRoleRouteMatrix(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	victim := a.addUser("victim", incident.RoleViewer, "a long enough password")
	_, _, err := a.accounts.CreateToken(t.Context(), victim, auth.TokenRequest{Label: "to revoke"})
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := a.accounts.Tokens(t.Context(), victim.ID)
	who := callers(t, a)

	params := map[string]string{
		":id":       fmt.Sprint(inc.ID),
		":key":      "linktree",
		":name":     "victim",
		":slug":     "db-pool-exhaustion",
		"*filepath": "aftermath.css",
		":file":     "linktree.atom",
		":item":     "0",
	}
	routes := a.server.Routes()
	if len(routes) < 30 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, r := range routes {
		if r.Access == web.AccessNone {
			t.Errorf("%s %s has no rule in the route table", r.Method, r.Path)
			continue
		}
		path := r.Path
		for param, value := range params {
			if strings.HasPrefix(r.Path, "/api/v1/tokens/") && param == ":id" {
				value = tokens[0].ID
			}
			path = strings.Replace(path, param, value, 1)
		}
		contentType, body := "", []byte(nil)
		switch {
		case r.Method == "GET" || r.Method == "HEAD" || r.Method == "DELETE":
		case strings.HasPrefix(r.Path, "/api/v1/import"):
			contentType, body = "text/markdown", []byte("---\ntitle: x\n---\n")
		case r.Path == "/api/v1/catalog":
			contentType, body = "application/yaml", []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: linktree}\n")
		case strings.HasPrefix(r.Path, "/api/"):
			contentType, body = "application/json", []byte(`{}`)
		default:
			contentType, body = "application/x-www-form-urlencoded", []byte(url.Values{"username": {"nobody"}}.Encode())
		}
		for _, c := range who {
			t.Run(r.Method+" "+r.Path+" as "+c.name, func(t *testing.T) {
				resp, data := c.send(r.Method, path, contentType, body)
				status := resp.StatusCode
				if allowed(r.Access, c.role) {
					// POST /login answers 401 to wrong credentials, which
					// the form here carries on purpose.
					if status == http.StatusForbidden || status == http.StatusUnauthorized && r.Path != "/login" {
						t.Fatalf("allowed, but %d: %.300s", status, data)
					}
					return
				}
				switch {
				case c.role != "" && status == http.StatusForbidden:
				case c.role == "" && (strings.HasPrefix(r.Path, "/api/") || strings.HasPrefix(r.Path, "/feeds/") || r.Path == "/metrics"):
					if status != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer") {
						t.Fatalf("anonymous: %d %s, want 401 with WWW-Authenticate", status, data)
					}
				case c.role == "" && r.Method == "GET":
					if status != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
						t.Fatalf("anonymous page: %d to %q, want a redirect to /login", status, resp.Header.Get("Location"))
					}
					return
				case c.role == "" && status == http.StatusUnauthorized:
				default:
					t.Fatalf("status %d, want it refused: %.300s", status, data)
				}
				var e apiError
				if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") &&
					(json.Unmarshal(data, &e) != nil || e.Error.Code == "" || e.Error.Message == "") {
					t.Fatalf("refusal not in the error shape: %s", data)
				}
			})
		}
	}
}
