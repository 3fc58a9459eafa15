package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/migrations"
)

// TestMigrationsFoldServiceKeysAndSearchText builds a database as version
// 3 left it, with services whose old keys differ only by Unicode form,
// case and accents, and search entries as typed, and checks that
// migrating merges the services into one each, keeping the first spelling,
// every incident, the dependencies both ways and the industries, and that
// folded searches find the old entries.
func TestMigrationsFoldServiceKeysAndSearchText(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	// Keys as the old ServiceKey made them: lower-cased letters and digits.
	for _, stmt := range []string{
		`INSERT INTO services (key, name, created_at) VALUES
			('payments', 'Payments', 100), ('ｐａｙｍｅｎｔｓ', 'ｐａｙｍｅｎｔｓ', 200),
			('café', 'Café', 300), ('cafe', 'Cafe` + "\u0301" + `', 400), ('other', 'Other', 500)`,
		`INSERT INTO incidents (id, title, service_key, status, postmortem_status, sort_at, detection_method, created_at, updated_at) VALUES
			(1, 'a', 'payments', 'resolved', 'draft', 1, 'unknown', 1, 1),
			(2, 'b', 'ｐａｙｍｅｎｔｓ', 'resolved', 'draft', 2, 'unknown', 2, 2),
			(3, 'c', 'café', 'resolved', 'draft', 3, 'unknown', 3, 3),
			(4, 'd', 'cafe', 'resolved', 'draft', 4, 'unknown', 4, 4),
			(5, 'e', 'other', 'resolved', 'draft', 5, 'unknown', 5, 5)`,
		`INSERT INTO incident_texts (incident_id, description) VALUES (1, ''), (2, 'Routing in Straße broke'), (3, ''), (4, ''), (5, '')`,
		// The search index as it was written: the text as typed.
		`INSERT INTO incidents_fts (docid, title, summary, description, causes, factors, gaps) VALUES
			(1, 'a', '', '', '', '', ''), (2, 'ｐａｙｍｅｎｔｓ down', '', 'Routing in Straße broke', '', '', ''),
			(3, 'c', '', '', '', '', ''), (4, 'd', '', '', '', '', ''), (5, 'e', '', '', '', '', '')`,
		`UPDATE incidents SET title = 'ｐａｙｍｅｎｔｓ down' WHERE id = 2`,
		`INSERT INTO service_dependencies (service_key, depends_on_key) VALUES
			('ｐａｙｍｅｎｔｓ', 'café'), ('payments', 'other'), ('other', 'cafe'),
			('cafe', 'payments'), ('ｐａｙｍｅｎｔｓ', 'payments')`,
		`INSERT INTO service_industries (service_key, position, industry) VALUES
			('payments', 0, 'retail'), ('ｐａｙｍｅｎｔｓ', 0, 'banking'), ('ｐａｙｍｅｎｔｓ', 1, 'retail'),
			('cafe', 0, 'hospitality')`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
	}
	db.Close()

	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	services, err := s.ListServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		name       string
		incidents  int64
		dependsOn  []string
		dependents []string
		industries []string
	}
	byKey := map[string]got{}
	for _, svc := range services {
		byKey[svc.Key] = got{svc.Name, svc.Incidents, svc.DependsOn, svc.Dependents, svc.Industries}
	}
	want := map[string]got{
		"payments": {"Payments", 2, []string{"cafe", "other"}, []string{"cafe"}, []string{"retail", "banking"}},
		"cafe":     {"Café", 2, []string{"payments"}, []string{"other", "payments"}, []string{"hospitality"}},
		"other":    {"Other", 1, []string{"cafe"}, []string{"payments"}, []string{}},
	}
	if len(byKey) != len(want) {
		t.Fatalf("services after the migration: %v", byKey)
	}
	for key, w := range want {
		g := byKey[key]
		if g.name != w.name || g.incidents != w.incidents || !slices.Equal(g.dependsOn, w.dependsOn) ||
			!slices.Equal(g.dependents, w.dependents) || !slices.Equal(g.industries, w.industries) {
			t.Errorf("%s: %+v, want %+v", key, g, w)
		}
	}
	// Every spelling finds the merged service.
	for _, name := range []string{"ｐａｙｍｅｎｔｓ", "PAYMENTS", "payments", "Cafe\u0301", "café", "CAFÉ"} {
		if _, err := s.GetService(ctx, name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	// Migration 5: the index holds folded text, as queries are folded.
	for q, want := range map[string]int64{"payments": 1, "PAYMENTS down": 1, "strasse": 1, "straße": 1, "a": 1} {
		page, err := s.ListIncidents(ctx, incident.Filter{Query: q})
		if err != nil || page.Total != want {
			t.Errorf("search %q after the migration: %d found, %v", q, page.Total, err)
		}
	}
	if err := store.IntegrityCheck(ctx, path); err != nil {
		t.Fatal(err)
	}
}
