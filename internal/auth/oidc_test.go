package auth

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func newTestOIDC(t *testing.T, defaultRole incident.Role) (*OIDC, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	o, err := NewOIDC(context.Background(), OIDCConfig{Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		RedirectURL: "http://127.0.0.1:1/login/oidc/callback", DefaultRole: defaultRole,
		Roles: map[string]incident.Role{"sre": incident.RoleResponder, "leads": incident.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	return o, m
}

// authorize follows the provider's authorization endpoint and returns the
// code it sends back.
func authorize(t *testing.T, authURL string) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		t.Fatalf("provider answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.Query().Get("code")
}

func TestOIDCChecksTheFlow(t *testing.T) {
	o, m := newTestOIDC(t, "")
	ctx := context.Background()
	for name, spoil := range map[string]func(*Flow){
		"a nonce not the flow's":  func(f *Flow) { f.Nonce = "another nonce" },
		"a PKCE verifier not its": func(f *Flow) { f.Verifier = "a-verifier-that-is-long-enough-to-be-valid-0123456789" },
		"a state not its":         func(f *Flow) { f.State = "another state" },
		"no flow in the session":  func(f *Flow) { *f = Flow{} },
	} {
		t.Run(name, func(t *testing.T) {
			m.QueueUser(&mockoidc.MockUser{Subject: "s", PreferredUsername: "sam", Groups: []string{"sre"}})
			authURL, flow := o.Begin()
			code := authorize(t, authURL)
			state := flow.State
			spoil(&flow)
			if _, err := o.Finish(ctx, flow, state, code); incident.ErrorCode(err) != incident.EUNAUTHORIZED {
				t.Fatalf("Finish: %v", err)
			}
		})
	}
	// The same code works once with the flow as it was.
	m.QueueUser(&mockoidc.MockUser{Subject: "s", PreferredUsername: "Sam", Groups: []string{"staff", "leads", "sre"}})
	authURL, flow := o.Begin()
	code := authorize(t, authURL)
	id, err := o.Finish(ctx, flow, flow.State, code)
	if err != nil || id.Name != "sam" || id.Role != incident.RoleAdmin || id.Subject != m.Issuer()+" s" {
		t.Fatalf("identity %+v %v", id, err)
	}
	if _, err := o.Finish(ctx, flow, flow.State, code); err == nil {
		t.Fatal("a code was used twice")
	}
	// No group that maps and no default role: refused.
	m.QueueUser(&mockoidc.MockUser{Subject: "t", PreferredUsername: "tom", Groups: []string{"finance"}})
	authURL, flow = o.Begin()
	if _, err := o.Finish(ctx, flow, flow.State, authorize(t, authURL)); incident.ErrorCode(err) != incident.EFORBIDDEN {
		t.Fatalf("no role: %v", err)
	}
}

func TestOIDCRoleAndName(t *testing.T) {
	o, _ := newTestOIDC(t, incident.RoleViewer)
	for _, tt := range []struct {
		claims map[string]any
		role   incident.Role
		name   string
	}{
		{map[string]any{"groups": []any{"sre", 7}, "preferred_username": "Ann"}, incident.RoleResponder, "ann"},
		{map[string]any{"groups": "leads sre", "email": "bo@example.com"}, incident.RoleAdmin, "bo@example.com"},
		{map[string]any{"groups": nil, "preferred_username": "ünï"}, incident.RoleViewer, "oidc-sub"},
	} {
		if r := o.roleFrom(tt.claims); r != tt.role {
			t.Errorf("roleFrom(%v) = %s, want %s", tt.claims, r, tt.role)
		}
		if n := o.nameFrom(tt.claims, "sub"); n != tt.name {
			t.Errorf("nameFrom(%v) = %s, want %s", tt.claims, n, tt.name)
		}
	}
}
