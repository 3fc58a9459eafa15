package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

func TestPostmortemMarkdownRoundTrip(t *testing.T) {
	a := newAPI(t)
	var inc incident.Incident
	a.json("POST", "/api/v1/incidents", json.RawMessage(readExample(t)), http.StatusCreated, &inc)

	resp, body := a.get(fmt.Sprintf("/api/v1/incidents/%d/postmortem.md", inc.ID))
	md := bytes.NewBuffer(body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/markdown; charset=utf-8" {
		t.Fatalf("status %d type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, section := range []string{"## Summary", "## Impact", "## Timeline", "## Primary cause", "## Contributing factors", "## Action items", "## Lessons learned"} {
		if !strings.Contains(md.String(), section) {
			t.Errorf("no %q in the post-mortem", section)
		}
	}

	// Importing our own export changes nothing and answers 200.
	var same incident.Incident
	a.json("POST", "/api/v1/import", json.RawMessage(nil), http.StatusBadRequest, nil)
	status, body := a.do("POST", "/api/v1/import", md.Bytes())
	if status != http.StatusOK {
		t.Fatalf("re-import: %d %s", status, body)
	}
	json.Unmarshal(body, &same)
	if same.ID != inc.ID || same.Version != inc.Version {
		t.Fatalf("re-import changed the incident: id %d version %d", same.ID, same.Version)
	}

	// An edited file updates in place; a new icco file creates.
	edited := strings.Replace(md.String(), "severity: SEV1", "severity: SEV2", 1)
	status, body = a.do("POST", "/api/v1/import", []byte(edited))
	json.Unmarshal(body, &same)
	if status != http.StatusOK || same.Severity != "SEV2" || same.Version != 2 {
		t.Fatalf("edited import: %d severity %s version %d", status, same.Severity, same.Version)
	}
	icco := "---\nuuid: 3f1c\ncompany: Travis CI\ntitle: Builds stuck\nstart_time: 2020-01-01T10:00:00-08:00\nend_time: \"\"\ncategories:\n- cascading-failure\n---\nQueues backed up.\n"
	var created incident.Incident
	status, body = a.do("POST", "/api/v1/import", []byte(icco))
	json.Unmarshal(body, &created)
	if status != http.StatusCreated || created.ServiceKey != "travisci" || created.StartedAt.Format("15:04Z07:00") != "18:00Z" || created.ResolvedAt != nil {
		t.Fatalf("icco import: %d %s", status, body)
	}
	if len(created.OutageTypes) != 1 || created.OutageTypes[0] != incident.OutageCascading {
		t.Fatalf("outage types %v", created.OutageTypes)
	}

	// A file that fails is refused in the error shape and changes nothing.
	for _, bad := range []string{"---\ntitle: [x\n---\n", "---\ntitle: x\nservice: s\nseverity: SEV9\n---\n"} {
		status, body = a.do("POST", "/api/v1/import", []byte(bad))
		var e apiError
		if json.Unmarshal(body, &e) != nil || status < 400 || status >= 500 || e.Error.Code == "" {
			t.Fatalf("bad file: %d %s", status, body)
		}
	}
	var page struct{ Total int }
	a.json("GET", "/api/v1/incidents", nil, http.StatusOK, &page)
	if page.Total != 2 {
		t.Fatalf("%d incidents, want 2", page.Total)
	}
}

func TestExportZipFollowsListFilters(t *testing.T) {
	a := newAPI(t)
	for _, sev := range []string{"SEV1", "SEV2", "SEV2"} {
		var m map[string]any
		json.Unmarshal(readExample(t), &m)
		m["severity"] = sev
		a.json("POST", "/api/v1/incidents", m, http.StatusCreated, nil)
	}
	for query, want := range map[string]int{"": 3, "?severity=SEV2": 2, "?q=nothingmatches": 0} {
		status, body := a.do("GET", "/api/v1/export.zip"+query, nil)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", query, status)
		}
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		postmortems := 0
		for _, f := range zr.File {
			switch {
			case f.Name == "catalog.yaml" || f.Name == "vocabulary.yaml":
			case !strings.HasSuffix(f.Name, ".md") || !strings.Contains(f.Name, "linktree"):
				t.Errorf("file name %s", f.Name)
			default:
				postmortems++
			}
		}
		if postmortems != want || len(zr.File) != want+2 {
			t.Fatalf("%s: %d post-mortems in %d files, want %d and the catalogue and vocabulary", query, postmortems, len(zr.File), want)
		}
	}
	a.json("GET", "/api/v1/export.zip?severity=SEV9", nil, http.StatusBadRequest, nil)
}
