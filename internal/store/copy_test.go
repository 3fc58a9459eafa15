package store_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/examples"
	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestCopyBetweenBackends copies a database with something in every table
// from SQLite to PostgreSQL and back, and checks each copy by its row
// counts, by its exported post-mortems (byte for byte), by its audit chain,
// and by the ids it hands out next.
func TestCopyBetweenBackends(t *testing.T) {
	storetest.PostgresURL(t)
	ctx := context.Background()
	source := storetest.Open(t, storetest.SQLite)
	fillEveryTable(t, source)

	toPostgres := storetest.Open(t, storetest.Postgres)
	var lines []string
	if err := store.Copy(ctx, source, toPostgres, func(table string, done, total int64) {
		if done == total {
			lines = append(lines, table)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(lines, "incidents") || !slices.Contains(lines, "search index") {
		t.Errorf("progress told of %v", lines)
	}
	sameContent(t, source, toPostgres)

	back := storetest.Open(t, storetest.SQLite)
	if err := store.Copy(ctx, toPostgres, back, nil); err != nil {
		t.Fatal(err)
	}
	sameContent(t, source, back)

	// A copy never lands on a database that holds something.
	err := store.Copy(ctx, source, toPostgres, nil)
	if incident.ErrorCode(err) != incident.EINVALID {
		t.Fatalf("copy onto a full database: %v", err)
	}
	counts, _ := toPostgres.RowCounts(ctx)
	if want, _ := source.RowCounts(ctx); counts["incidents"] != want["incidents"] {
		t.Fatalf("the refused copy changed the target: %d incidents, want %d", counts["incidents"], want["incidents"])
	}

	// Each copy goes on handing out ids after the highest it holds, and
	// searches its own index.
	for _, st := range []*store.Store{toPostgres, back} {
		inc := storetest.Linktree(t)
		if err := st.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		if inc.ID != 5001 {
			t.Errorf("%s: the next incident got id %d, want 5001", st.Engine(), inc.ID)
		}
		page, err := st.ListIncidents(ctx, incident.Filter{Query: "linktree"})
		if err != nil || page.Total != 3 {
			t.Errorf("%s: search after the copy found %v (%v), want 3", st.Engine(), page, err)
		}
	}
}

// TestCopyListsEveryTable fails when a table joins the schema without
// joining the copy (or the list of tables it leaves alone).
func TestCopyListsEveryTable(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			s := storetest.Open(t, b)
			schema, copied, skipped, err := s.Tables(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, table := range schema {
				if !slices.Contains(copied, table) && !slices.Contains(skipped, table) {
					t.Errorf("table %s is neither copied nor listed as left alone", table)
				}
			}
		})
	}
}

// fillEveryTable writes rows into every table: synthetic incidents with
// every child list, the Linktree incident twice (once imported with an id
// of its own), a deleted incident (a gap in the ids), comments, a service
// catalogue, a category, accounts, a token, a session, a login failure
// and the audit entries of all of it.
func fillEveryTable(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := incident.WithActor(context.Background(), incident.Actor{Kind: incident.ActorCLI, Name: "test"})
	if err := st.DefineServices(ctx, seed.Services()); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateIncidents(ctx, seed.NewGenerator(7, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)).Batch(300)); err != nil {
		t.Fatal(err)
	}
	// The catalogue around the Linktree outage, with failure modes and
	// their histories, and the incident linking the modes that materialised.
	var cats []*incident.Catalog
	for _, name := range examples.CatalogFiles {
		data, err := fs.ReadFile(examples.Catalogs, name)
		if err != nil {
			t.Fatal(err)
		}
		cat, err := catalog.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		cats = append(cats, cat)
	}
	if _, err := st.ImportCatalog(ctx, catalog.Merge(cats...)); err != nil {
		t.Fatal(err)
	}
	linktree := storetest.Linktree(t)
	linktree.FailureModes = examples.LinktreeFailureModes
	if err := st.CreateIncident(ctx, linktree); err != nil {
		t.Fatal(err)
	}
	// The integrations: a webhook with deliveries waiting, an alert
	// group's incident, an overdue action item's reminder (below).
	hook := &incident.Webhook{URL: "https://receiver.example.com/hook", Events: incident.EventTypes, Secret: []byte("sealed")}
	if err := st.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	if err := st.ReceiveAlerts(ctx, &incident.AlertNotification{GroupKey: `{}:{alertname="PoolSaturated"}`, Title: "Pool saturated",
		Service: "payments", Severity: incident.SEV2, Alerts: []incident.Alert{{Fingerprint: "f1", Firing: true,
			StartsAt: time.Date(2026, 6, 2, 10, 0, 0, 0, time.UTC), Text: "pool at 95%"}}}); err != nil {
		t.Fatal(err)
	}
	imported := storetest.Linktree(t)
	imported.ID, imported.ExternalID = 5000, "linktree-copy"
	if _, _, err := st.ImportIncidents(ctx, []*incident.Incident{imported}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteIncident(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"Why 95%?", "Because the pool was sized for last year."} {
		if err := st.AddComment(ctx, &incident.Comment{IncidentID: linktree.ID, Author: "sam", Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddCategory(ctx, incident.Category{Kind: incident.GapVocabulary, Slug: "synthetic-checks"}); err != nil {
		t.Fatal(err)
	}
	sam := &incident.User{Name: "sam", Role: incident.RoleAdmin, PasswordHash: "$argon2id$not-a-real-hash"}
	if err := st.CreateUser(ctx, sam); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, &incident.APIToken{ID: "0123456789ab", UserID: sam.ID, Label: "ci", Role: incident.RoleViewer,
		Hash: bytes.Repeat([]byte{7}, 32)}); err != nil {
		t.Fatal(err)
	}
	if err := st.CommitSession(ctx, bytes.Repeat([]byte{9}, 32), []byte("session data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordLoginFailure(ctx, "nobody", []string{"user nobody", "addr 192.0.2.1"},
		incident.LoginLimit{Max: 10, Forget: time.Hour, Lockout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RemindOverdue(ctx); err != nil {
		t.Fatal(err)
	}
	counts, err := st.RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range counts {
		if n == 0 {
			t.Fatalf("the source has nothing in %s", table)
		}
	}
}

// sameContent checks that copy holds what source holds.
func sameContent(t *testing.T, source, copy *store.Store) {
	t.Helper()
	ctx := context.Background()
	want, err := source.RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := copy.RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("%s: %s has %d rows, the source %d", copy.Engine(), table, got[table], n)
		}
	}
	a, b := exportAll(t, source), exportAll(t, copy)
	if len(a) != len(b) {
		t.Fatalf("%s: %d post-mortems exported, the source %d", copy.Engine(), len(b), len(a))
	}
	for name, data := range a {
		if !bytes.Equal(b[name], data) {
			t.Errorf("%s: %s differs from the source's", copy.Engine(), name)
		}
	}
	check, err := copy.VerifyAudit(ctx)
	if err != nil || check.Problem != "" {
		t.Fatalf("%s: the audit chain of the copy: %+v %v", copy.Engine(), check, err)
	}
	if sourceCheck, _ := source.VerifyAudit(ctx); sourceCheck.Head != check.Head {
		t.Errorf("%s: audit head %s, the source's %s", copy.Engine(), check.Head, sourceCheck.Head)
	}
}

// exportAll exports every post-mortem and returns the files by name.
func exportAll(t *testing.T, st *store.Store) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	if _, err := archive.ExportDir(context.Background(), st, incident.Filter{}, dir, archive.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = data
	}
	return out
}

// TestImportedIDsAndNewOnesNeverCollide imports incidents that keep ids
// just above those handed out so far while other writers file new ones,
// on each backend: every write succeeds, and every id is used once. On
// PostgreSQL the import moves the sequence past its ids under a lock
// that new ids wait for; without it, a new incident could be handed an id
// an import had just taken.
func TestImportedIDsAndNewOnesNeverCollide(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			st := storetest.Open(t, b)
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			for w := range 3 {
				wg.Go(func() {
					for i := range 15 {
						inc := storetest.Linktree(t)
						inc.Title = fmt.Sprintf("filed by %d, #%d", w, i)
						errs <- st.CreateIncident(ctx, inc)
					}
				})
			}
			wg.Go(func() {
				for i := range 15 {
					inc := storetest.Linktree(t)
					inc.ID, inc.ExternalID = int64(10+3*i), fmt.Sprintf("imported-%d", i)
					_, failed, err := st.ImportIncidents(ctx, []*incident.Incident{inc})
					if err == nil {
						err = failed[0]
					}
					errs <- err
				}
			})
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			page, err := st.ListIncidents(ctx, incident.Filter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int64]bool{}
			for _, inc := range page.Items {
				if seen[inc.ID] {
					t.Fatalf("id %d used twice", inc.ID)
				}
				seen[inc.ID] = true
			}
			if page.Total != 60 {
				t.Fatalf("%d incidents, want 60", page.Total)
			}
		})
	}
}
