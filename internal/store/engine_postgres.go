package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/search"
	"github.com/aftermath-sre/aftermath/migrations"
)

// postgresEngine is the store on a PostgreSQL database, which several
// instances of Aftermath may share. Writers run concurrently: a write that
// reads before it changes locks what it read (SELECT … FOR UPDATE), a
// change made at a version is a conditional UPDATE, and the audit head's
// row lock orders the appends of every instance into one chain. Reads run
// in REPEATABLE READ transactions, so that all the reads of one answer see
// one snapshot, as they do under SQLite's WAL.
type postgresEngine struct{}

// Pool sizes per instance. Four writers and eight readers are twelve
// connections: seven instances stay under PostgreSQL's default
// max_connections of 100 with room for psql and backups.
const (
	postgresWriters = 4
	postgresReaders = 8
)

// postgresDefaults are session settings every connection gets unless the
// URL sets them:
//
//   - connect_timeout: a server that does not answer fails a request in
//     seconds (503) instead of holding it.
//   - statement_timeout: no query runs longer than a report at ten times
//     the sizes measured; a stuck one frees its connection.
//   - lock_timeout: a write waits for a row lock as long as SQLite's busy
//     timeout, then fails instead of queueing forever.
//   - idle_in_transaction_session_timeout: a transaction left open by a
//     crashed client cannot hold its locks for long.
var postgresDefaults = [][2]string{
	{"connect_timeout", "5"},
	{"statement_timeout", "30s"},
	{"lock_timeout", "10s"},
	{"idle_in_transaction_session_timeout", "60s"},
	{"application_name", "aftermath"},
}

func postgresMigrations() goMigrationSource {
	return goMigrationSource{files: migrations.Postgres()}
}

func openPostgres(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	dsn, where, err := postgresDSN(rawURL)
	if err != nil {
		return nil, err
	}
	writers, readers := opts.Writers, opts.Readers
	if writers <= 0 {
		writers = postgresWriters
	}
	if readers <= 0 {
		readers = postgresReaders
	}
	writer, err := openPostgresPool(ctx, dsn, where, writers)
	if err != nil {
		return nil, err
	}
	if _, err := migrateOn(ctx, writer); err != nil {
		closeGorm(writer)
		return nil, err
	}
	if err := ensureSimilarity(ctx, postgresEngine{}, writer, opts.Log); err != nil {
		closeGorm(writer)
		return nil, fmt.Errorf("rebuilding the near-duplicate keys: %w", err)
	}
	reader, err := openPostgresPool(ctx, dsn, where, readers)
	if err != nil {
		closeGorm(writer)
		return nil, err
	}
	return &Store{writer: writer, reader: reader, engine: postgresEngine{}, where: where, Now: time.Now}, nil
}

func migratePostgres(ctx context.Context, rawURL string) ([]int64, error) {
	dsn, where, err := postgresDSN(rawURL)
	if err != nil {
		return nil, err
	}
	db, err := openPostgresPool(ctx, dsn, where, 1)
	if err != nil {
		return nil, err
	}
	defer closeGorm(db)
	return migrateOn(ctx, db)
}

// migrateOn applies the PostgreSQL migrations under goose's advisory lock,
// so that instances starting together migrate one after another.
func migrateOn(ctx context.Context, db *gorm.DB) ([]int64, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return applyMigrations(ctx, db, goose.DialectPostgres, postgresMigrations(), goose.WithSessionLocker(locker))
}

// postgresDSN adds the session defaults the URL does not set, and says
// where it points (user, host and database, never the password).
func postgresDSN(raw string) (dsn, where string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", incident.Errorf(incident.EMALFORMED, "The PostgreSQL URL cannot be read: %v", err)
	}
	q := u.Query()
	for _, kv := range postgresDefaults {
		if !q.Has(kv[0]) {
			q.Set(kv[0], kv[1])
		}
	}
	u.RawQuery = q.Encode()
	shown := *u
	shown.User = nil
	if u.User != nil {
		shown.User = url.User(u.User.Username())
	}
	shown.RawQuery = ""
	return u.String(), shown.String(), nil
}

func openPostgresPool(ctx context.Context, dsn, where string, conns int) (*gorm.DB, error) {
	dialector := postgres.New(postgres.Config{DSN: dsn}).(*postgres.Dialector)
	db, err := gorm.Open(postgresDialector{dialector}, gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", where, translate(err))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	// Connections are renewed now and then, so that a pool follows a
	// failover or a pgbouncer restart instead of keeping what it had.
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open %s: %w", where, translate(err))
	}
	return db, nil
}

// postgresDialector is GORM's PostgreSQL dialect with the store's error
// translation (translate) after GORM's own.
type postgresDialector struct{ *postgres.Dialector }

func (d postgresDialector) Translate(err error) error {
	return translate(d.Dialector.Translate(err))
}

func (postgresEngine) name() string { return "postgres" }

func (postgresEngine) readOptions() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

func (postgresEngine) index(tx *gorm.DB, incs []*incident.Incident) error {
	return indexForPostgresSearch(tx, incs)
}

func (postgresEngine) unindex(tx *gorm.DB, ids []int64) error {
	return errors.Join(tx.Exec("DELETE FROM incident_search WHERE incident_id IN ?", ids).Error,
		tx.Exec("DELETE FROM incident_search_words WHERE incident_id IN ?", ids).Error)
}

func (postgresEngine) search(q search.Query) searchPlan { return postgresSearch(q) }

// inSet: with probe, the set is a correlated EXISTS that PostgreSQL cannot
// turn into a join (OFFSET 0), so that the page walks the sort order and
// tests each row by primary key. Left to itself the planner reads every
// match of a common search and sorts them, or walks and rechecks each
// row's tsvector through a parallel plan: at 100,000 incidents
// "certificate expired" (4,113 matches) took 50–100 ms either way, against
// 10 ms walking 1,371 rows this way; "the" 65–150 ms against 1 ms.
func (postgresEngine) inSet(set string, probe bool) string {
	if probe {
		return "EXISTS (SELECT 1 FROM (" + set + ") AS probed WHERE probed.incident_id = incidents.id OFFSET 0)"
	}
	return "incidents.id IN (" + set + ")"
}

// perRow: PostgreSQL's planner weighs a range by its statistics.
func (postgresEngine) perRow(cond string) string { return cond }

// newIDs takes ids from the sequence before the write takes any other
// lock. A write that keeps ids of its own holds the sequence (lockIDs)
// and may then wait for a row a create has locked (a service the create
// made): were the create's nextval to come after that row, in its INSERT,
// each would wait for the other.
func (postgresEngine) newIDs(tx *gorm.DB, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	var ids []int64
	err := tx.Raw("SELECT nextval('"+table+"_id_seq') FROM generate_series(1, ?)", n).Scan(&ids).Error
	return ids, err
}

// lockIDs: an identity column's sequence hands out ids without looking at
// the table, so a write that brings ids of its own must keep the two from
// meeting: an id it brings may have been handed to a write still in
// flight (which the import cannot see yet), and an id above the sequence
// would be handed out again later. So the write takes a lock that nextval
// waits for (ALTER SEQUENCE's), which itself waits until every write that
// took an id from the sequence has finished; then the write sees every
// id in use, and claimIDs moves the sequence past the ids it wrote. The
// lock is held until the write commits, so new incidents wait for an
// import that keeps ids (a restore), not for any other. It is taken first
// in the transaction: taken after a row lock, it could wait for a writer
// that waits for that row.
func (postgresEngine) lockIDs(tx *gorm.DB, table string, maxID int64) error {
	if maxID <= 0 {
		return nil
	}
	return tx.Exec("ALTER SEQUENCE " + table + "_id_seq NO CYCLE").Error
}

// claimIDs moves the sequence to maxID when it is behind: safe only under
// lockIDs's lock, and a no-op when lockIDs found it ahead.
func (postgresEngine) claimIDs(tx *gorm.DB, table string, maxID int64) error {
	seq := table + "_id_seq"
	return tx.Exec("SELECT setval('"+seq+"', ?) FROM "+seq+" WHERE NOT is_called OR last_value < ?", maxID, maxID).Error
}

// claimLock locks the claimed rows and skips those another transaction
// holds: a claim waits for no other, and no two take one row. A row whose
// claim committed while this SELECT ran is read again once unlocked, and
// its new lease keeps it out.
func (postgresEngine) claimLock(alias string) string {
	return " FOR UPDATE OF " + alias + " SKIP LOCKED"
}

// exclusively holds a session advisory lock named by name while fn runs
// on the connection that holds it, so that instances starting together
// take turns.
func (postgresEngine) exclusively(ctx context.Context, db *gorm.DB, name string, fn func(*gorm.DB) error) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext($1))", "aftermath "+name); err != nil {
		return translate(err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext($1))", "aftermath "+name)
	locked := db.Session(&gorm.Session{Context: ctx})
	locked.Statement.ConnPool = conn
	return fn(locked)
}

func (postgresEngine) backup(context.Context, *Store, string, BackupOptions) error {
	return errPostgresBackup
}

// errPostgresBackup says how to back up a PostgreSQL database: with the
// tools made for it, which copy a live database consistently too.
var errPostgresBackup = incident.Errorf(incident.EINVALID,
	"aftermath backup copies SQLite databases. For PostgreSQL use pg_dump, which takes a consistent snapshot of the live database: "+
		"pg_dump --format=custom --file=aftermath.dump 'postgres://…' (restore with pg_restore; see the README, \"Backup and restore\").")

// tidy: autovacuum keeps PostgreSQL's statistics.
func (postgresEngine) tidy(*gorm.DB) {}
