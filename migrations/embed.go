// Package migrations holds the versioned SQL schema, one folder per database
// dialect, embedded in the binary so that `aftermath migrate` and
// `aftermath serve` need no files on disk.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// SQLite returns the migrations for SQLite, named NNNNN_description.sql in
// goose's format. Some versions are written in Go, because they need the
// domain's own functions; their numbers are taken among these files' and
// they live with the schema's owner, internal/store (goMigrations):
//
//	00005  fold service keys (internal/store/migrate_service_keys.go)
//	00007  fold the search index's text (internal/store/migrate_search_text.go)
func SQLite() fs.FS { return folder("sqlite") }

// Postgres returns the migrations for PostgreSQL, numbered as the SQLite
// migration of the same change (see postgres/00001_schema.sql).
func Postgres() fs.FS { return folder("postgres") }

func folder(name string) fs.FS {
	sub, err := fs.Sub(files, name)
	if err != nil {
		panic(err) // the folder is embedded at build time; it cannot be missing
	}
	return sub
}
