package storetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/migrations"
)

// PostgresDSNVariable names the PostgreSQL server the tests use.
const PostgresDSNVariable = "AFTERMATH_POSTGRES_DSN"

// PostgresURL returns AFTERMATH_POSTGRES_DSN, or skips the test with a
// message when it is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(PostgresDSNVariable)
	if dsn == "" {
		t.Skip(PostgresDSNVariable + " is not set: PostgreSQL tests skipped (.ci/run starts PostgreSQL and sets it)")
	}
	return dsn
}

// A test's database is a copy of a template that the migrations were
// applied to once: CREATE DATABASE … TEMPLATE copies a small database in
// milliseconds, where migrating each one would take a tenth of a second.
// The template is named after a hash of the migrations, so that test
// processes running at once share it and a changed schema makes a new one.
var (
	admin struct {
		once sync.Once
		db   *sql.DB
		tmpl string
		err  error
	}
	databases atomic.Int64
)

func postgresDatabase(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	admin.once.Do(func() { admin.db, admin.tmpl, admin.err = prepareTemplate(base) })
	if admin.err != nil {
		t.Fatalf("PostgreSQL at %s: %v", PostgresDSNVariable, admin.err)
	}
	name := fmt.Sprintf("aftermath_test_%d_%d", os.Getpid(), databases.Add(1))
	ctx := context.Background()
	if _, err := admin.db.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+admin.tmpl); err != nil {
		t.Fatalf("create a test database: %v", err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(ctx, admin.db, name); err != nil {
			t.Errorf("drop the test database %s: %v", name, err)
		}
	})
	return withDatabase(base, name)
}

// withDatabase is the URL base with its database replaced by name.
func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

// prepareTemplate connects to the server and makes the migrated template
// if no process has made it yet, under an advisory lock.
func prepareTemplate(base string) (*sql.DB, string, error) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, "", err
	}
	tmpl, err := templateName()
	if err != nil {
		db.Close()
		return nil, "", err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, "", err
	}
	defer conn.Close()
	const lockKey = 0x61667465726d // "afterm"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		db.Close()
		return nil, "", err
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey)
	dropStale(ctx, conn)
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tmpl).Scan(&exists); err != nil {
		db.Close()
		return nil, "", err
	}
	if !exists {
		if err := migrateTemplate(ctx, conn, base, tmpl); err != nil {
			db.Close()
			return nil, "", fmt.Errorf("make the template database: %w", err)
		}
	}
	return db, tmpl, nil
}

// migrateTemplate makes the template under another name and renames it
// when it is whole, so that no process copies a half-migrated one.
func migrateTemplate(ctx context.Context, conn *sql.Conn, base, tmpl string) error {
	building := tmpl + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return err
	}
	s, err := store.Open(ctx, withDatabase(base, building), store.Options{Readers: 1, Writers: 1})
	if err != nil {
		return err
	}
	if err := s.Close(); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+tmpl); err != nil {
		return err
	}
	// A template any role that may create databases can copy.
	_, err = conn.ExecContext(ctx, "ALTER DATABASE "+tmpl+" IS_TEMPLATE true")
	return err
}

// templateName is "aftermath_template_" and a hash of the migrations.
func templateName() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.Postgres(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(migrations.Postgres(), path)
		h.Write([]byte(path))
		h.Write(data)
		return err
	})
	return "aftermath_template_" + hex.EncodeToString(h.Sum(nil))[:12], err
}

// dropStale drops the test databases of processes that are gone (killed
// before their cleanup ran).
func dropStale(ctx context.Context, conn *sql.Conn) {
	rows, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'aftermath_test_%'")
	if err != nil {
		return
	}
	var stale []string
	owner := regexp.MustCompile(`^aftermath_test_(\d+)_\d+$`)
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		if m := owner.FindStringSubmatch(name); m != nil {
			pid, _ := strconv.Atoi(m[1])
			if syscall.Kill(pid, 0) == syscall.ESRCH {
				stale = append(stale, name)
			}
		}
	}
	rows.Close()
	for _, name := range stale {
		conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
}

// postgresContents reads every value of every table of the database.
func postgresContents(t testing.TB, dsn string) []byte {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var tables []string
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	var out []byte
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		columns, _ := rows.Columns()
		for rows.Next() {
			values := make([]any, len(columns))
			dest := make([]any, len(columns))
			for i := range values {
				dest[i] = &values[i]
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			for _, v := range values {
				if b, ok := v.([]byte); ok {
					out = append(out, b...)
				} else {
					out = fmt.Append(out, v)
				}
				out = append(out, '\n')
			}
		}
		rows.Close()
	}
	return out
}

// dropDatabase drops a test's database once its connections are closed.
// A plain DROP makes autovacuum let go of it, which WITH (FORCE) may not
// (the worker is not the test's role); FORCE ends what the test left open.
func dropDatabase(ctx context.Context, db *sql.DB, name string) error {
	var err error
	for range 20 {
		if _, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	return err
}
