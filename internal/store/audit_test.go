package store_test

import (
	"context"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestAuditIsPartOfTheWrite: a refused write leaves no entry; an accepted
// one leaves exactly one, with the actor from the context and the store's
// clock.
func TestAuditIsPartOfTheWrite(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	alice := incident.Actor{Kind: incident.ActorToken, Name: "alice", TokenID: "abc", TokenLabel: "ci", Address: "192.0.2.1"}
	ctx := incident.WithActor(context.Background(), alice)
	count := func() int64 {
		check, err := s.VerifyAudit(ctx)
		if err != nil || check.Problem != "" {
			t.Fatalf("verify: %+v %v", check, err)
		}
		return check.Entries
	}

	inc := storetest.Linktree(t)
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d entries after a create", n)
	}
	stale := *inc
	stale.Version = 99
	bad := *inc
	bad.Severity = "SEV9"
	for name, err := range map[string]error{
		"stale update":    s.UpdateIncident(ctx, &stale),
		"invalid update":  s.UpdateIncident(ctx, &bad),
		"missing delete":  s.DeleteIncident(ctx, 12345),
		"comment on none": s.AddComment(ctx, &incident.Comment{IncidentID: 12345, Author: "a", Body: "b"}),
		"category twice":  s.AddCategory(ctx, incident.Category{Kind: incident.CauseVocabulary, Slug: "database"}),
		"unknown service": func() error { _, err := s.UpdateService(ctx, "nope", incident.ServiceChange{}); return err }(),
		"duplicate user": func() error {
			s.CreateUser(ctx, &incident.User{Name: "u", Role: incident.RoleViewer})
			return s.CreateUser(ctx, &incident.User{Name: "u", Role: incident.RoleViewer})
		}(),
	} {
		if err == nil {
			t.Errorf("%s succeeded", name)
		}
	}
	if n := count(); n != 2 { // the create and the first user
		t.Fatalf("%d entries after refused writes", n)
	}
	page, err := s.Audit(ctx, incident.AuditFilter{Entity: "incident"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("audit: %+v %v", page, err)
	}
	e := page.Items[0]
	if e.Actor.Name != "alice" || e.Actor.TokenLabel != "ci" || e.Actor.Address != "192.0.2.1" || e.Action != "incident.create" ||
		e.At.Unix() != inc.CreatedAt.Unix() || len(e.Hash) != 64 {
		t.Fatalf("entry %+v", e)
	}
	// Without an actor in the context, a write is the system's.
	if err := s.AddCategory(context.Background(), incident.Category{Kind: incident.GapVocabulary, Slug: "x"}); err != nil {
		t.Fatal(err)
	}
	page, _ = s.Audit(ctx, incident.AuditFilter{Action: "category.create"})
	if page.Items[0].Actor.Kind != incident.ActorSystem {
		t.Fatalf("actor %+v", page.Items[0].Actor)
	}
}
