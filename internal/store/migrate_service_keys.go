package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// goMigrations are the migrations written in Go, numbered among the SQL
// files of migrations/sqlite: they need the domain's own functions.
func goMigrations() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(5, &goose.GoFunc{RunTx: foldServiceKeys}, &goose.GoFunc{RunTx: keepServiceKeys}),
		goose.NewGoMigration(7, &goose.GoFunc{RunTx: foldSearchText}, &goose.GoFunc{RunTx: unfoldSearchText}),
	}
}

// foldServiceKeys is migration 5: service keys fold Unicode
// (incident.ServiceKey: NFKC, case, accents), where they used to be the
// lower-cased letters and digits of the name. Each service is re-keyed
// from its display name; services that now share a key ("ｐａｙｍｅｎｔｓ"
// and "payments", "café" written two ways) become one, which keeps the
// first one's spelling and creation time, every incident of each, their
// dependencies both ways (less those between them) and their industries.
func foldServiceKeys(ctx context.Context, tx *sql.Tx) error {
	services, err := loadServicesForRekey(ctx, tx)
	if err != nil {
		return err
	}
	newKey := map[string]string{} // old key → new key, for the keys that change
	groups := map[string][]serviceForRekey{}
	var order []string
	for _, s := range services {
		key := incident.ServiceKey(s.name)
		if key == "" {
			key = incident.ServiceKey(s.key)
		}
		if key == "" {
			key = s.key
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], s)
		if key != s.key {
			newKey[s.key] = key
		}
	}
	if len(newKey) == 0 {
		return nil
	}
	for _, key := range order {
		group := groups[key]
		if len(group) == 1 && group[0].key == key {
			continue
		}
		if err := mergeServices(ctx, tx, key, group); err != nil {
			return err
		}
	}
	if err := remapDependencies(ctx, tx, newKey); err != nil {
		return err
	}
	for old := range newKey {
		// Cascades to the old key's dependencies and industries, which
		// were copied to the new key.
		if _, err := tx.ExecContext(ctx, "DELETE FROM services WHERE key = ?", old); err != nil {
			return fmt.Errorf("fold service keys: %w", err)
		}
	}
	return nil
}

// keepServiceKeys is migration 5 undone: nothing. Merged services cannot
// be told apart again, and the folded keys are valid keys for the older
// code too, which looks services up by key.
func keepServiceKeys(context.Context, *sql.Tx) error { return nil }

type serviceForRekey struct {
	key, name string
	createdAt int64
}

// loadServicesForRekey loads every service, the earliest created first.
func loadServicesForRekey(ctx context.Context, tx *sql.Tx) ([]serviceForRekey, error) {
	rows, err := tx.QueryContext(ctx, "SELECT key, name, created_at FROM services ORDER BY created_at, key")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []serviceForRekey
	for rows.Next() {
		var s serviceForRekey
		if err := rows.Scan(&s.key, &s.name, &s.createdAt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// mergeServices makes key the service of every member of group (earliest
// created first): the row under key takes the first member's name and
// time, the members' incidents move to it, and their industries are
// joined in order without repeats.
func mergeServices(ctx context.Context, tx *sql.Tx, key string, group []serviceForRekey) error {
	first := group[0]
	_, err := tx.ExecContext(ctx,
		`INSERT INTO services (key, name, created_at) VALUES (?, ?, ?)
		 ON CONFLICT (key) DO UPDATE SET name = excluded.name, created_at = excluded.created_at`,
		key, first.name, first.createdAt)
	if err != nil {
		return fmt.Errorf("fold service keys: %w", err)
	}
	var industries []string
	for _, s := range group {
		list, err := industriesOf(ctx, tx, s.key)
		if err != nil {
			return err
		}
		for _, industry := range list {
			if !slices.Contains(industries, industry) {
				industries = append(industries, industry)
			}
		}
		if s.key == key {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE incidents SET service_key = ? WHERE service_key = ?", key, s.key); err != nil {
			return fmt.Errorf("fold service keys: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM service_industries WHERE service_key = ?", key); err != nil {
		return err
	}
	for i, industry := range industries {
		if _, err := tx.ExecContext(ctx, "INSERT INTO service_industries (service_key, position, industry) VALUES (?, ?, ?)", key, i, industry); err != nil {
			return fmt.Errorf("fold service keys: %w", err)
		}
	}
	return nil
}

func industriesOf(ctx context.Context, tx *sql.Tx, key string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT industry FROM service_industries WHERE service_key = ? ORDER BY position", key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// remapDependencies copies every dependency that names a re-keyed service
// onto the new keys. One between two services that became one is dropped:
// a service does not depend on itself.
func remapDependencies(ctx context.Context, tx *sql.Tx, newKey map[string]string) error {
	olds := make([]any, 0, len(newKey))
	for old := range newKey {
		olds = append(olds, old)
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(olds)), ",")
	rows, err := tx.QueryContext(ctx, "SELECT service_key, depends_on_key FROM service_dependencies WHERE service_key IN ("+marks+") OR depends_on_key IN ("+marks+")", append(olds, olds...)...)
	if err != nil {
		return err
	}
	var edges [][2]string
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			rows.Close()
			return err
		}
		edges = append(edges, [2]string{mapped(newKey, from), mapped(newKey, to)})
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, e := range edges {
		if e[0] == e[1] {
			continue
		}
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO service_dependencies (service_key, depends_on_key) VALUES (?, ?)", e[0], e[1]); err != nil {
			return fmt.Errorf("fold service keys: %w", err)
		}
	}
	return nil
}

func mapped(newKey map[string]string, key string) string {
	if k, ok := newKey[key]; ok {
		return k
	}
	return key
}
