package store

import (
	"context"
	"database/sql"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/search"
)

// engine is what the store does differently on each database it runs on:
// SQLite (engine_sqlite.go and the other *_sqlite.go files) or PostgreSQL
// (the *_postgres.go files). Everything else in this package is SQL that
// both read alike. A construct only one engine understands (a pragma, a
// planner hint, FTS4, tsvector) lives behind this boundary.
type engine interface {
	// name is the engine's name in messages and metrics: "sqlite" or
	// "postgres".
	name() string
	// readOptions are the options of a read transaction: what it takes for
	// every read in it to see one snapshot.
	readOptions() *sql.TxOptions

	// index writes the search entries of incidents whose ids are set;
	// unindex removes those of the ids. Both run in the write's
	// transaction, so the index never disagrees with what it indexes.
	index(tx *gorm.DB, incs []*incident.Incident) error
	unindex(tx *gorm.DB, ids []int64) error
	// search is the condition a full-text query puts on incidents.
	search(q search.Query) searchPlan

	// inSet is the condition that an incident's id is among those the
	// query set yields; with probe, written so that the set is tested row
	// by row as a page walks the sort order, rather than read first and
	// sorted.
	inSet(set string, probe bool) string
	// perRow writes a condition on incidents so that it is tested row by
	// row as a page walks the sort order, not used to find the rows.
	perRow(cond string) string

	// newIDs hands out n new ids of table for rows about to be inserted,
	// or nil when the insert itself assigns them (SQLite). A write calls
	// it before it takes any other lock.
	newIDs(tx *gorm.DB, table string, n int) ([]int64, error)
	// claimIDs keeps the ids that table hands out above the ones a write
	// gave explicitly, the highest of which is maxID. lockIDs is called at
	// the start of such a write, before it takes any other lock.
	lockIDs(tx *gorm.DB, table string, maxID int64) error
	claimIDs(tx *gorm.DB, table string, maxID int64) error

	// claimLock ends a SELECT of the rows (of the table aliased alias) a
	// worker claims, so that workers of several instances claiming at once
	// each take rows the others do not.
	claimLock(alias string) string

	// exclusively runs fn, on db or a connection of it, while no other
	// instance on the database runs an fn of the same name (SQLite: one
	// process writes at a time anyway).
	exclusively(ctx context.Context, db *gorm.DB, name string, fn func(db *gorm.DB) error) error

	// backup writes a consistent copy of the database to dest.
	backup(ctx context.Context, s *Store, dest string, opts BackupOptions) error
	// reportSQL is the SQL of the pattern report's queries that differs
	// between engines: month buckets and planner hints (report_sqlite.go,
	// report_postgres.go).
	reportSQL() reportDialect

	// tidy runs the engine's housekeeping after a session of writes, at
	// close.
	tidy(db *gorm.DB)
}

// searchPlan is the condition a full-text query puts on incidents: the ids
// in match (a query yielding ids), and not those in exclude; nothing when
// no incident can match (a search with no words).
type searchPlan struct {
	match, exclude *condition
	nothing        bool
}
