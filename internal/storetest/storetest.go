// Package storetest gives tests a fresh database and the example incident,
// so every package's tests start from the same real SQLite file setup.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aftermath-sre/aftermath/examples"
	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// Open opens a store on a new database file in the test's temp dir and
// closes it when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
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
