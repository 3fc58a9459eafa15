package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestKeysRebuiltAfterAnUpgradeSaySo opens a database whose near-duplicate
// keys were made by another scheme: Open rebuilds them, saying so on its
// log with the number of incidents, and the next Open says nothing.
func TestKeysRebuiltAfterAnUpgradeSaySo(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t, storetest.Selected(t))
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		inc := storetest.Linktree(t)
		inc.Title = fmt.Sprintf("incident %d", i)
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}
	keys := func() (n int64) {
		t.Helper()
		if err := s.Reader().Table("similarity_keys").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	made := keys()
	if made == 0 {
		t.Fatal("no near-duplicate keys for three incidents")
	}
	for _, sql := range []string{"UPDATE settings SET value = 'an older scheme' WHERE name = 'similarity_scheme'", "DELETE FROM similarity_keys"} {
		if err := s.ExecForTest(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	reopen := func() []map[string]any {
		t.Helper()
		var logged bytes.Buffer
		opened, err := store.Open(ctx, dsn, store.Options{Log: slog.New(slog.NewJSONHandler(&logged, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { opened.Close() })
		s = opened // keys reads through the latest
		var lines []map[string]any
		for line := range strings.Lines(logged.String()) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			lines = append(lines, m)
		}
		return lines
	}
	lines := reopen()
	if len(lines) != 2 || !strings.HasPrefix(lines[0]["msg"].(string), "rebuilding the near-duplicate keys") ||
		lines[0]["incidents"] != 3.0 || lines[1]["msg"] != "near-duplicate keys rebuilt" || lines[1]["incidents"] != 3.0 {
		t.Fatalf("the rebuild logged %v", lines)
	}
	if got := keys(); got != made {
		t.Fatalf("%d keys after the rebuild, want %d", got, made)
	}
	if lines := reopen(); len(lines) != 0 {
		t.Fatalf("an open with the keys made logged %v", lines)
	}
}
