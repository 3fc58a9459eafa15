package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/storetest"
	"github.com/aftermath-sre/aftermath/internal/web"
)

type tokenAnswer struct {
	ID        string     `json:"id"`
	User      string     `json:"user"`
	Label     string     `json:"label"`
	Role      string     `json:"role"`
	Token     string     `json:"token"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func TestTokensThroughTheAPI(t *testing.T) {
	a, clock := newClockedAPI(t, web.Config{}, auth.Config{})
	viewer := a.as(incident.RoleViewer)

	var made tokenAnswer
	viewer.json("POST", "/api/v1/tokens", map[string]any{"label": "grafana", "expires_in": "30d"}, http.StatusCreated, &made)
	if !strings.HasPrefix(made.Token, "aft_") || len(made.Token) != 47 || made.ID == "" || made.User != "viewer" ||
		made.ExpiresAt == nil || made.ExpiresAt.Sub(clock.Now()) < 29*24*time.Hour {
		t.Fatalf("created %+v", made)
	}
	for _, r := range strings.TrimPrefix(made.Token, "aft_") {
		if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", r) {
			t.Fatalf("token %q has %q", made.Token, r)
		}
	}
	mine := a.withToken(made.Token)
	var me struct{ Name, Role string }
	mine.json("GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.Name != "viewer" || me.Role != "viewer" {
		t.Fatalf("me: %+v", me)
	}

	// The list never shows a secret or a hash; a viewer sees their own.
	_, body := viewer.do("GET", "/api/v1/tokens", nil)
	if bytes.Contains(body, []byte(made.Token)) || bytes.Contains(body, []byte("hash")) || !bytes.Contains(body, []byte(`"last_used_at"`)) {
		t.Fatalf("token list: %s", body)
	}
	var list struct{ Items []tokenAnswer }
	json.Unmarshal(body, &list)
	for _, tok := range list.Items {
		if tok.User != "viewer" {
			t.Fatalf("a viewer sees %s's token", tok.User)
		}
	}
	a.json("GET", "/api/v1/tokens?user=viewer", nil, http.StatusOK, &list)
	if len(list.Items) != 2 { // the helper's and grafana
		t.Fatalf("admin's list of viewer's tokens: %+v", list.Items)
	}

	// A token cannot be above its owner, and may be capped below.
	viewer.json("POST", "/api/v1/tokens", map[string]any{"role": "admin"}, http.StatusUnprocessableEntity, nil)
	viewer.json("POST", "/api/v1/tokens", map[string]any{"user": "admin"}, http.StatusForbidden, nil)
	var capped tokenAnswer
	a.json("POST", "/api/v1/tokens", map[string]any{"label": "prometheus", "role": "viewer"}, http.StatusCreated, &capped)
	a.withToken(capped.Token).json("DELETE", "/api/v1/incidents/1", nil, http.StatusForbidden, nil)
	a.withToken(capped.Token).json("POST", "/api/v1/tokens", map[string]any{"role": "admin"}, http.StatusUnprocessableEntity, nil)

	// Someone else's token is not found; an admin may revoke it.
	a.as(incident.RoleResponder).json("DELETE", "/api/v1/tokens/"+made.ID, nil, http.StatusNotFound, nil)
	mine.json("GET", "/api/v1/me", nil, http.StatusOK, nil)
	a.json("DELETE", "/api/v1/tokens/"+made.ID, nil, http.StatusNoContent, nil)
	// Revoked on this instance: refused at once, cache or not.
	mine.json("GET", "/api/v1/me", nil, http.StatusUnauthorized, nil)

	// Expiry.
	var brief tokenAnswer
	viewer.json("POST", "/api/v1/tokens", map[string]any{"expires_in": "1h"}, http.StatusCreated, &brief)
	a.withToken(brief.Token).json("GET", "/api/v1/me", nil, http.StatusOK, nil)
	clock.Add(time.Hour)
	var e apiError
	a.withToken(brief.Token).json("GET", "/api/v1/me", nil, http.StatusUnauthorized, &e)
	if e.Error.Code != "unauthorized" || !strings.Contains(e.Error.Message, "expired") {
		t.Fatalf("expired token: %+v", e.Error)
	}

	// Bad credentials are refused, never taken for no credentials.
	for _, header := range []string{"Bearer aft_nonsense", "Bearer " + strings.Repeat("x", 47), "Basic YWRtaW46YWRtaW4=", "Bearer"} {
		req := a.anonymous().request("GET", "/api/v1/categories", nil)
		req.Header.Set("Authorization", header)
		if resp, body := a.send(req); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("Authorization %q: %d %s", header, resp.StatusCode, body)
		}
	}
	viewer.json("POST", "/api/v1/tokens", map[string]any{"expires_in": "soon"}, http.StatusUnprocessableEntity, nil)
}

// TestRevokedTokenDiesWithinSeconds: two instances on one database. A
// token revoked through one is refused by the other once its cache entry
// (a few seconds) runs out, and not before a database read.
func TestRevokedTokenDiesWithinSeconds(t *testing.T) {
	a, clock := newClockedAPI(t, web.Config{}, auth.Config{CacheTTL: 5 * time.Second})
	other := auth.New(auth.Config{Store: a.store, Now: clock.Now, CacheTTL: 5 * time.Second})
	u, _ := a.store.UserByName(t.Context(), "admin")
	tok, secret, err := a.accounts.CreateToken(t.Context(), u, auth.TokenRequest{Label: "shared"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.AuthenticateToken(t.Context(), secret); err != nil {
		t.Fatal(err)
	}
	if _, err := a.accounts.RevokeToken(t.Context(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.accounts.AuthenticateToken(t.Context(), secret); err == nil {
		t.Fatal("the revoking instance still accepts the token")
	}
	clock.Add(4 * time.Second)
	if _, err := other.AuthenticateToken(t.Context(), secret); err != nil {
		t.Fatalf("within the cache's 5 s the other instance answers from memory: %v", err)
	}
	clock.Add(time.Second)
	if _, err := other.AuthenticateToken(t.Context(), secret); incident.ErrorCode(err) != incident.EUNAUTHORIZED {
		t.Fatalf("5 s after the revocation the other instance still accepts it: %v", err)
	}
}

// TestTokenUseIsWrittenInBatches: using a token writes nothing; a flush
// writes when it was last used.
func TestTokenUseIsWrittenInBatches(t *testing.T) {
	a := newAPI(t)
	a.json("GET", "/api/v1/me", nil, http.StatusOK, nil)
	tokens, _ := a.accounts.Tokens(t.Context(), a.user.ID)
	if tokens[0].LastUsedAt != nil {
		t.Fatalf("last_used_at written on use: %v", tokens[0].LastUsedAt)
	}
	if err := a.server.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	tokens, _ = a.accounts.Tokens(t.Context(), a.user.ID)
	if tokens[0].LastUsedAt == nil || time.Since(*tokens[0].LastUsedAt) > time.Minute {
		t.Fatalf("last_used_at after the flush: %v", tokens[0].LastUsedAt)
	}
}

func TestUsersThroughTheAPI(t *testing.T) {
	a := newAPI(t)
	var u struct{ Name, Role, Source string }
	a.json("POST", "/api/v1/users", map[string]any{"name": "Sam.Ops", "role": "responder", "password": password}, http.StatusCreated, &u)
	if u.Name != "sam.ops" || u.Role != "responder" || u.Source != "local" {
		t.Fatalf("created %+v", u)
	}
	for _, bad := range []map[string]any{
		{"name": "sam.ops", "role": "viewer", "password": password},  // taken (case does not count)
		{"name": "SAM.OPS", "role": "viewer", "password": password},  // taken
		{"name": "new", "role": "owner", "password": password},       // no such role
		{"name": "new", "role": "viewer", "password": "short"},       // too short
		{"name": "<script>", "role": "viewer", "password": password}, // not a name
		{"name": "ѕam", "role": "viewer", "password": password},      // a Cyrillic look-alike
		{"name": strings.Repeat("a", 65), "role": "viewer", "password": password},
	} {
		a.json("POST", "/api/v1/users", bad, http.StatusUnprocessableEntity, nil)
	}
	_, body := a.do("GET", "/api/v1/users", nil)
	if !bytes.Contains(body, []byte(`"sam.ops"`)) || bytes.Contains(body, []byte("argon2")) || bytes.Contains(body, []byte("password")) {
		t.Fatalf("users: %s", body)
	}
	a.json("PATCH", "/api/v1/users/Sam.Ops", map[string]any{"role": "admin"}, http.StatusOK, &u)
	if u.Role != "admin" {
		t.Fatalf("patched %+v", u)
	}
	// The last admin stays one.
	a.json("DELETE", "/api/v1/users/sam.ops", nil, http.StatusNoContent, nil)
	a.json("PATCH", "/api/v1/users/admin", map[string]any{"role": "viewer"}, http.StatusUnprocessableEntity, nil)
	a.json("DELETE", "/api/v1/users/admin", nil, http.StatusUnprocessableEntity, nil)
	a.json("DELETE", "/api/v1/users/nobody", nil, http.StatusNotFound, nil)
	// A deleted user's tokens die with it.
	r := a.as(incident.RoleResponder)
	r.json("GET", "/api/v1/me", nil, http.StatusOK, nil)
	a.json("DELETE", "/api/v1/users/responder", nil, http.StatusNoContent, nil)
	r.json("GET", "/api/v1/me", nil, http.StatusUnauthorized, nil)
}

// TestSecretsNeverStoredInClear: after a login, a token and a password
// change, the database file and its WAL hold no password, token or
// session id, only their hashes.
func TestSecretsNeverStoredInClear(t *testing.T) {
	a := newAPI(t)
	a.addUser("sam", incident.RoleAdmin, password)
	b := a.browser()
	b.login("sam", password)
	session := b.cookie()
	var made tokenAnswer
	a.json("POST", "/api/v1/tokens", map[string]any{"label": "ci"}, http.StatusCreated, &made)
	a.json("PATCH", "/api/v1/users/sam", map[string]any{"password": "the second password"}, http.StatusOK, nil)
	b.login("sam", "the second password")
	session2 := b.cookie()

	db := storetest.Contents(t, a.store)
	for what, secret := range map[string]string{
		"the first password": password, "the second password": "the second password",
		"the API token": made.Token, "the token's secret part": strings.TrimPrefix(made.Token, "aft_"),
		"the first session id": session, "the second session id": session2, "the admin's token": a.token,
	} {
		if secret == "" {
			t.Fatalf("%s is empty", what)
		}
		if bytes.Contains(db, []byte(secret)) {
			t.Errorf("%s is in the database file in clear", what)
		}
	}
	if !bytes.Contains(db, []byte("$argon2id$v=19$")) {
		t.Error("no argon2id hash in the database: is the file the right one?")
	}
}
