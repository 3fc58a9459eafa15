package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/search"
	"github.com/aftermath-sre/aftermath/migrations"
)

// sqliteEngine is the store on a SQLite file. A file has one writer at a
// time, so the Store holds two pools on it: a writer pool of exactly one
// connection whose transactions take the write lock up front (BEGIN
// IMMEDIATE), and a reader pool that WAL mode lets run beside it.
// Concurrent writers queue in Go for the one connection instead of failing
// with "database is locked".
type sqliteEngine struct{}

var silent = logger.Discard

// goMigrationSource is a dialect's migrations: SQL files, and the versions
// written in Go.
type goMigrationSource struct {
	files        fs.FS
	goMigrations []*goose.Migration
}

func sqliteMigrations() goMigrationSource {
	return goMigrationSource{files: migrations.SQLite(), goMigrations: goMigrations()}
}

func openSQLiteStore(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.MustExist {
		if _, err := os.Stat(path); err != nil {
			return nil, incident.Errorf(incident.ENOTFOUND, "There is no database at %s.", path)
		}
	}
	writer, err := openSQLite(writerDriver, path, writerPragmas, 1)
	if err != nil {
		return nil, err
	}
	// Migrate before the readers open so they never see a half-made schema.
	if _, err := applyMigrations(ctx, writer, goose.DialectSQLite3, sqliteMigrations()); err != nil {
		closeGorm(writer)
		return nil, err
	}
	if err := ensureSimilarity(ctx, sqliteEngine{}, writer, opts.Log); err != nil {
		closeGorm(writer)
		return nil, fmt.Errorf("rebuilding the near-duplicate keys: %w", err)
	}
	readers := opts.Readers
	if readers <= 0 {
		readers = max(4, 2*runtime.NumCPU())
	}
	reader, err := openSQLite(readerDriver, path, readerPragmas, readers)
	if err != nil {
		closeGorm(writer)
		return nil, err
	}
	// Give the query planner statistics for tables that lack them; without
	// them SQLite picks full scans for some report windows.
	if err := writer.WithContext(ctx).Exec("PRAGMA optimize=0x10002").Error; err != nil {
		closeGorm(writer)
		closeGorm(reader)
		return nil, fmt.Errorf("optimize: %w", err)
	}
	return &Store{writer: writer, reader: reader, engine: sqliteEngine{}, where: path, path: path, Now: time.Now}, nil
}

func migrateSQLite(ctx context.Context, path string) ([]int64, error) {
	db, err := openSQLite(writerDriver, path, writerPragmas, 1)
	if err != nil {
		return nil, err
	}
	defer closeGorm(db)
	return applyMigrations(ctx, db, goose.DialectSQLite3, sqliteMigrations())
}

func (sqliteEngine) name() string { return "sqlite" }

// readOptions: under WAL a transaction's first read fixes its snapshot.
func (sqliteEngine) readOptions() *sql.TxOptions { return nil }

func (sqliteEngine) index(tx *gorm.DB, incs []*incident.Incident) error {
	return indexForSearch(tx, incs)
}

func (sqliteEngine) unindex(tx *gorm.DB, ids []int64) error {
	return tx.Exec("DELETE FROM incidents_fts WHERE docid IN ?", ids).Error
}

func (sqliteEngine) search(q search.Query) searchPlan {
	match, exclude := ftsQuery(q)
	switch {
	case q.Empty():
		return searchPlan{nothing: true} // no words: nothing can match
	case match != "":
		return searchPlan{match: &condition{sql: ftsMatch, args: []any{match}}}
	}
	return searchPlan{exclude: &condition{sql: ftsMatch, args: []any{exclude}}}
}

// inSet: with probe, unary "+" keeps SQLite from driving the query by the
// id set.
func (sqliteEngine) inSet(set string, probe bool) string {
	if probe {
		return "+incidents.id IN (" + set + ")"
	}
	return "incidents.id IN (" + set + ")"
}

// perRow: unary "+" keeps SQLite from reading the rows through the
// condition's index.
func (sqliteEngine) perRow(cond string) string { return "+" + cond }

// SQLite's AUTOINCREMENT hands out ids above the highest ever stored, as
// rows are inserted; its one writer needs no lock.
func (sqliteEngine) newIDs(*gorm.DB, string, int) ([]int64, error) { return nil, nil }
func (sqliteEngine) lockIDs(*gorm.DB, string, int64) error         { return nil }
func (sqliteEngine) claimIDs(*gorm.DB, string, int64) error        { return nil }

// claimLock: SQLite has one writer, whose transaction keeps every other
// claim out until it commits.
func (sqliteEngine) claimLock(string) string { return "" }

func (sqliteEngine) exclusively(_ context.Context, db *gorm.DB, _ string, fn func(*gorm.DB) error) error {
	return fn(db)
}

func (sqliteEngine) backup(ctx context.Context, s *Store, dest string, opts BackupOptions) error {
	return backupFile(ctx, s.path, dest, opts)
}

// tidy refreshes planner statistics that the writes since opening made
// stale, as SQLite advises before closing; it is quick when nothing
// changed.
func (sqliteEngine) tidy(db *gorm.DB) { db.Exec("PRAGMA optimize") }

// Pragmas go in the DSN, not in Exec: they are per connection, and the pool
// opens connections whenever it likes.
//
//   - WAL lets readers run while the writer writes.
//   - busy_timeout makes a connection wait for a lock held by another process
//     (a second server, `aftermath backup`) instead of failing at once.
//   - txlock=immediate takes the write lock at BEGIN, so a transaction that
//     reads then writes cannot fail half-way with SQLITE_BUSY.
//   - cache_size gives each reader 4 MiB of page cache (SQLite's default
//     is 2 MiB); the operating system caches the file too. At 100,000
//     incidents 16 MiB saved lists 3 ms and cost 50 MB across the pool.
//     The writer keeps 16 MiB: a batch of 1,000 incidents changes some
//     8 MB of pages, which a smaller cache spills to the WAL mid-way.
//   - synchronous=FULL syncs the WAL at every commit: an acknowledged write
//     survives a crash of the process and of the machine.
const (
	commonPragmas = "_busy_timeout=10000&_foreign_keys=on&_journal_mode=WAL"
	writerPragmas = commonPragmas + "&_cache_size=-16384&_txlock=immediate&_synchronous=FULL"
	readerPragmas = commonPragmas + "&_cache_size=-4096&_query_only=true"
)

// Drivers: readers use mattn/go-sqlite3 as it is; writers add what their
// DSN cannot carry, run on every new connection:
//
//   - temp_store=MEMORY keeps statement journals in memory. A multi-row
//     INSERT within a large transaction journals every page it changes
//     that the transaction changed before; on disk that was some 50,000
//     writes to a temporary file in an import of 10,000 files. Readers
//     keep temporary files on disk, so that the sorts behind a report
//     spill there rather than into the server's memory.
const (
	readerDriver = "sqlite3"
	writerDriver = "sqlite3_aftermath_writer"
)

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(conn *sqlite3.SQLiteConn) error {
			// Asserted, not called directly: without cgo the driver is a
			// stub whose connections have no Exec, and the binary should
			// still build (and fail at Open, as the driver does).
			execer, ok := any(conn).(interface {
				Exec(string, []driver.Value) (driver.Result, error)
			})
			if !ok {
				return errors.New("sqlite3: this binary was built without cgo")
			}
			_, err := execer.Exec("PRAGMA temp_store=MEMORY", nil)
			return err
		},
	})
}

func openSQLite(driver, path, pragmas string, conns int) (*gorm.DB, error) {
	dsn := "file:" + url.PathEscape(path) + "?" + pragmas
	db, err := gorm.Open(sqliteDialector{sqlite.New(sqlite.Config{DriverName: driver, DSN: dsn}).(*sqlite.Dialector)}, gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxIdleTime(0)
	if err := sqlDB.Ping(); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// sqliteDialector is GORM's SQLite dialect with the store's error
// translation (translate) after GORM's own.
type sqliteDialector struct{ *sqlite.Dialector }

func (d sqliteDialector) Translate(err error) error { return translate(d.Dialector.Translate(err)) }
