package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// runWithInput is run with stdin.
func runWithInput(t *testing.T, input string, args ...string) (string, error) {
	t.Helper()
	cmd := rootCommand()
	var out bytes.Buffer
	cmd.SetIn(strings.NewReader(input))
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// auditedDatabase makes a database with six audit entries, through the CLI.
func auditedDatabase(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "audit.db")
	ctx := context.Background()
	// Without the synthetic failure modes, whose import would add an entry
	// for each.
	for _, args := range [][]string{{"seed", "--synthetic", "3", "--failure-modes=false"}, {"seed", "--synthetic", "2", "--rand-seed", "7", "--failure-modes=false"}} {
		if out, err := run(t, ctx, append(args, "--db", db)...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	if out, err := runWithInput(t, "a long enough password\n", "user", "add", "sam", "--role", "admin", "--db", db); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	createToken(t, db, "sam")
	return db
}

// tamper changes the database behind Aftermath's back, as someone with
// the file would.
func tamper(t *testing.T, db string, statements ...string) {
	t.Helper()
	conn, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range statements {
		if _, err := conn.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestAuditVerify(t *testing.T) {
	db := auditedDatabase(t)
	out, err := run(t, context.Background(), "audit", "verify", "--db", db)
	if err != nil || !strings.Contains(out, "6 entries, chain intact, head ") {
		t.Fatalf("an untouched log: %v\n%s", err, out)
	}

	tests := []struct {
		name       string
		statements []string
		want       string
	}{
		{"an edited entry", []string{
			`UPDATE audit_log SET changes = replace(changes, '"sam"', '"mallory"') WHERE seq = 5`},
			"entry 5 (user.create of user sam by "},
		{"an edited actor", []string{`UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 2`},
			"entry 2 (incident.create_batch of incident by someone else"},
		{"a deleted entry", []string{`DELETE FROM audit_log WHERE seq = 3`},
			"entry 3 is missing: the log goes from entry 2 to entry 4"},
		{"the last entry deleted", []string{`DELETE FROM audit_log WHERE seq = 6`},
			"entry 6 is missing: the log ends at entry 5 but its head says 6"},
		{"two entries swapped (reordered)", []string{
			`UPDATE audit_log SET seq = -2 WHERE seq = 2`,
			`UPDATE audit_log SET seq = 2 WHERE seq = 3`,
			`UPDATE audit_log SET seq = 3 WHERE seq = -2`},
			"entry 2 (service.define of service by "},
		{"an entry deleted and the chain's tail rehashed by hand", []string{
			`DELETE FROM audit_log WHERE seq = 6`, `UPDATE audit_head SET seq = 5`},
			"the log's head does not match entry 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := auditedDatabase(t)
			tamper(t, db, tt.statements...)
			out, err := run(t, context.Background(), "audit", "verify", "--db", db)
			if err == nil || !strings.Contains(out, tt.want) {
				t.Fatalf("verify: %v\n%s\nwant it to say %q", err, out, tt.want)
			}
		})
	}
}
