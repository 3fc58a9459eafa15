package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// auditEntries reads the audit log through the API, newest first.
func auditEntries(t *testing.T, a *api, query string) []incident.AuditEntry {
	t.Helper()
	var page incident.AuditPage
	a.json("GET", "/api/v1/audit?"+query, nil, http.StatusOK, &page)
	return page.Items
}

// change finds the change of field in e.
func change(e incident.AuditEntry, field string) (before, after string, ok bool) {
	for _, c := range e.Changes {
		if c.Field == field {
			return string(c.Before), string(c.After), true
		}
	}
	return "", "", false
}

// TestAuditEveryKindOfChange makes one change of every kind through the
// API and finds each in the audit log with who made it, with what, from
// where, and the before and after of what it changed.
func TestAuditEveryKindOfChange(t *testing.T) {
	a := newAPIWith(t, web.Config{TrustedProxies: []string{"127.0.0.1", "::1"}})
	responder := a.as(incident.RoleResponder)
	var inc incident.Incident
	responder.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)
	id := fmt.Sprint(inc.ID)
	responder.json("PATCH", "/api/v1/incidents/"+id, map[string]any{"version": 1, "severity": "SEV2", "tags": []string{"payments"}}, http.StatusOK, nil)
	responder.json("POST", "/api/v1/incidents/"+id+"/comments", map[string]any{"body": "Why 95%?"}, http.StatusCreated, nil)
	responder.json("PATCH", "/api/v1/services/linktree", map[string]any{"depends_on": []string{"payments-db"}}, http.StatusOK, nil)
	a.json("POST", "/api/v1/categories", map[string]any{"kind": "gap", "slug": "synthetic-checks"}, http.StatusCreated, nil)
	_, md := a.get("/api/v1/incidents/" + id + "/postmortem.md")
	edited := strings.Replace(string(md), "severity: SEV2", "severity: SEV3", 1)
	responder.do("POST", "/api/v1/import", []byte(edited))
	responder.do("POST", "/api/v1/import", []byte("---\nuuid: ext-1\ncompany: Travis CI\ntitle: Builds stuck\n---\nQueues.\n"))
	a.json("POST", "/api/v1/users", map[string]any{"name": "sam", "role": "viewer", "password": password}, http.StatusCreated, nil)
	a.json("PATCH", "/api/v1/users/sam", map[string]any{"role": "responder", "password": "another long one"}, http.StatusOK, nil)
	var tok tokenAnswer
	a.json("POST", "/api/v1/tokens", map[string]any{"label": "ci", "expires_in": "30d"}, http.StatusCreated, &tok)
	a.json("DELETE", "/api/v1/tokens/"+tok.ID, nil, http.StatusNoContent, nil)
	b := a.browser()
	req, _ := http.NewRequest("POST", a.url+"/login", strings.NewReader(url.Values{"username": {"sam"}, "password": {"wrong password!"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.5")
	if resp, err := b.client.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("failed login: %v %v", resp.StatusCode, err)
	}
	b.login("sam", "another long one")
	a.json("DELETE", "/api/v1/users/sam", nil, http.StatusNoContent, nil)
	a.json("DELETE", "/api/v1/incidents/"+id, nil, http.StatusNoContent, nil)

	entries := auditEntries(t, a, "limit=500")
	find := func(action, entityID string) incident.AuditEntry {
		t.Helper()
		for _, e := range entries {
			if e.Action == action && (entityID == "" || e.EntityID == entityID) {
				return e
			}
		}
		t.Fatalf("no %s of %s in the audit log: %+v", action, entityID, entries)
		return incident.AuditEntry{}
	}
	byResponderToken := func(e incident.AuditEntry) {
		t.Helper()
		if e.Actor.Kind != incident.ActorToken || e.Actor.Name != "responder" || e.Actor.TokenLabel != "test responder" || e.Actor.Address != "127.0.0.1" {
			t.Errorf("%s: actor %+v", e.Action, e.Actor)
		}
	}
	expect := func(e incident.AuditEntry, field, before, after string) {
		t.Helper()
		b, a, ok := change(e, field)
		if !ok || b != before || a != after {
			t.Errorf("%s %s: %s: before %s after %s (present %v), want %s → %s", e.Action, e.EntityID, field, b, a, ok, before, after)
		}
	}

	created := find("incident.create", id)
	byResponderToken(created)
	expect(created, "title", "", `"Payment processing outage: database connection pool exhausted"`)
	expect(created, "severity", "", `"SEV1"`)
	if _, _, ok := change(created, "updated_at"); ok || created.Entity != "incident" || created.At.IsZero() {
		t.Errorf("create entry %+v", created)
	}
	updated := find("incident.update", id)
	byResponderToken(updated)
	expect(updated, "severity", `"SEV1"`, `"SEV2"`)
	expect(updated, "version", "1", "2")
	if _, _, ok := change(updated, "title"); ok {
		t.Error("an unchanged field is in the update's entry")
	}
	imported := find("incident.import", id)
	expect(imported, "severity", `"SEV2"`, `"SEV3"`)
	for _, e := range entries {
		if e.Action == "incident.import" && e.EntityID != id {
			expect(e, "external_id", "", `"ext-1"`)
		}
	}
	comment := find("comment.create", "")
	byResponderToken(comment)
	expect(comment, "body", "", `"Why 95%?"`)
	expect(comment, "author", "", `"responder"`)
	svc := find("service.update", "linktree")
	expect(svc, "depends_on", "[]", `["paymentsdb"]`)
	cat := find("category.create", "gap/synthetic-checks")
	if cat.Actor.Name != "admin" {
		t.Errorf("category by %+v", cat.Actor)
	}
	expect(cat, "slug", "", `"synthetic-checks"`)
	expect(find("user.create", "sam"), "role", "", `"viewer"`)
	userUpdate := find("user.update", "sam")
	expect(userUpdate, "role", `"viewer"`, `"responder"`)
	expect(userUpdate, "password", "", `"changed"`)
	expect(find("user.delete", "sam"), "role", `"responder"`, "")
	expect(find("token.create", tok.ID), "label", "", `"ci"`)
	expect(find("token.revoke", tok.ID), "label", `"ci"`, "")
	failed := find("login.failed", "sam")
	if failed.Actor.Kind != incident.ActorAnonymous || failed.Actor.Address != "203.0.113.5" {
		t.Errorf("failed login by %+v", failed.Actor)
	}
	login := find("login", "sam")
	if login.Actor.Kind != incident.ActorUser || login.Actor.Name != "sam" {
		t.Errorf("login by %+v", login.Actor)
	}
	deleted := find("incident.delete", id)
	expect(deleted, "severity", `"SEV3"`, "")
	expect(deleted, "title", `"Payment processing outage: database connection pool exhausted"`, "")
	if _, after, _ := change(deleted, "summary"); after != "" {
		t.Error("a deletion has an after")
	}
	// No secret reaches the log.
	raw := a.json("GET", "/api/v1/audit?limit=500", nil, http.StatusOK, nil)
	for _, secret := range []string{password, "another long one", "wrong password!", tok.Token, "argon2"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the audit log holds %q", secret)
		}
	}
}

// TestAuditFiltersAndPages: the filters of GET /api/v1/audit, and a
// cursor that walks every entry once, newest first.
func TestAuditFiltersAndPages(t *testing.T) {
	a := newAPI(t)
	for i := range 7 {
		a.json("POST", "/api/v1/categories", map[string]any{"kind": "cause", "slug": fmt.Sprintf("c%d", i)}, http.StatusCreated, nil)
	}
	a.as(incident.RoleResponder).json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, nil)

	if got := auditEntries(t, a, "action=category.create"); len(got) != 7 || got[0].EntityID != "cause/c6" {
		t.Fatalf("by action: %d entries, first %+v", len(got), got)
	}
	if got := auditEntries(t, a, "actor=responder"); len(got) != 1 || got[0].Action != "incident.create" {
		t.Fatalf("by actor: %+v", got)
	}
	if got := auditEntries(t, a, "entity=incident/1"); len(got) != 1 {
		t.Fatalf("by entity and id: %+v", got)
	}
	if got := auditEntries(t, a, "entity=category&since=2000-01-01&until=2999-01-01"); len(got) != 7 {
		t.Fatalf("by entity and window: %d", len(got))
	}
	if got := auditEntries(t, a, "until=2000-01-01"); len(got) != 0 {
		t.Fatalf("before any change: %d", len(got))
	}
	var seen []int64
	cursor := ""
	for range 10 {
		var page incident.AuditPage
		a.json("GET", "/api/v1/audit?limit=3&cursor="+cursor, nil, http.StatusOK, &page)
		for _, e := range page.Items {
			seen = append(seen, e.Seq)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	// 7 categories, an incident, and the helper's two accounts with
	// their tokens.
	if len(seen) != 12 {
		t.Fatalf("pages gave %v", seen)
	}
	for i, seq := range seen {
		if seq != int64(len(seen)-i) {
			t.Fatalf("pages gave %v", seen)
		}
	}
	for _, bad := range []string{"limit=0", "limit=501", "cursor=x", "since=yesterday"} {
		a.json("GET", "/api/v1/audit?"+bad, nil, http.StatusBadRequest, nil)
	}
}
