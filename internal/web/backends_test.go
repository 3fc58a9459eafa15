package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/storetest"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// TestBackendsGiveTheSameAnswers seeds the same incidents into SQLite and
// PostgreSQL, on one clock, and asks both servers the same questions:
// every list filter with its total, every page of a paged list, searches
// (words, prefixes, accents, scripts other than Latin), services, the
// vocabulary, the pattern report (JSON and markdown, with windows and a
// service), a service's history and the audit log. The answers must be
// the same bytes.
func TestBackendsGiveTheSameAnswers(t *testing.T) {
	storetest.PostgresURL(t)
	servers := map[storetest.Backend]*api{}
	for _, b := range storetest.Backends {
		st := storetest.Open(t, b)
		at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return at }
		a := serveAPI(t, st, web.Config{})
		seedSameData(t, a)
		servers[b] = a
	}
	sqlite, postgres := servers[storetest.SQLite], servers[storetest.Postgres]

	questions := []string{
		"/api/v1/incidents?limit=500",
		"/api/v1/incidents?severity=SEV1&limit=500",
		"/api/v1/incidents?status=resolved&limit=500",
		"/api/v1/incidents?outage_type=cascading&limit=500",
		"/api/v1/incidents?cause_category=database&limit=500",
		"/api/v1/incidents?since=2025-06-01&until=2025-12-01&limit=500",
		"/api/v1/incidents?service=Café+Payments&limit=500",
		"/api/v1/services",
		"/api/v1/categories",
		"/api/v1/reports/patterns",
		"/api/v1/reports/patterns.md",
		"/api/v1/reports/patterns?since=2025-06-01",
		"/api/v1/reports/patterns?since=2025-06-01&until=2025-12-01",
		"/api/v1/reports/patterns?service=Café+Payments",
	}
	var page incident.Page
	sqlite.json("GET", "/api/v1/incidents?limit=1", nil, http.StatusOK, &page)
	if len(page.Items) == 1 {
		questions = append(questions, "/api/v1/incidents?limit=500&service="+url.QueryEscape(page.Items[0].Service),
			"/api/v1/reports/patterns?service="+url.QueryEscape(page.Items[0].Service),
			"/api/v1/services/"+url.PathEscape(page.Items[0].ServiceKey))
		if len(page.Items[0].Tags) > 0 {
			questions = append(questions, "/api/v1/incidents?limit=500&tag="+url.QueryEscape(page.Items[0].Tags[0]))
		}
	}
	for _, q := range []string{"database", "connection pool", "conn", "the", "timeout certificate", "cafe", "CAFÉ",
		"strasse", "Straße", "paiement", "東京", "ｐａｙｍｅｎｔｓ", "zzzunknownzzz", "-", "replica lag", "dns",
		`"connection pool"`, `"pool hit"`, `"the conn*"`, "cache OR dns", "redis OR memcached timeout", "-the",
		"database -pool", `payments -"conn pool"`, `"refusé the"`, "e-mail", "node.js"} {
		questions = append(questions, "/api/v1/incidents?limit=500&q="+url.QueryEscape(q))
	}
	for _, path := range questions {
		want := answer(t, sqlite, path)
		if got := answer(t, postgres, path); !bytes.Equal(got, want) {
			t.Errorf("GET %s differs:\nSQLite     %.300s\nPostgreSQL %.300s", path, want, got)
		}
	}

	// The audit log, but for what differs by design: each server's admin
	// token has a random id, which the entries name and hash.
	var logs [2]incident.AuditPage
	for i, b := range storetest.Backends {
		json.Unmarshal(answer(t, servers[b], "/api/v1/audit?limit=500"), &logs[i])
		for k := range logs[i].Items {
			e := &logs[i].Items[k]
			e.Actor.TokenID, e.Hash = "", ""
			if e.Entity == "token" {
				e.EntityID = ""
			}
		}
	}
	if len(logs[0].Items) == 0 || len(logs[0].Items) != len(logs[1].Items) {
		t.Errorf("the audit logs hold %d and %d entries", len(logs[0].Items), len(logs[1].Items))
	}
	for k := range min(len(logs[0].Items), len(logs[1].Items)) {
		a, _ := json.Marshal(logs[0].Items[k])
		b, _ := json.Marshal(logs[1].Items[k])
		if !bytes.Equal(a, b) {
			t.Errorf("audit entries differ:\nSQLite     %s\nPostgreSQL %s", a, b)
		}
	}

	// Every page of a list paged seven at a time, cursors included.
	for _, filter := range []string{"", "&severity=SEV2", "&q=the"} {
		cursors := map[storetest.Backend]string{}
		for n := 0; ; n++ {
			var pages [2]incident.Page
			for i, b := range storetest.Backends {
				body := answer(t, servers[b], "/api/v1/incidents?limit=7"+filter+"&cursor="+cursors[b])
				json.Unmarshal(body, &pages[i])
				cursors[b] = pages[i].NextCursor
			}
			a, _ := json.Marshal(pages[0])
			b, _ := json.Marshal(pages[1])
			if !bytes.Equal(a, b) {
				t.Fatalf("page %d of %q differs", n, filter)
			}
			if cursors[storetest.SQLite] == "" {
				break
			}
		}
	}
}

// answer is the body of a GET that must succeed.
func answer(t *testing.T, a *api, path string) []byte {
	t.Helper()
	status, body := a.do("GET", path, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	return body
}

// seedSameData files the service catalogue, 400 synthetic incidents and a
// few whose words test folding and scripts, some of them sharing a start
// so that ties are ordered by id, then comments and an edit.
func seedSameData(t *testing.T, a *api) {
	t.Helper()
	ctx := context.Background()
	if err := a.store.DefineServices(ctx, seed.Services()); err != nil {
		t.Fatal(err)
	}
	if err := a.store.CreateIncidents(ctx, seed.NewGenerator(11, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)).Batch(400)); err != nil {
		t.Fatal(err)
	}
	tie := "2025-09-01T10:00:00Z"
	for i, text := range []struct{ service, title, summary string }{
		{"Café Payments", "Café payments rejected cards", "Paiement refusé: the processor in Straße timed out"},
		{"ｐａｙｍｅｎｔｓ", "Full-width payments name", "Replica lag in 東京 region"},
		{"payments", "Connection pool exhausted", "The conn pool hit its limit; DNS was fine"},
		{"Café Payments", "Second café outage", "Certificate expired at the edge; timeout for clients"},
	} {
		a.json("POST", "/api/v1/incidents", map[string]any{"title": text.title, "service": text.service,
			"severity": fmt.Sprintf("SEV%d", i%4+1), "summary": text.summary, "started_at": tie,
			"primary_cause": map[string]any{"category": "database", "description": text.summary}}, http.StatusCreated, nil)
	}
	for id := 1; id <= 3; id++ {
		a.json("POST", fmt.Sprintf("/api/v1/incidents/%d/comments", id), map[string]any{"body": "Why?"}, http.StatusCreated, nil)
	}
	a.json("PATCH", "/api/v1/incidents/2", map[string]any{"version": 1, "status": "resolved"}, http.StatusOK, nil)
}
