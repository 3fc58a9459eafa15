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
	"testing"

	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// api is a real server over a fresh SQLite file, reached through real HTTP.
type api struct {
	t     testing.TB
	url   string
	store *store.Store
}

func newAPI(t testing.TB) *api {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "api.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(web.New(web.Config{Store: st, Logger: log}))
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return &api{t: t, url: srv.URL, store: st}
}

// do sends a request with a raw body and returns the status and body.
func (a *api) do(method, path string, body []byte) (int, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp.StatusCode, data
}

// json sends v as JSON and decodes the answer into out (if not nil),
// failing the test unless the status is want.
func (a *api) json(method, path string, v any, want int, out any) []byte {
	a.t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			a.t.Fatal(err)
		}
	}
	status, data := a.do(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return data
}

func readExample(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("../../examples/linktree-payment-outage.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// apiError is the contract's error shape.
type apiError struct {
	Error struct {
		Code           string            `json:"code"`
		Message        string            `json:"message"`
		Fields         map[string]string `json:"fields"`
		CurrentVersion int               `json:"current_version"`
		RequestID      string            `json:"request_id"`
	} `json:"error"`
}
