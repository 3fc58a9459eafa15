package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	db, dest := filepath.Join(dir, "live.db"), filepath.Join(dir, "copy.db")
	ctx := context.Background()
	if _, err := run(t, ctx, "seed", "--synthetic", "40", "--db", db); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, ctx, "backup", dest, "--db", "sqlite://"+db)
	if err != nil || !strings.Contains(out, "backed up to "+dest) {
		t.Fatalf("backup: %q %v", out, err)
	}
	if _, err := run(t, ctx, "backup", dest, "--db", db); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("backup over an existing file: %v", err)
	}
	if _, err := run(t, ctx, "backup", dest, "--replace", "--db", db); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, ctx, "backup", filepath.Join(dir, "x.db"), "--db", filepath.Join(dir, "none.db")); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("backup of a missing database: %v", err)
	}

	// Restore: the copy opens as a database with the same incidents.
	if err := store.IntegrityCheck(ctx, dest); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(ctx, dest, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	page, err := restored.ListIncidents(ctx, incident.Filter{Limit: 1})
	if err != nil || page.Total != 40 {
		t.Fatalf("restored %v incidents, %v", page, err)
	}
}

func TestServeRefusesBadLimits(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	// Cancelled: were a bad value accepted, serve would stop at once
	// rather than hang the test.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--rate-limit", "-1"}, "--rate-limit"},
		{[]string{"--rate-burst", "0"}, "--rate-burst"},
		{[]string{"--read-timeout", "0s"}, "timeouts"},
		{[]string{"--shutdown-grace", "0s"}, "--shutdown-grace"},
		{[]string{"--trusted-proxies", "10.0.0.0/8,proxy.local"}, "--trusted-proxies"},
	}
	for _, tt := range tests {
		args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, tt.args...)
		if _, err := run(t, ctx, args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("serve %v: %v, want an error about %s", tt.args, err, tt.want)
		}
	}
}

// TestBackupOfPostgresPointsToPgDump: aftermath backup copies SQLite files;
// on a PostgreSQL URL it says to use pg_dump, and writes nothing.
func TestBackupOfPostgresPointsToPgDump(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "copy.db")
	out, err := run(t, context.Background(), "backup", dest, "--db", "postgres://aftermath@127.0.0.1:1/aftermath")
	if err == nil || !strings.Contains(err.Error(), "pg_dump") || strings.Contains(err.Error(), "validation_failed") {
		t.Fatalf("backup of a PostgreSQL database: %q %v", out, err)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Fatalf("the refused backup wrote %s", dest)
	}
}
