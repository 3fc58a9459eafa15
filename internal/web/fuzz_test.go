package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// FuzzDecodeIncident feeds arbitrary bodies to POST /api/v1/incidents, the
// whole path from bytes to the database: the server never panics or
// answers 5xx, a refused body is answered in the error shape and changes
// nothing, and an accepted one is stored exactly as answered.
func FuzzDecodeIncident(f *testing.F) {
	example := readExample(f)
	for _, seed := range []string{
		string(example),
		`{}`, `[]`, `null`, `"x"`, `{"title": 1}`, `{"title": "x"} {}`,
		`{"title": "t", "service": "s", "severity": "SEV1"}`,
		`{"title": "t", "service": "s", "severity": "SEV1", "started_at": "0000-01-01T00:00:00+01:00"}`,
		`{"title": "t", "service": "s", "severity": "SEV1", "timeline": [{"at": "9999-12-31T23:59:59-01:00", "text": "x"}]}`,
		`{"title": "t", "service": "s", "severity": "SEV1", "impact": {"affected_users": 1e30}}`,
		`{"title": "t", "service": "s", "severity": "SEV1", "extra": {"a": {"b": [1, null, {"c": 1.5}]}}}`,
		`{"title": "\ud800", "service": "\u0000", "severity": "SEV1"}`,
		"{\"title\": \"\xff\xfe\", \"service\": \"s\", \"severity\": \"SEV1\"}",
	} {
		f.Add([]byte(seed))
	}
	st, err := store.Open(context.Background(), filepath.Join(fastTempDir(f), "fuzz.db"), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	accounts := auth.New(auth.Config{Store: st})
	srv := web.New(web.Config{Store: st, Accounts: accounts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	token := adminToken(f, st, accounts)
	request := func(method, path string, body []byte) *http.Request {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		return req
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		before := snapshot(t, st)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, request("POST", "/api/v1/incidents", body))
		switch {
		case w.Code >= 500:
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		case w.Code == http.StatusCreated:
			var created struct{ ID int64 }
			if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil || created.ID == 0 {
				t.Fatalf("201 without an incident: %v: %s", err, w.Body)
			}
			r := httptest.NewRecorder()
			srv.ServeHTTP(r, request("GET", "/api/v1/incidents/"+strconv.FormatInt(created.ID, 10), nil))
			if r.Code != http.StatusOK || !bytes.Equal(r.Body.Bytes(), w.Body.Bytes()) {
				t.Fatalf("stored differs from answered for %q:\nanswered %s\nstored   %d %s", body, w.Body, r.Code, r.Body)
			}
		default:
			var e apiError
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("status %d not in the error shape: %s", w.Code, w.Body)
			}
			if after := snapshot(t, st); after != before {
				t.Fatalf("a refused body (%d %s) changed the database: %v → %v", w.Code, w.Body, before, after)
			}
		}
	})
}

// snapshot sums up the rows a create could touch, cheaply enough to run on
// every input: counts of the narrow tables, and the highest rowid of the
// wide ones (inserts raise it; a refused create must not).
func snapshot(t *testing.T, st *store.Store) [6]int64 {
	var n [6]int64
	err := st.Reader().Raw(`SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM services),
		(SELECT ifnull(max(rowid), 0) FROM incident_texts), (SELECT ifnull(max(rowid), 0) FROM findings),
		(SELECT ifnull(max(rowid), 0) FROM action_items), (SELECT ifnull(max(rowid), 0) FROM timeline_entries)`).
		Row().Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fastTempDir is a temporary directory in memory when the machine has one:
// every accepted input commits with an fsync, and on a disk those make up
// most of the fuzzer's time, minimizing above all.
func fastTempDir(f *testing.F) string {
	dir, err := os.MkdirTemp("/dev/shm", "aftermath-fuzz-")
	if err != nil {
		return f.TempDir()
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
