package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/archive"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
)

// TestAnExportRestoresEverything fills a database through the API (edited
// incidents, comments, an icco import, custom categories, services with
// dependencies and industries, one with no incident, Backstage descriptors
// and failure modes linked from an incident), exports it as
// GET /export.zip does, imports the files into an empty database, and
// compares every answer of the API on both, byte for byte.
func TestAnExportRestoresEverything(t *testing.T) {
	ctx := context.Background()
	src := newAPI(t)
	src.json("POST", "/api/v1/categories", map[string]any{"kind": "cause", "slug": "synthetic-checks", "description": "Probes that lie"}, http.StatusCreated, nil)
	src.json("POST", "/api/v1/categories", map[string]any{"kind": "gap", "slug": "chaos-testing"}, http.StatusCreated, nil)
	if err := src.store.DefineServices(ctx, seed.Services()); err != nil {
		t.Fatal(err)
	}
	if err := src.store.CreateIncidents(ctx, seed.NewGenerator(21, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Batch(60)); err != nil {
		t.Fatal(err)
	}
	// The example catalogue: Backstage descriptors, then failure modes
	// (one edited since), linked from the Linktree incident.
	loadExampleCatalog(t, src)
	src.json("PATCH", "/api/v1/services/linktree/failure-modes/campaign-traffic-spike", map[string]any{"status": "accepted"}, http.StatusOK, nil)
	var linktree incident.Incident
	var filed map[string]any
	json.Unmarshal(readExample(t), &filed)
	filed["failure_modes"] = []string{"db-pool-exhaustion", "Payments DB/missing-index-slow-queries"}
	src.json("POST", "/api/v1/incidents", filed, http.StatusCreated, &linktree)
	path := fmt.Sprintf("/api/v1/incidents/%d", linktree.ID)
	linktree.ContributingFactors[0].Category = "synthetic-checks"
	linktree.DetectionGaps[0].Category = "chaos-testing"
	src.json("PATCH", path, map[string]any{"version": 1, "severity": "SEV2",
		"contributing_factors": linktree.ContributingFactors, "detection_gaps": linktree.DetectionGaps}, http.StatusOK, nil)
	for _, body := range []string{"Why 95%?", "Multi-line\n\n- a list\n- with `code`", "Ünïcödé — and trailing spaces   "} {
		src.json("POST", path+"/comments", map[string]any{"author": "sam", "body": body}, http.StatusCreated, nil)
	}
	src.json("POST", "/api/v1/incidents/3/comments", map[string]any{"author": "ana", "body": "Same as last month."}, http.StatusCreated, nil)
	icco := "---\nuuid: 3f1c\ncompany: Travis CI\ntitle: Builds stuck\nstart_time: 2020-01-01T10:00:00-08:00\nkeywords: [queue, stuck]\n---\nQueues backed up.\n"
	if status, body := src.do("POST", "/api/v1/import", []byte(icco)); status != http.StatusCreated {
		t.Fatalf("icco import: %d %s", status, body)
	}
	src.json("PATCH", "/api/v1/services/linktree", map[string]any{"depends_on": []string{"Payments DB", "Stripe"}, "industries": []string{"creator economy", "retail"}}, http.StatusOK, nil)
	src.json("PATCH", "/api/v1/services/stripe", map[string]any{"industries": []string{"payments"}}, http.StatusOK, nil)

	// Export, as a download, and import the files into an empty database.
	status, zipped := src.do("GET", "/api/v1/export.zip", nil)
	if status != http.StatusOK {
		t.Fatalf("export: %d", status)
	}
	dir := unzip(t, zipped)
	dst := newAPI(t)
	sum, err := archive.ImportPaths(ctx, dst.store, []string{dir}, archive.Options{})
	if err != nil || len(sum.Failures)+len(sum.Skips) != 0 || sum.Catalogs != 1 || sum.Vocabularies != 1 || sum.Comments != 4 {
		t.Fatalf("import: %+v %v", sum, err)
	}

	// Every answer, on both.
	paths := []string{"/api/v1/services", "/api/v1/categories", "/api/v1/export.zip", "/api/v1/catalog",
		"/api/v1/reports/patterns", "/api/v1/reports/patterns?since=2025-06-01&until=2026-01-01",
		"/api/v1/reports/patterns.md", "/api/v1/reports/patterns?service=linktree"}
	for _, q := range []string{"", "?service=linktree", "?severity=SEV2", "?status=resolved", "?cause_category=synthetic-checks",
		"?q=database", "?tag=cascading-failure", "?outage_type=partial", "?since=2025-06-01", "?limit=7"} {
		paths = append(paths, "/api/v1/incidents"+q)
	}
	var page struct {
		Items      []incident.Incident `json:"items"`
		NextCursor string              `json:"next_cursor"`
	}
	for cursor := "first"; cursor != ""; cursor = page.NextCursor {
		q := "?limit=9"
		if cursor != "first" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		src.json("GET", "/api/v1/incidents"+q, nil, http.StatusOK, &page)
		paths = append(paths, "/api/v1/incidents"+q)
		for _, inc := range page.Items {
			p := fmt.Sprintf("/api/v1/incidents/%d", inc.ID)
			paths = append(paths, p, p+"/postmortem.md", p+"/comments")
		}
	}
	var services struct {
		Items []incident.Service `json:"items"`
	}
	src.json("GET", "/api/v1/services", nil, http.StatusOK, &services)
	for _, s := range services.Items {
		paths = append(paths, "/api/v1/services/"+url.PathEscape(s.Key), "/api/v1/services/"+url.PathEscape(s.Key)+"/failure-modes")
	}
	for _, p := range paths {
		statusA, a := src.do("GET", p, nil)
		statusB, b := dst.do("GET", p, nil)
		if statusA != http.StatusOK || statusB != statusA || !bytes.Equal(a, b) {
			i := 0
			for i < len(a) && i < len(b) && a[i] == b[i] {
				i++
			}
			t.Errorf("GET %s differs after the restore at byte %d:\n%d %.400s\n%d %.400s", p, i, statusA, a[max(0, i-200):], statusB, b[max(0, i-200):])
		}
	}
	if len(paths) < 200 {
		t.Fatalf("only %d answers compared", len(paths))
	}
}

// unzip writes a zip's files into a new folder.
func unzip(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
