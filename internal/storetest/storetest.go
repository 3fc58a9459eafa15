// Package storetest gives tests a fresh database on either backend and the
// example incident, so every package's tests start from the same real
// setup: a SQLite file in the test's temp dir, or a new PostgreSQL database
// made from a migrated template.
//
// The package suites run on the backend AFTERMATH_TEST_BACKEND names
// (SQLite unless it says postgres); tests that compare the backends range
// over Backends. PostgreSQL needs AFTERMATH_POSTGRES_DSN, the URL of a
// database whose role may create databases: without it PostgreSQL tests
// skip with a message, and with it set they fail when the server does not
// answer.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aftermath-sre/aftermath/examples"
	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// Backend is a database engine the store runs on.
type Backend string

// The backends.
const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Backends lists every backend, for tests that compare them or run on
// each.
var Backends = []Backend{SQLite, Postgres}

// Selected is the backend the package suites run on:
// AFTERMATH_TEST_BACKEND ("sqlite" or "postgres"), SQLite when unset.
func Selected(t testing.TB) Backend {
	switch b := Backend(os.Getenv("AFTERMATH_TEST_BACKEND")); b {
	case "", SQLite:
		return SQLite
	case Postgres:
		return Postgres
	default:
		t.Fatalf("AFTERMATH_TEST_BACKEND=%q: want sqlite or postgres", b)
		return ""
	}
}

// Open opens a store on a new database of backend b and closes it (on
// PostgreSQL, drops the database) when the test ends.
func Open(t testing.TB, b Backend) *store.Store {
	t.Helper()
	dsn := DSN(t, b)
	s, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opened.Store(s, dsn)
	t.Cleanup(func() {
		s.Close()
		opened.Delete(s)
	})
	return s
}

// opened remembers the DSN of each store Open made, for Contents.
var opened sync.Map

// Contents returns every byte a store opened by Open holds: the SQLite
// file and its WAL, or every value of every table of the PostgreSQL
// database (bytes as they are, other values as text), for tests that
// check that no secret is stored in clear.
func Contents(t testing.TB, s *store.Store) []byte {
	t.Helper()
	dsn, ok := opened.Load(s)
	if !ok {
		t.Fatal("storetest.Contents: the store was not opened by storetest.Open")
	}
	if s.Engine() == "postgres" {
		return postgresContents(t, dsn.(string))
	}
	var out []byte
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(s.Path() + suffix)
		if err != nil && suffix == "" {
			t.Fatal(err)
		}
		out = append(out, data...)
	}
	return out
}

// DSN names a new, empty database of backend b for a test that opens it
// itself (several stores on one database, a server process): a file in
// the test's temp dir, or a PostgreSQL database dropped when the test ends.
// On SQLite the file does not exist until a store opens it.
func DSN(t testing.TB, b Backend) string {
	t.Helper()
	if b == Postgres {
		return postgresDatabase(t)
	}
	return filepath.Join(t.TempDir(), "test.db")
}

// Linktree decodes the Linktree payment outage as a client would file it.
func Linktree(t testing.TB) *incident.Incident {
	t.Helper()
	inc, err := examples.Incident(examples.LinktreeFile)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// Token makes an account without a password (it signs in with its token
// only, which spares a test an argon2 hash) and an API token of it.
func Token(t testing.TB, st *store.Store, accounts *auth.Accounts, name string, role incident.Role) (*incident.User, string) {
	t.Helper()
	u := &incident.User{Name: name, Role: role}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	_, secret, err := accounts.CreateToken(context.Background(), u, auth.TokenRequest{Label: "test " + name})
	if err != nil {
		t.Fatal(err)
	}
	return u, secret
}
