package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Store is Aftermath's persistence. Its methods are safe for concurrent use.
type Store struct {
	writer *gorm.DB // every write goes here
	reader *gorm.DB // a pool for reads, running beside the writer
	engine engine
	// where names the database in logs: a file path, or a PostgreSQL
	// address without its password.
	where string
	path  string // the SQLite file; "" on PostgreSQL

	// Now is the clock; tests replace it.
	Now func() time.Time

	// outboxHook is called after a write queued webhook deliveries.
	outboxHook atomic.Pointer[func()]
	// alerts batches alert notifications into few transactions.
	alerts *alertBatcher
}

// Options tune Open. The zero value is what `aftermath serve` uses.
type Options struct {
	// Readers is the size of the reader pool; 0 means the engine's
	// default (SQLite: max(4, 2×CPUs); PostgreSQL: 8).
	Readers int
	// Writers is the size of the writer pool on PostgreSQL; 0 means 4.
	// SQLite has one writer whatever this says.
	Writers int
	// MustExist refuses a SQLite file that does not exist (ENOTFOUND)
	// instead of creating an empty one: for commands that only read. (A
	// PostgreSQL database that does not exist fails to connect anyway.)
	MustExist bool
	// Log is where Open says what a long step of opening is doing: the
	// rebuild of the near-duplicate keys after an upgrade, minutes at
	// 100,000 incidents. Nil says nothing.
	Log *slog.Logger
}

// Open opens (creating if needed) the database named by dsn and applies any
// pending migrations. dsn is a SQLite file path, sqlite://PATH or
// file:PATH, or a PostgreSQL URL (postgres://… or postgresql://…).
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	db, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	var s *Store
	if db.Postgres {
		s, err = openPostgres(ctx, db.URL, opts)
	} else {
		s, err = openSQLiteStore(ctx, db.Path, opts)
	}
	if err != nil {
		return nil, err
	}
	s.alerts = newAlertBatcher(s)
	return s, nil
}

// Migrate applies pending migrations to the database named by dsn and
// reports the versions it applied.
func Migrate(ctx context.Context, dsn string) ([]int64, error) {
	db, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if db.Postgres {
		return migratePostgres(ctx, db.URL)
	}
	return migrateSQLite(ctx, db.Path)
}

// DSN is a parsed --db value.
type DSN struct {
	Postgres bool
	URL      string // the PostgreSQL URL as given
	Path     string // the SQLite file
}

// ParseDSN reads a --db value: a file path, sqlite://PATH, file:PATH, or a
// postgres:// or postgresql:// URL.
func ParseDSN(dsn string) (DSN, error) {
	switch {
	case dsn == "":
		return DSN{Path: "aftermath.db"}, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return DSN{Postgres: true, URL: dsn}, nil
	case strings.HasPrefix(dsn, "sqlite://"):
		return DSN{Path: strings.TrimPrefix(dsn, "sqlite://")}, nil
	case strings.HasPrefix(dsn, "file:"):
		return DSN{Path: strings.TrimPrefix(dsn, "file:")}, nil
	case strings.Contains(dsn, "://"):
		return DSN{}, incident.Errorf(incident.EMALFORMED, "unsupported database %q: use a file path, sqlite://PATH or postgres://…", dsn)
	}
	return DSN{Path: dsn}, nil
}

// Close closes both pools. Writes in flight finish first: database/sql
// waits for connections in use.
func (s *Store) Close() error {
	s.alerts.close()
	s.engine.tidy(s.writer)
	errW := closeGorm(s.writer)
	errR := error(nil)
	if s.reader != s.writer {
		errR = closeGorm(s.reader)
	}
	if errW != nil {
		return errW
	}
	return errR
}

// Engine names the database engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.engine.name() }

// Path is the SQLite database file, or "" on PostgreSQL.
func (s *Store) Path() string { return s.path }

// Where names the database for logs and messages: the SQLite file, or the
// PostgreSQL server and database (never the password).
func (s *Store) Where() string { return s.where }

// Ping checks that the database answers a query; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return translate(s.reader.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error)
}

// Pools returns the statistics of the store's connection pools, by name:
// "writer" and "reader".
func (s *Store) Pools() map[string]sql.DBStats {
	return map[string]sql.DBStats{"writer": statsOf(s.writer), "reader": statsOf(s.reader)}
}

// Reader gives read-only access for packages that aggregate in SQL (reports).
func (s *Store) Reader() *gorm.DB { return s.reader }

func statsOf(db *gorm.DB) sql.DBStats {
	sqlDB, err := db.DB()
	if err != nil {
		return sql.DBStats{}
	}
	return sqlDB.Stats()
}

// gormConfig is how both engines configure GORM. Neither uses GORM's
// cache of prepared statements: with a pool whose connections are all in
// transactions, a statement being prepared outside one waits for a
// connection while the transactions wait for that statement, and every
// request hangs until its deadline (go-gorm/playground#802; seen here on
// SQLite's reader pool, TestAFullReaderPoolKeepsMoving). pgx caches each
// connection's statements itself.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 silent,
		TranslateError:         true,
		SkipDefaultTransaction: true, // we open transactions where they are needed
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

func closeGorm(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// applyMigrations brings db up to the latest version of the migrations
// in fsys for dialect.
func applyMigrations(ctx context.Context, db *gorm.DB, dialect goose.Dialect, fsys goMigrationSource, opts ...goose.ProviderOption) ([]int64, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	opts = append(opts, goose.WithGoMigrations(fsys.goMigrations...), goose.WithDisableGlobalRegistry(true))
	provider, err := goose.NewProvider(dialect, sqlDB, fsys.files, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", translate(err))
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}
