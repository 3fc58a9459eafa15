package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// TestReadOnlyCommandsRefuseAMissingDatabase: export, report and backup
// say there is no database rather than make an empty one and read it.
func TestReadOnlyCommandsRefuseAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	for _, args := range [][]string{
		{"export", "1", "--db", missing},
		{"export", "--out", filepath.Join(dir, "out"), "--db", missing},
		{"report", "--db", missing},
		{"report", "--format", "json", "--db", "sqlite://" + missing},
		{"backup", filepath.Join(dir, "copy.db"), "--db", missing},
	} {
		_, err := run(t, context.Background(), args...)
		if err == nil || !strings.Contains(describe(err), "no database") {
			t.Errorf("%v: %v", args, err)
		}
		if _, statErr := os.Stat(missing); statErr == nil {
			t.Fatalf("%v created %s", args, missing)
		}
	}
}

// TestEveryCommandChecksTheLogFlags: an unknown --log-format or
// --log-level is refused by every command, from the flag or from the
// environment, before it does anything.
func TestEveryCommandChecksTheLogFlags(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "l.db")
	commands := [][]string{
		{"migrate"}, {"seed", "--synthetic", "1"}, {"import", dir}, {"export", "--out", filepath.Join(dir, "o")},
		{"report"}, {"backup", filepath.Join(dir, "b.db")}, {"serve", "--addr", "127.0.0.1:0"}, {"healthcheck"},
	}
	for _, bad := range [][]string{{"--log-format", "xml"}, {"--log-level", "loud"}, {"--log-level", "warning"}, {"--log-level", "info+4"}} {
		for _, c := range commands {
			args := append(append(cloned(c), "--db", db), bad...)
			_, err := run(t, context.Background(), args...)
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(bad[0], "--")) {
				t.Errorf("%v: %v", args, err)
			}
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("a command with a bad log flag touched the database")
	}
	t.Setenv("AFTERMATH_LOG_FORMAT", "yaml")
	if _, err := run(t, context.Background(), "migrate", "--db", db); err == nil || !strings.Contains(err.Error(), "AFTERMATH_LOG_FORMAT") && !strings.Contains(err.Error(), "log-format") {
		t.Errorf("AFTERMATH_LOG_FORMAT=yaml: %v", err)
	}
}

func cloned(s []string) []string { return append([]string(nil), s...) }

// TestProgressStaysQuietOffATerminal: when output is not a terminal (a
// pipe, a file, this test's buffer), long commands print their summary
// and nothing else.
func TestProgressStaysQuietOffATerminal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	ctx := context.Background()
	out, err := run(t, ctx, "seed", "--synthetic", "1500", "--db", db)
	if err != nil || strings.Count(out, "\n") != 1 || strings.ContainsAny(out, "\r\x1b") {
		t.Fatalf("seed: %v %q", err, out)
	}
	out, err = run(t, ctx, "export", "--out", filepath.Join(dir, "out"), "--db", db)
	if err != nil || strings.Count(out, "\n") != 1 || strings.ContainsAny(out, "\r\x1b") {
		t.Fatalf("export: %v %q", err, out)
	}
	out, err = run(t, ctx, "import", filepath.Join(dir, "out"), "--db", filepath.Join(dir, "q.db"))
	if err != nil || strings.ContainsAny(out, "\r\x1b") || !strings.Contains(out, "1500 created") {
		t.Fatalf("import: %v %q", err, out)
	}
}

func TestLoopbackURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080": "http://127.0.0.1:8080", "0.0.0.0:80": "http://127.0.0.1:80", "[::]:8080": "http://[::1]:8080",
		"127.0.0.1:9": "http://127.0.0.1:9", "example.test:1": "http://example.test:1", "[::1]:7": "http://[::1]:7",
	} {
		if got, err := loopbackURL(addr); err != nil || got != want {
			t.Errorf("loopbackURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := loopbackURL("8080"); err == nil {
		t.Error("an address without a port was accepted")
	}
}

// TestDemoDoneTimesAreRealistic: the demo's finished action items say when
// they were done, in the story, not when the demo was loaded.
func TestDemoDoneTimesAreRealistic(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := loadDemo(ctx, s); err != nil {
		t.Fatal(err)
	}
	loaded := time.Now().Add(-time.Hour)
	done := 0
	err = archive.EachIncident(ctx, s, incident.Filter{}, func(inc *incident.Incident) error {
		for _, a := range inc.ActionItems {
			if a.Status != incident.ActionDone {
				continue
			}
			done++
			if a.DoneAt == nil || a.DoneAt.After(loaded) || (inc.StartedAt != nil && a.DoneAt.Before(*inc.StartedAt)) {
				t.Errorf("%s: %q done at %v (started %v)", inc.Title, a.Title, a.DoneAt, inc.StartedAt)
			}
		}
		return nil
	})
	if err != nil || done == 0 {
		t.Fatalf("%d done items, %v", done, err)
	}
}
