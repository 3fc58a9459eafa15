package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// TestSimilarIncidents: an incident whose cause or factor reads nearly
// like a search's is found through the keys kept at write time, across
// services; the keys follow every change, deletion included, and are
// rebuilt when the database's scheme is not the binary's.
func TestSimilarIncidents(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "similar.db")
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	file := func(title, service, cause string, factors ...string) *incident.Incident {
		inc := &incident.Incident{Title: title, Service: service, Severity: incident.SEV2,
			PrimaryCause: incident.Cause{Category: "resource-exhaustion", Description: cause}}
		for _, f := range factors {
			inc.ContributingFactors = append(inc.ContributingFactors, incident.Finding{Category: "capacity", Description: f})
		}
		if err := st.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		return inc
	}
	a := file("Payments down", "payments", "Database connection pool exhaustion in the payment service: connection recycling left connections open indefinitely.")
	b := file("Checkout down", "checkout", "A deploy went wrong.",
		"Connection pool exhaustion in the payment service, as connection recycling left connections open indefinitely.")
	file("Search slow", "search", "The indexer ran out of disk space while rebuilding the catalogue overnight.")
	file("Short", "payments", "bad deploy")

	search := func() []report.SimilarIncident {
		t.Helper()
		found, err := report.FindSimilar(ctx, st, []report.SimilarText{{Role: "cause", Description: a.PrimaryCause.Description}}, a.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	found := search()
	if len(found) != 1 || found[0].ID != b.ID || found[0].Theirs.Role != "factor" || found[0].ServiceKey != "checkout" {
		t.Fatalf("found %+v, want %d by its factor", found, b.ID)
	}

	b.ContributingFactors[0].Description = "A marketing campaign tripled the traffic of the checkout."
	if err := st.UpdateIncident(ctx, b); err != nil {
		t.Fatal(err)
	}
	if found := search(); len(found) != 0 {
		t.Fatalf("after the factor changed: %+v", found)
	}
	b.ContributingFactors[0].Description = "Connection pool exhaustion in the payment service, as connection recycling left connections open."
	if err := st.UpdateIncident(ctx, b); err != nil {
		t.Fatal(err)
	}
	if found := search(); len(found) != 1 {
		t.Fatalf("after the factor came back: %+v", found)
	}

	// Another scheme recorded: opening rebuilds every incident's keys.
	st.Close()
	raw, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var before int64
	raw.Reader().Table("similarity_keys").Count(&before)
	if err := raw.ExecForTest(ctx, "UPDATE settings SET value = 'an older scheme'; DELETE FROM similarity_keys"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if st, err = store.Open(ctx, path, store.Options{}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var after int64
	st.Reader().Table("similarity_keys").Count(&after)
	if before == 0 || after != before {
		t.Fatalf("%d keys before, %d after the rebuild", before, after)
	}
	if found := search(); len(found) != 1 {
		t.Fatalf("after the rebuild: %+v", found)
	}

	if err := st.DeleteIncident(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if found := search(); len(found) != 0 {
		t.Fatalf("after the deletion: %+v", found)
	}
}
