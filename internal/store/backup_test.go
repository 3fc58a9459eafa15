package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestBackupWhileWriting takes a backup while four writers file incidents
// and checks that the copy is a consistent snapshot: sound, holding every
// incident acknowledged before the backup began, holding exactly a prefix
// of the source's incidents in commit order (ids grow with commits, as
// there is one writer), and holding each of them whole, with every child
// row and its search entry.
func TestBackupWhileWriting(t *testing.T) {
	s := storetest.Open(t, storetest.SQLite)
	ctx := context.Background()

	var mu sync.Mutex
	var acked []int64
	stop := make(chan struct{})
	var writers sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		writers.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				inc := storetest.Linktree(t)
				inc.Title = fmt.Sprintf("backup probe w%dn%d", w, i)
				inc.Tags = inc.Tags[:0]
				for k := range i % 4 { // child lists of varying length
					inc.Tags = append(inc.Tags, fmt.Sprintf("tag-%d", k))
				}
				if err := s.CreateIncident(ctx, inc); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				acked = append(acked, inc.ID)
				mu.Unlock()
			}
		})
	}
	waitFor := func(n int) {
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			select {
			case err := <-errs:
				t.Fatal(err)
			case <-time.After(time.Millisecond):
			}
		}
	}
	waitFor(20)
	mu.Lock()
	before := slices.Clone(acked)
	mu.Unlock()

	dest := filepath.Join(t.TempDir(), "backup.db")
	backupErr := s.Backup(ctx, dest, store.BackupOptions{})
	waitFor(len(before) + 8) // let writes run on past the backup
	close(stop)
	writers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if backupErr != nil {
		t.Fatal(backupErr)
	}
	if err := store.IntegrityCheck(ctx, dest); err != nil {
		t.Fatal(err)
	}

	copied, err := store.Open(ctx, dest, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	sourceIDs, copyIDs := allIDs(t, s), allIDs(t, copied)
	for _, id := range before {
		if !slices.Contains(copyIDs, id) {
			t.Errorf("incident %d was acknowledged before the backup but is not in it", id)
		}
	}
	if len(copyIDs) > len(sourceIDs) || !slices.Equal(copyIDs, sourceIDs[:len(copyIDs)]) {
		t.Fatalf("the backup is not a prefix of the source: %v vs %v", copyIDs, sourceIDs)
	}
	for _, id := range copyIDs {
		want, err := s.GetIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := copied.GetIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, want), mustJSON(t, got); a != b {
			t.Fatalf("incident %d differs in the backup:\n%s\n%s", id, b, a)
		}
		page, err := copied.ListIncidents(ctx, incident.Filter{Query: got.Title})
		if err != nil || page.Total != 1 {
			t.Fatalf("search in the backup for %q: %v, %v", got.Title, page, err)
		}
	}
	t.Logf("%d incidents acknowledged before the backup, %d in it, %d in the source after", len(before), len(copyIDs), len(sourceIDs))
}

func TestBackupRefusesToOverwrite(t *testing.T) {
	s := storetest.Open(t, storetest.SQLite)
	ctx := context.Background()
	if err := s.CreateIncident(ctx, storetest.Linktree(t)); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "b.db")
	if err := os.WriteFile(dest, []byte("an older backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, dest, store.BackupOptions{}); incident.ErrorCode(err) != incident.EINVALID {
		t.Fatalf("overwrote an existing file: %v", err)
	}
	if data, _ := os.ReadFile(dest); string(data) != "an older backup" {
		t.Fatal("the existing file was changed")
	}
	if err := s.Backup(ctx, dest, store.BackupOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	if err := store.IntegrityCheck(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".*partial")); len(leftovers) > 0 {
		t.Fatalf("temporary files left behind: %v", leftovers)
	}
}

func TestBackupByDSN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := store.Backup(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "b.db"), store.BackupOptions{}); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Fatalf("backup of a missing database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Fatal("backing up a missing database created it")
	}
	s := storetest.Open(t, storetest.SQLite)
	inc := storetest.Linktree(t)
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "b.db")
	if err := store.Backup(ctx, "sqlite://"+s.Path(), dest, store.BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	copied, err := store.Open(ctx, dest, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	got, err := copied.GetIncident(ctx, inc.ID)
	if err != nil || got.Title != inc.Title {
		t.Fatalf("restored incident: %v, %v", got, err)
	}
}

func TestIncidentsByStatus(t *testing.T) {
	s := storetest.Open(t, storetest.SQLite)
	ctx := context.Background()
	for _, st := range []incident.Status{incident.StatusResolved, incident.StatusResolved, incident.StatusInvestigating} {
		inc := storetest.Linktree(t)
		inc.Status = st
		if st != incident.StatusResolved {
			inc.ResolvedAt = nil
		}
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.IncidentsByStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[incident.Status]int64{incident.StatusInvestigating: 1, incident.StatusIdentified: 0, incident.StatusMonitoring: 0, incident.StatusResolved: 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// allIDs lists every incident id in the store, ascending.
func allIDs(t *testing.T, s *store.Store) []int64 {
	t.Helper()
	var ids []int64
	if err := s.Reader().Raw("SELECT id FROM incidents ORDER BY id").Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
