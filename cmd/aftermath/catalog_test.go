package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/store"
)

// TestCatalogCommands imports the example Backstage descriptors and
// failure modes, imports them again (nothing changes), exports the
// catalogue, imports that into an empty database and exports the same
// bytes; a file that cannot be read is listed and the command fails while
// the others import.
func TestCatalogCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, empty := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	examples := []string{"../../examples/catalog-info.yaml", "../../examples/linktree-catalog.yaml"}
	out, err := run(t, ctx, append([]string{"catalog", "import", "--db", db}, examples...)...)
	if err != nil || !strings.Contains(out, "services 5 created") || !strings.Contains(out, "failure modes 5 created") ||
		!strings.Contains(out, "note: document 7: API links-api is not a service") {
		t.Fatalf("first import: %q %v", out, err)
	}
	out, err = run(t, ctx, append([]string{"catalog", "import", "--db", db}, examples...)...)
	if err != nil || !strings.Contains(out, "services 0 created, 0 updated, 5 unchanged; failure modes 0 created, 0 updated, 5 unchanged") {
		t.Fatalf("second import: %q %v", out, err)
	}

	first := filepath.Join(dir, "first.yaml")
	if out, err := run(t, ctx, "catalog", "export", "--db", db, "--out", first); err != nil {
		t.Fatalf("export: %q %v", out, err)
	}
	if _, err := run(t, ctx, "catalog", "import", "--db", empty, first); err != nil {
		t.Fatal(err)
	}
	second, err := run(t, ctx, "catalog", "export", "--db", empty) // to stdout
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(first)
	if second != string(want) {
		t.Fatalf("the catalogue changed on its way through an empty database:\n%s\n---\n%s", want, second)
	}

	// A folder is searched for catalog-info.yaml; a broken file is listed
	// and the rest imports.
	repo := filepath.Join(dir, "repo", "services", "checkout")
	os.MkdirAll(repo, 0o755)
	os.WriteFile(filepath.Join(repo, "catalog-info.yaml"), []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\nspec:\n  owner: team-checkout\n  dependsOn: [component:linktree]\n"), 0o644)
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("kind: [\n"), 0o644)
	out, err = run(t, ctx, "catalog", "import", "--db", db, filepath.Join(dir, "repo"), broken)
	if err == nil || !strings.Contains(out, "broken.yaml: document 1") || !strings.Contains(out, "services 1 created") {
		t.Fatalf("folder and broken file: %q %v", out, err)
	}
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := st.GetService(ctx, "checkout")
	if err != nil || svc.Owner != "team-checkout" || len(svc.DependsOn) != 1 {
		t.Fatalf("checkout: %+v %v", svc, err)
	}
	// Reading commands refuse a database that does not exist.
	if _, err := run(t, ctx, "catalog", "export", "--db", filepath.Join(dir, "missing.db")); err == nil {
		t.Fatal("export created a database")
	}
}
