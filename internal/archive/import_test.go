package archive_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// writeFile writes one post-mortem file.
func writeFile(t *testing.T, path string, inc *incident.Incident) {
	t.Helper()
	data, err := postmortem.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// storedState is every incident's id, version and title, by id.
func storedState(t *testing.T, s *store.Store) string {
	t.Helper()
	var b strings.Builder
	err := archive.EachIncident(context.Background(), s, incident.Filter{}, func(inc *incident.Incident) error {
		fmt.Fprintf(&b, "%d v%d %s\n", inc.ID, inc.Version, inc.Title)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCopiesInAFolderImportTheSameWayWhateverTheirNames: a folder holding
// several versions of the same post-mortems, spread over more files than
// one batch holds, imports to the same incidents and the same counts
// however the files are named: the newest version of each wins.
func TestCopiesInAFolderImportTheSameWayWhateverTheirNames(t *testing.T) {
	gen := seed.NewGenerator(8, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	const incidents = 550 // 1,100 files: more than one batch
	var files [][]byte
	for i := range incidents {
		base := gen.Next()
		base.ID = int64(i + 1)
		base.CreatedAt = time.Date(2025, 1, 1, 0, 0, i, 0, time.UTC)
		base.UpdatedAt = base.CreatedAt
		copies := 1 + i%3 // 1, 2 or 3 versions of each
		for v := 1; v <= copies; v++ {
			inc := base
			inc.Version = v
			inc.Title = fmt.Sprintf("%s (v%d)", base.Title, v)
			data, err := postmortem.Marshal(&inc)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, data)
		}
	}
	var want string
	var wantSum archive.Summary
	runs := 3
	if testing.Short() {
		runs = 2 // the race pass: two namings still differ
	}
	for run := range runs {
		dir := t.TempDir()
		rng := rand.New(rand.NewPCG(uint64(run), 7))
		names := rng.Perm(len(files)) // a new name for each file on each run
		for i, data := range files {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d.md", names[i])), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s := storetest.Open(t, storetest.Selected(t))
		sum, err := archive.ImportPaths(context.Background(), s, []string{dir}, archive.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Created != incidents || sum.Failed+sum.Conflicts != 0 || sum.Superseded != len(files)-incidents {
			t.Fatalf("run %d: %+v", run, sum)
		}
		got := storedState(t, s)
		if run == 0 {
			want, wantSum = got, sum
			for i := range incidents {
				v := 1 + i%3
				if !strings.Contains(got, fmt.Sprintf("%d v%d ", i+1, v)) || !strings.Contains(got, fmt.Sprintf("(v%d)\n", v)) {
					t.Fatalf("incident %d is not at its newest version %d", i+1, v)
				}
			}
			continue
		}
		if got != want {
			t.Fatalf("run %d stored other incidents than run 0", run)
		}
		if sum.Created != wantSum.Created || sum.Superseded != wantSum.Superseded || sum.Unchanged != wantSum.Unchanged {
			t.Fatalf("run %d: %+v, run 0: %+v", run, sum, wantSum)
		}
	}
}

// TestStaleFilesAreConflicts: a file older than the stored incident is
// listed as a conflict with the current version; the import goes on.
func TestStaleFilesAreConflicts(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, storetest.Selected(t))
	incs := seed.NewGenerator(5, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Batch(5)
	if err := s.CreateIncidents(ctx, incs); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := archive.ExportDir(ctx, s, incident.Filter{}, dir, archive.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	edited, _ := s.GetIncident(ctx, incs[2].ID)
	edited.Title = "Edited after the export"
	if err := s.UpdateIncident(ctx, edited); err != nil {
		t.Fatal(err)
	}
	// Someone edits every exported file by hand and imports them back.
	paths, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		inc, err := postmortem.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		inc.Title = "Hand-edited " + inc.Title
		writeFile(t, p, inc)
	}
	sum, err := archive.ImportPaths(ctx, s, []string{dir}, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 4 || sum.Conflicts != 1 || len(sum.Failures) != 1 {
		t.Fatalf("summary %+v", sum)
	}
	var e *incident.Error
	if f := sum.Failures[0]; !asIncidentError(f.Err, &e) || e.Code != incident.ECONFLICT || e.CurrentVersion != 2 {
		t.Fatalf("conflict %+v", f)
	}
	if got, _ := s.GetIncident(ctx, incs[2].ID); got.Title != "Edited after the export" {
		t.Fatalf("the stale file undid the edit: %q", got.Title)
	}
}

func asIncidentError(err error, target **incident.Error) bool {
	e, ok := err.(*incident.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestImportSkipsWhatIsNotARegularFile: a named pipe among the files (or
// named on the command line) is skipped with the reason, at once, rather
// than waited on for ever.
func TestImportSkipsWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "real.md"), storetest.Linktree(t))
	fifo := filepath.Join(dir, "pipe.md")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	huge := filepath.Join(dir, "huge.md")
	if err := os.WriteFile(huge, make([]byte, postmortem.MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan archive.Summary, 1)
	go func() {
		sum, err := archive.ImportPaths(context.Background(), storetest.Open(t, storetest.Selected(t)), []string{dir, fifo}, archive.Options{})
		if err != nil {
			t.Error(err)
		}
		done <- sum
	}()
	select {
	case sum := <-done:
		if sum.Created != 1 || sum.Skipped != 2 || sum.Failed != 1 {
			t.Fatalf("summary %+v", sum)
		}
		for _, s := range sum.Skips {
			if s.Path != fifo || !strings.Contains(s.Err.Error(), "named pipe") {
				t.Errorf("skipped %s: %v", s.Path, s.Err)
			}
		}
		if f := sum.Failures[0]; f.Path != huge || !strings.Contains(f.Err.Error(), "larger than") {
			t.Errorf("failure %s: %v", f.Path, f.Err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the import hangs on a named pipe")
	}
}

// TestAStoppedImportSaysWhatItWrote: when an import stops half-way (here,
// cancelled after its first batch), Committed lists exactly the incidents
// that are in the database, and nothing else was written.
func TestAStoppedImportSaysWhatItWrote(t *testing.T) {
	dir := t.TempDir()
	gen := seed.NewGenerator(3, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := range 1500 {
		inc := gen.Next()
		inc.ID = int64(i + 1)
		writeFile(t, filepath.Join(dir, postmortem.FileName(&inc)), &inc)
	}
	s := storetest.Open(t, storetest.Selected(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	sum, err := archive.ImportPaths(ctx, s, []string{dir}, archive.Options{Progress: func(done, total int) {
		if calls++; calls == 2 { // after the first batch
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("the cancelled import succeeded")
	}
	if len(sum.Committed) == 0 || len(sum.Committed) >= 1500 {
		t.Fatalf("%d files committed", len(sum.Committed))
	}
	var committed []int64
	for _, r := range sum.Committed {
		if r.Outcome != incident.ImportCreated {
			t.Fatalf("%s: %v", r.Path, r.Outcome)
		}
		committed = append(committed, r.ID)
	}
	var stored []int64
	archive.EachIncident(context.Background(), s, incident.Filter{}, func(inc *incident.Incident) error {
		stored = append(stored, inc.ID)
		return nil
	})
	slices.Sort(committed)
	slices.Sort(stored)
	if !slices.Equal(committed, stored) {
		t.Fatalf("committed %d files, the database holds %d incidents", len(committed), len(stored))
	}
}

// TestAnArchiveImportIsAudited: what an archive import writes (incidents,
// comments, services, categories) is in the audit log, whose chain stays
// whole.
func TestAnArchiveImportIsAudited(t *testing.T) {
	ctx := context.Background()
	src := storetest.Open(t, storetest.Selected(t))
	if err := src.AddCategory(ctx, incident.Category{Kind: incident.CauseVocabulary, Slug: "solar-flare"}); err != nil {
		t.Fatal(err)
	}
	inc := storetest.Linktree(t)
	if err := src.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if err := src.AddComment(ctx, &incident.Comment{IncidentID: inc.ID, Author: "sam", Body: "Why 95%?"}); err != nil {
		t.Fatal(err)
	}
	deps := []string{"Stripe"}
	if _, err := src.UpdateService(ctx, "linktree", incident.ServiceChange{DependsOn: &deps}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := archive.ExportDir(ctx, src, incident.Filter{}, dir, archive.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	dst := storetest.Open(t, storetest.Selected(t))
	if _, err := archive.ImportPaths(ctx, dst, []string{dir}, archive.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"incident.import", "comment.import", "service.import", "category.import"} {
		page, err := dst.Audit(ctx, incident.AuditFilter{Action: action})
		if err != nil || len(page.Items) == 0 {
			t.Errorf("no %s entry: %v", action, err)
		}
	}
	check, err := dst.VerifyAudit(ctx)
	if err != nil || check.Problem != "" {
		t.Fatalf("audit chain: %+v %v", check, err)
	}
}
