package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/migrations"
)

// Store is Aftermath's persistence. Its methods are safe for concurrent use.
type Store struct {
	writer *gorm.DB // one connection; every write goes here
	reader *gorm.DB // a pool for reads, running beside the writer under WAL
	path   string

	// Now is the clock; tests replace it.
	Now func() time.Time

	// outboxHook is called after a write queued webhook deliveries.
	outboxHook atomic.Pointer[func()]
	// alerts batches alert notifications into few transactions.
	alerts *alertBatcher
}

// Options tune Open. The zero value is what `aftermath serve` uses.
type Options struct {
	// Readers is the size of the reader pool; 0 means max(4, 2×CPUs).
	Readers int
	// MustExist refuses a database file that does not exist (ENOTFOUND)
	// instead of creating an empty one: for commands that only read.
	MustExist bool
}

// Open opens (creating if needed) the database named by dsn and applies any
// pending migrations. dsn is a file path or sqlite://PATH; postgres:// is
// recognised but not supported by this build yet.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
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
	if err := migrate(ctx, writer); err != nil {
		closeGorm(writer)
		return nil, err
	}
	if err := ensureSimilarity(ctx, writer); err != nil {
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
	s := &Store{writer: writer, reader: reader, path: path, Now: time.Now}
	s.alerts = newAlertBatcher(s)
	return s, nil
}

// Migrate applies pending migrations to the database named by dsn and
// reports the versions it applied.
func Migrate(ctx context.Context, dsn string) ([]int64, error) {
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	db, err := openSQLite(writerDriver, path, writerPragmas, 1)
	if err != nil {
		return nil, err
	}
	defer closeGorm(db)
	return applyMigrations(ctx, db)
}

// Close closes both pools. Writes in flight finish first: database/sql
// waits for connections in use.
func (s *Store) Close() error {
	s.alerts.close()
	// Refresh planner statistics that the writes since opening made stale,
	// as SQLite advises before closing; it is quick when nothing changed.
	s.writer.Exec("PRAGMA optimize")
	errW := closeGorm(s.writer)
	errR := closeGorm(s.reader)
	if errW != nil {
		return errW
	}
	return errR
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers a query; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.reader.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error
}

// ReaderStats exposes the reader pool's statistics.
func (s *Store) ReaderStats() sql.DBStats { return statsOf(s.reader) }

// WriterStats exposes the writer pool's statistics.
func (s *Store) WriterStats() sql.DBStats { return statsOf(s.writer) }

// Reader gives read-only access for packages that aggregate in SQL (reports).
func (s *Store) Reader() *gorm.DB { return s.reader }

func statsOf(db *gorm.DB) sql.DBStats {
	sqlDB, err := db.DB()
	if err != nil {
		return sql.DBStats{}
	}
	return sqlDB.Stats()
}

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
	db, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: driver, DSN: dsn}), &gorm.Config{
		Logger:                 logger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true, // we open transactions where they are needed
		PrepareStmt:            true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
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

func closeGorm(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// sqlitePath turns the --db value into a file path.
func sqlitePath(dsn string) (string, error) {
	switch {
	case dsn == "":
		return "aftermath.db", nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "", incident.Errorf(incident.EMALFORMED, "PostgreSQL is not supported by this build yet; use a SQLite file path")
	case strings.HasPrefix(dsn, "sqlite://"):
		return strings.TrimPrefix(dsn, "sqlite://"), nil
	case strings.HasPrefix(dsn, "file:"):
		return strings.TrimPrefix(dsn, "file:"), nil
	case strings.Contains(dsn, "://"):
		return "", incident.Errorf(incident.EMALFORMED, "unsupported database %q: use a file path, sqlite://PATH or postgres://", dsn)
	}
	return dsn, nil
}

func migrate(ctx context.Context, db *gorm.DB) error {
	_, err := applyMigrations(ctx, db)
	return err
}

func applyMigrations(ctx context.Context, db *gorm.DB) ([]int64, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	provider, err := goose.NewProvider(goose.DialectSQLite3, sqlDB, migrations.SQLite(),
		goose.WithGoMigrations(goMigrations()...), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}
