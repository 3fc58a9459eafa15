package store_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// openStore gives each test a fresh database file in its temp dir.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// linktree decodes the example incident filed by the README walk-through.
func linktree(t testing.TB) *incident.Incident {
	t.Helper()
	data, err := os.ReadFile("../../examples/linktree-payment-outage.json")
	if err != nil {
		t.Fatal(err)
	}
	var inc incident.Incident
	if err := json.Unmarshal(data, &inc); err != nil {
		t.Fatal(err)
	}
	return &inc
}

func TestCreateAndGetRoundTrip(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	inc := linktree(t)
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if inc.ID == 0 || inc.Version != 1 {
		t.Fatalf("id %d version %d", inc.ID, inc.Version)
	}
	got, err := s.GetIncident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(inc)
	have, _ := json.Marshal(got)
	if string(want) != string(have) {
		t.Fatalf("stored incident differs:\nwant %s\nhave %s", want, have)
	}
}
