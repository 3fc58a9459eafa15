package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestCopyCommand moves a seeded SQLite database to PostgreSQL and back
// with the CLI: progress on stderr, the copies' exports equal, the audit
// chain whole on PostgreSQL, and a second copy onto the full target
// refused.
func TestCopyCommand(t *testing.T) {
	ctx := context.Background()
	pg := storetest.DSN(t, storetest.Postgres)
	dir := t.TempDir()
	source, back := filepath.Join(dir, "source.db"), filepath.Join(dir, "back.db")
	if out, err := run(t, ctx, "seed", "--synthetic", "120", "--anchor", "2026-01-01", "--db", source); err != nil {
		t.Fatalf("seed: %s %v", out, err)
	}
	out, err := run(t, ctx, "copy", "--from", source, "--to", pg)
	if err != nil {
		t.Fatalf("copy to PostgreSQL: %s %v", out, err)
	}
	for _, want := range []string{"copying incidents: 120 rows", "incidents: 120 of 120", "search index: 120 of 120", "(sqlite) to", "(postgres) in"} {
		if !strings.Contains(out, want) {
			t.Errorf("the copy did not say %q:\n%s", want, out)
		}
	}
	if out, err := run(t, ctx, "audit", "verify", "--db", pg); err != nil {
		t.Fatalf("audit verify on the copy: %s %v", out, err)
	}
	if out, err := run(t, ctx, "copy", "--from", pg, "--to", back); err != nil {
		t.Fatalf("copy back to SQLite: %s %v", out, err)
	}
	exports := map[string]string{}
	for _, db := range []string{source, pg, back} {
		out, err := run(t, ctx, "export", "42", "--db", db)
		if err != nil {
			t.Fatalf("export from %s: %v", db, err)
		}
		exports[db] = out
	}
	if exports[pg] != exports[source] || exports[back] != exports[source] {
		t.Errorf("incident 42 exports differently after the copies")
	}
	out, err = run(t, ctx, "copy", "--from", source, "--to", pg)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a copy onto a full database: %s %v", out, err)
	}
}
