package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// readDir returns every file in dir by name.
func readDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = data
	}
	return files
}

func sameFiles(t testing.TB, a, b map[string][]byte) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Fatalf("%s differs after the round trip:\n%s\n---- then ----\n%s", name, data, b[name])
		}
	}
}

// roundTrip exports src, imports into a fresh store, exports again, and
// checks that both exports are the same bytes; it returns the first export.
func roundTrip(t *testing.T, src *store.Store) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	first, second := filepath.Join(t.TempDir(), "first"), filepath.Join(t.TempDir(), "second")
	n, err := archive.ExportDir(ctx, src, incident.Filter{}, first, archive.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dst := storetest.Open(t, storetest.Selected(t))
	sum, err := archive.ImportPaths(ctx, dst, []string{first}, archive.Options{})
	if err != nil || sum.Failed != 0 || sum.Created != n {
		t.Fatalf("import: %+v %v", sum, err)
	}
	if _, err := archive.ExportDir(ctx, dst, incident.Filter{}, second, archive.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	a, b := readDir(t, first), readDir(t, second)
	sameFiles(t, a, b)

	// Importing the same files again changes nothing.
	sum, err = archive.ImportPaths(ctx, dst, []string{first}, archive.Options{})
	if err != nil || sum.Unchanged != n {
		t.Fatalf("re-import: %+v %v", sum, err)
	}
	return a
}

func TestLinktreeRoundTrip(t *testing.T) {
	src := storetest.Open(t, storetest.Selected(t))
	if err := src.CreateIncident(context.Background(), storetest.Linktree(t)); err != nil {
		t.Fatal(err)
	}
	files := roundTrip(t, src)
	for name, data := range files {
		if !strings.HasSuffix(name, ".md") {
			continue
		}
		if !strings.HasPrefix(name, "2025-03-14-linktree-payment-processing-outage") {
			t.Errorf("file name %s", name)
		}
		if !bytes.Contains(data, []byte("| Fix connection recycling")) {
			t.Errorf("the body has no action item table:\n%s", data)
		}
	}
}

// TestSyntheticRoundTrip uses generated incidents, which set every field.
func TestSyntheticRoundTrip(t *testing.T) {
	src := storetest.Open(t, storetest.Selected(t))
	incs := seed.NewGenerator(3, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Batch(300)
	// Hostile and awkward text, an unknown front-matter key, no timestamps.
	odd := storetest.Linktree(t)
	odd.Title = "Ünïcödé | *stars* _under_ `code` # hash > quote [link](x) --- ---"
	odd.Summary = "line one\n\n---\nline three with trailing spaces   \n\ttabbed"
	odd.Description = "---\nnot: front matter\n---\n<!-- aftermath:description -->\n# Heading"
	odd.Lessons.GotLucky = "yes"
	odd.Tags = []string{"true", "1.0", "2024-01-01", "null", "~"}
	odd.Extra = map[string]any{"keywords": []any{"a", 2147483647, 1.5, true, nil}, "nested": map[string]any{"x": "y"}}
	odd.StartedAt, odd.DetectedAt, odd.MitigatedAt, odd.ResolvedAt = nil, nil, nil, nil
	odd.Timeline, odd.ActionItems = nil, nil
	incs = append(incs, odd)
	if err := src.CreateIncidents(context.Background(), incs); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, src)
}

func TestCorpusRoundTrip(t *testing.T) {
	dir := os.Getenv("AFTERMATH_CORPUS")
	if dir == "" {
		t.Skip("AFTERMATH_CORPUS is not set; .ci/run sets it to ../shared/corpus/postmortems")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("AFTERMATH_CORPUS=%s holds no *.md files (%v)", dir, err)
	}
	src := storetest.Open(t, storetest.Selected(t))
	sum, err := archive.ImportPaths(context.Background(), src, []string{dir}, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sum.Failures {
		t.Errorf("%s: %v", f.Path, f.Err)
	}
	if sum.Created != len(files) {
		t.Fatalf("created %d of %d files", sum.Created, len(files))
	}
	exported := roundTrip(t, src)
	if len(exported) != len(files)+2 { // the catalogue and the vocabulary beside them
		t.Fatalf("exported %d of %d", len(exported), len(files))
	}
	// A second import of the originals updates nothing.
	sum, err = archive.ImportPaths(context.Background(), src, []string{dir}, archive.Options{})
	if err != nil || sum.Unchanged != len(files) {
		t.Fatalf("re-import of the corpus: %+v %v", sum, err)
	}
}

func TestImportReportsFailuresAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	src := storetest.Open(t, storetest.Selected(t))
	if err := src.CreateIncident(context.Background(), storetest.Linktree(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := archive.ExportDir(context.Background(), src, incident.Filter{}, dir, archive.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("broken-yaml.md", "---\ntitle: [unclosed\n---\nbody\n")
	write("invalid.md", "---\ntitle: x\nservice: Linktree\nseverity: SEV9\n---\n")
	write("notes.txt", "not markdown, not read")
	missing := filepath.Join(dir, "missing.md")

	dst := storetest.Open(t, storetest.Selected(t))
	sum, err := archive.ImportPaths(context.Background(), dst, []string{dir, missing}, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 1 || sum.Failed != 3 {
		t.Fatalf("summary %+v", sum)
	}
	var names []string
	for _, f := range sum.Failures {
		if f.Err == nil || f.Err.Error() == "" {
			t.Errorf("%s failed without a reason", f.Path)
		}
		names = append(names, filepath.Base(f.Path))
	}
	if !slices.Equal(names, []string{"broken-yaml.md", "invalid.md", "missing.md"}) {
		t.Fatalf("failures %v", names)
	}
}

func TestZipHoldsTheSameFilesAsTheFolder(t *testing.T) {
	src := storetest.Open(t, storetest.Selected(t))
	incs := seed.NewGenerator(11, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Batch(40)
	if err := src.CreateIncidents(context.Background(), incs); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	filter := incident.Filter{Severity: incident.SEV3}
	n, err := archive.ExportDir(context.Background(), src, filter, dir, archive.ExportOptions{})
	if err != nil || n == 0 {
		t.Fatalf("exported %d: %v", n, err)
	}
	var buf bytes.Buffer
	if err := archive.WriteZip(context.Background(), src, filter, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	fromZip := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		fromZip[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	sameFiles(t, readDir(t, dir), fromZip)
}

// TestImportSameExportTwice: two folders holding one export import once;
// the copies come out unchanged, not as a failed import.
func TestImportSameExportTwice(t *testing.T) {
	ctx := context.Background()
	src := storetest.Open(t, storetest.Selected(t))
	incs := seed.NewGenerator(5, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Batch(25)
	if err := src.CreateIncidents(ctx, incs); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, dir := range []string{a, b} {
		if _, err := archive.ExportDir(ctx, src, incident.Filter{}, dir, archive.ExportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dst := storetest.Open(t, storetest.Selected(t))
	sum, err := archive.ImportPaths(ctx, dst, []string{a, b}, archive.Options{})
	if err != nil || sum.Created != 25 || sum.Unchanged != 25 || sum.Failed != 0 {
		t.Fatalf("import: %+v %v", sum, err)
	}
}
