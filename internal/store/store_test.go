package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

func TestCreateAndGetRoundTrip(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()
	inc := storetest.Linktree(t)
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

func TestMigrationSeedsTheDefaultVocabulary(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	got, err := s.Vocabulary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := incident.DefaultVocabulary()
	if !slices.Equal(got.Causes, want.Causes) || !slices.Equal(got.Gaps, want.Gaps) {
		t.Fatalf("seeded vocabulary %v, domain defaults %v", got, want)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reopen.db")
	ctx := context.Background()
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inc := storetest.Linktree(t)
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	s.Close()
	applied, err := store.Migrate(ctx, "sqlite://"+path)
	if err != nil || len(applied) != 0 {
		t.Fatalf("re-migrate applied %v: %v", applied, err)
	}
	s, err = store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetIncident(ctx, inc.ID); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesUnknownDatabases(t *testing.T) {
	for _, dsn := range []string{"postgres://localhost/aftermath", "mysql://localhost/x"} {
		if _, err := store.Open(context.Background(), dsn, store.Options{}); err == nil {
			t.Errorf("%s: opened", dsn)
		}
	}
}

// TestConcurrentWritersNeverSeeLocked runs eight writers and four readers
// at once; with one writer connection and BEGIN IMMEDIATE, no call may fail.
func TestConcurrentWritersNeverSeeLocked(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()
	const writers, perWriter = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter*2)
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.ListIncidents(ctx, incident.Filter{Query: "connection", Limit: 5}); err != nil {
					errs <- err
				}
			}
		}()
	}
	var writes sync.WaitGroup
	for w := range writers {
		writes.Add(1)
		go func() {
			defer writes.Done()
			for i := range perWriter {
				inc := storetest.Linktree(t)
				inc.Title = fmt.Sprintf("writer %d incident %d", w, i)
				if err := s.CreateIncident(ctx, inc); err != nil {
					errs <- err
					continue
				}
				inc.Severity = incident.SEV3
				if err := s.UpdateIncident(ctx, inc); err != nil {
					errs <- err
				}
			}
		}()
	}
	writes.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	page, err := s.ListIncidents(ctx, incident.Filter{Severity: incident.SEV3})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != writers*perWriter {
		t.Fatalf("%d incidents updated, want %d", page.Total, writers*perWriter)
	}
	// Every write left one entry, and concurrent writers kept the audit
	// log's chain in one line.
	check, err := s.VerifyAudit(ctx)
	if err != nil || check.Problem != "" || check.Entries != 2*writers*perWriter {
		t.Fatalf("audit after concurrent writes: %+v %v", check, err)
	}
}

func TestSearchFollowsUpdatesAndDeletes(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()
	inc := storetest.Linktree(t)
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int64 {
		page, err := s.ListIncidents(ctx, incident.Filter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		return page.Total
	}
	if count("recycling") != 1 || count("kerberos") != 0 {
		t.Fatal("search before update")
	}
	inc.PrimaryCause.Description = "Kerberos tickets expired."
	if err := s.UpdateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if count("kerberos") != 1 {
		t.Fatal("search missed the new cause")
	}
	if count("completely") != 0 {
		t.Fatal("search still finds the old cause")
	}
	if err := s.DeleteIncident(ctx, inc.ID); err != nil {
		t.Fatal(err)
	}
	if count("kerberos") != 0 {
		t.Fatal("search finds a deleted incident")
	}
}

func TestImportIncidents(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()

	first := storetest.Linktree(t)
	first.ExternalID = "ext-1"
	first.Severity = "" // imported history may lack it
	invalid := storetest.Linktree(t)
	invalid.Title = ""
	withID := storetest.Linktree(t)
	withID.ID = 77
	withID.Version = 3
	withID.CreatedAt = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	withID.UpdatedAt = withID.CreatedAt

	outcomes, errs, err := s.ImportIncidents(ctx, []*incident.Incident{first, invalid, withID})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(outcomes, []incident.ImportOutcome{incident.ImportCreated, incident.ImportFailed, incident.ImportCreated}) {
		t.Fatalf("outcomes %v", outcomes)
	}
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors %v", errs)
	}
	got, err := s.GetIncident(ctx, 77)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || !got.CreatedAt.Equal(withID.CreatedAt) {
		t.Fatalf("restored incident: version %d created %s", got.Version, got.CreatedAt)
	}

	// The same files again change nothing; a changed one is updated in place.
	again := storetest.Linktree(t)
	again.ExternalID = "ext-1"
	again.Severity = ""
	same := *got
	outcomes, _, err = s.ImportIncidents(ctx, []*incident.Incident{again, &same})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(outcomes, []incident.ImportOutcome{incident.ImportUnchanged, incident.ImportUnchanged}) {
		t.Fatalf("re-import outcomes %v", outcomes)
	}
	changed := storetest.Linktree(t)
	changed.ExternalID = "ext-1"
	changed.Title = "Renamed"
	outcomes, _, err = s.ImportIncidents(ctx, []*incident.Incident{changed})
	if err != nil || outcomes[0] != incident.ImportUpdated {
		t.Fatalf("update: %v %v", outcomes, err)
	}
	if changed.ID != first.ID || changed.Version != 2 {
		t.Fatalf("updated id %d (want %d) version %d", changed.ID, first.ID, changed.Version)
	}

	// An id from elsewhere that collides with an unrelated incident gets a new id.
	stranger := storetest.Linktree(t)
	stranger.ID = 77
	stranger.CreatedAt = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	outcomes, _, err = s.ImportIncidents(ctx, []*incident.Incident{stranger})
	if err != nil || outcomes[0] != incident.ImportCreated || stranger.ID == 77 {
		t.Fatalf("collision: %v id %d %v", outcomes, stranger.ID, err)
	}
	page, _ := s.ListIncidents(ctx, incident.Filter{})
	if page.Total != 3 {
		t.Fatalf("%d incidents, want 3", page.Total)
	}
}

func TestDefineServices(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()
	inc := storetest.Linktree(t)
	inc.Service = "Payments API" // exists first under this spelling
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	err := s.DefineServices(ctx, []incident.Service{
		{Name: "payments-api", DependsOn: []string{"Postgres Primary", "Stripe"}, Industries: []string{"retail"}},
		{Name: "Checkout", DependsOn: []string{"payments-api"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	payments, err := s.GetService(ctx, "paymentsapi")
	if err != nil {
		t.Fatal(err)
	}
	if payments.Name != "Payments API" || !slices.Equal(payments.DependsOn, []string{"postgresprimary", "stripe"}) ||
		!slices.Equal(payments.Dependents, []string{"checkout"}) || !slices.Equal(payments.Industries, []string{"retail"}) {
		t.Fatalf("payments-api: %+v", payments)
	}
	if err := s.DefineServices(ctx, []incident.Service{{Name: "Loop", DependsOn: []string{"loop"}}}); err == nil {
		t.Fatal("a service depending on itself was accepted")
	}
}
