package store_test

import (
	"context"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestWritesAnswerTheServiceDisplayName: a write answers the incident as a
// read will show it, with the first spelling of its service.
func TestWritesAnswerTheServiceDisplayName(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()
	first := storetest.Linktree(t)
	first.Service = "Travis CI"
	if err := s.CreateIncident(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := storetest.Linktree(t)
	second.Service = "travis-ci"
	if err := s.CreateIncident(ctx, second); err != nil {
		t.Fatal(err)
	}
	if second.Service != "Travis CI" {
		t.Fatalf("create answered service %q", second.Service)
	}
	second.Service = "TRAVISCI"
	if err := s.UpdateIncident(ctx, second); err != nil {
		t.Fatal(err)
	}
	stored, err := s.GetIncident(ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	if second.Service != "Travis CI" || stored.Service != "Travis CI" {
		t.Fatalf("update answered %q, stored %q", second.Service, stored.Service)
	}
}
