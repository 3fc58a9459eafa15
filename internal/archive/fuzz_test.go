package archive_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// FuzzImport feeds arbitrary files through the importer into a real store,
// then checks that nothing a file did wedged it: the import never fails as
// a whole and never with an internal error, what it wrote reads back and
// exports, a create, a patch and a delete still work (on a new incident
// and on the imported one), and the database passes integrity_check.
//
// The seeds (testdata/fuzz/FuzzImport) are an export, an icco file and the
// files that broke the store before: ids and versions at the int64 limit,
// repeated keys, aliases, NUL and bidirectional controls.
//
//	go test -run '^$' -fuzz '^FuzzImport$' -fuzztime 60s -fuzzminimizetime 5s ./internal/archive/
func FuzzImport(f *testing.F) {
	linktree, err := os.ReadFile("../../examples/linktree-payment-outage.md")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(linktree)
	ctx := context.Background()
	// One database for every input of this process: opening and migrating
	// one costs more than the checks. It lives in memory-backed /dev/shm
	// where there is one, so that the many commits are not disk syncs.
	dir := f.TempDir()
	if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
		if shm, err := os.MkdirTemp("/dev/shm", "aftermath-fuzz-"); err == nil {
			dir = shm
			f.Cleanup(func() { os.RemoveAll(shm) })
		}
	}
	path := filepath.Join(dir, "fuzz.db")
	st, err := store.Open(ctx, path, store.Options{Readers: 2})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	files := f.TempDir()

	f.Fuzz(func(t *testing.T, data []byte) {
		file := filepath.Join(files, "fuzz.md")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum, err := archive.ImportPaths(ctx, st, []string{file}, archive.Options{})
		if err != nil {
			t.Fatalf("the import failed as a whole: %v", err)
		}
		for _, r := range sum.Failures {
			if incident.ErrorCode(r.Err) == incident.EINTERNAL {
				t.Fatalf("an internal error for a file: %v", r.Err)
			}
		}
		var imported []int64
		for _, r := range sum.Committed {
			if r.Outcome == incident.ImportCreated || r.Outcome == incident.ImportUpdated {
				imported = append(imported, r.ID)
			}
		}
		for _, id := range imported {
			inc, err := st.GetIncident(ctx, id)
			if err != nil {
				t.Fatalf("an imported incident does not read back: %v", err)
			}
			if _, err := postmortem.Marshal(inc); err != nil {
				t.Fatalf("an imported incident does not export: %v", err)
			}
			inc.Title = "Patched after the import"
			if err := st.UpdateIncident(ctx, inc); err != nil {
				t.Fatalf("the imported incident cannot be patched: %v", err)
			}
		}
		fresh := storetest.Linktree(t)
		if err := st.CreateIncident(ctx, fresh); err != nil {
			t.Fatalf("a create after the import: %v", err)
		}
		fresh.Severity = incident.SEV3
		if err := st.UpdateIncident(ctx, fresh); err != nil || fresh.Version != 2 {
			t.Fatalf("a patch after the import: version %d, %v", fresh.Version, err)
		}
		for _, id := range append(imported, fresh.ID) {
			if err := st.DeleteIncident(ctx, id); err != nil {
				t.Fatalf("a delete after the import: %v", err)
			}
		}
		if err := store.IntegrityCheck(ctx, path); err != nil {
			t.Fatal(err)
		}
	})
}
