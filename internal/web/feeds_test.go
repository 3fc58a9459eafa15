package web_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// atomFeed is an Atom 1.0 document (RFC 4287), as a reader parses it.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  []struct{}  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Links     []atomLink `xml:"link"`
	Summary   struct {
		Type string `xml:"type,attr"`
		Text string `xml:",chardata"`
	} `xml:"summary"`
	Content *struct{} `xml:"content"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
}

var tagURI = regexp.MustCompile(`^tag:[a-z0-9.-]+,\d{4}(-\d{2}-\d{2})?:\S+$`)

// readFeed parses a feed and checks it against what RFC 4287 requires: a
// feed id, title and updated, an author for entries that have none; each
// entry's id (a tag URI, unique), title, updated (RFC 3339) and, as it has
// no content, an alternate link; entries newest first.
func readFeed(t testing.TB, data []byte) atomFeed {
	t.Helper()
	var f atomFeed
	if err := xml.Unmarshal(data, &f); err != nil {
		t.Fatalf("not an Atom feed: %v\n%s", err, data)
	}
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration: %.60s", data)
	}
	if !tagURI.MatchString(f.ID) || f.Title == "" || len(f.Author) == 0 {
		t.Errorf("feed: id %q, title %q, %d authors", f.ID, f.Title, len(f.Author))
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Errorf("feed updated %q: %v", f.Updated, err)
	}
	ids := map[string]bool{}
	var last time.Time
	for i, e := range f.Entries {
		updated, err := time.Parse(time.RFC3339, e.Updated)
		switch {
		case !tagURI.MatchString(e.ID) || ids[e.ID]:
			t.Errorf("entry %d: id %q is not a unique tag URI", i, e.ID)
		case e.Title == "":
			t.Errorf("entry %d has no title", i)
		case err != nil:
			t.Errorf("entry %d: updated %q: %v", i, e.Updated, err)
		case i > 0 && updated.After(last):
			t.Errorf("entry %d is newer than the one before it", i)
		case e.Content == nil && (len(e.Links) == 0 || e.Links[0].Rel != "alternate"):
			t.Errorf("entry %d has neither content nor an alternate link", i)
		}
		ids[e.ID], last = true, updated
	}
	return f
}

func TestFeeds(t *testing.T) {
	logs := &lockedBuffer{}
	a := newAPIWith(t, web.Config{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	clock := time.Now().UTC()
	var ids []int64
	for i := range 55 {
		a.store.Now = func() time.Time { return clock.Add(time.Duration(i) * time.Second) }
		service := "payments"
		if i%2 == 1 {
			service = "Search API"
		}
		var inc incident.Incident
		a.json("POST", "/api/v1/incidents", map[string]any{"title": fmt.Sprintf("Outage %d", i), "service": service,
			"severity": "SEV2", "summary": fmt.Sprintf("Secret detail %d of the outage.", i)}, http.StatusCreated, &inc)
		ids = append(ids, inc.ID)
	}
	// An old incident changes: it comes first, with the same id as before.
	_, before := a.get("/feeds/incidents.atom")
	oldID := entryFor(t, readFeed(t, before), ids[10]).ID
	a.store.Now = func() time.Time { return clock.Add(time.Hour) }
	a.json("PATCH", fmt.Sprintf("/api/v1/incidents/%d", ids[10]), map[string]any{"version": 1, "status": "identified"}, http.StatusOK, nil)

	resp, data := a.get("/feeds/incidents.atom")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	f := readFeed(t, data)
	if len(f.Entries) != 50 {
		t.Fatalf("%d entries, want 50 (the bound)", len(f.Entries))
	}
	first := f.Entries[0]
	if first.ID != oldID || first.Title != "Outage 10" || !strings.Contains(first.Summary.Text, "SEV2 · identified · payments") ||
		!strings.Contains(first.Summary.Text, "Secret detail 10") || first.Summary.Type != "text" {
		t.Errorf("the changed incident's entry: %+v (id was %s)", first, oldID)
	}
	if want := clock.Add(time.Hour).Format(time.RFC3339); first.Updated != want || f.Updated != want {
		t.Errorf("updated: entry %s, feed %s, want %s", first.Updated, f.Updated, want)
	}
	if f.Entries[1].Title != "Outage 54" {
		t.Errorf("second entry %q, want the newest other one", f.Entries[1].Title)
	}
	if !strings.HasSuffix(first.Links[0].Href, fmt.Sprintf("/incidents/%d", ids[10])) {
		t.Errorf("link %q", first.Links[0].Href)
	}

	// One service's feed, by key or by name.
	for _, path := range []string{"/feeds/services/searchapi.atom", "/feeds/services/" + url.PathEscape("Search API") + ".atom"} {
		resp, data := a.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, data)
		}
		sf := readFeed(t, data)
		if len(sf.Entries) != 27 || !strings.Contains(sf.Title, "Search API") || !strings.HasSuffix(sf.ID, ":aftermath/feeds/services/searchapi") {
			t.Errorf("%s: %d entries, title %q, id %q", path, len(sf.Entries), sf.Title, sf.ID)
		}
		for _, e := range sf.Entries {
			if !strings.Contains(e.Summary.Text, "Search API") {
				t.Errorf("%s: an entry of another service: %s", path, e.Summary.Text)
			}
		}
	}
	for _, path := range []string{"/feeds/services/nosuch.atom", "/feeds/services/searchapi.rss", "/feeds/services/.atom"} {
		if status, _ := a.do("GET", path, nil); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, status)
		}
	}
	if status, _ := a.do("GET", "/feeds/incidents.atom?limit=5", nil); status != http.StatusBadRequest {
		t.Errorf("an unknown parameter: %d, want 400", status)
	}

	// Feed readers send no headers: the token may come in the URL, and it
	// never reaches the log.
	token := a.as(incident.RoleViewer).token
	anon := a.anonymous()
	if status, _ := anon.do("GET", "/feeds/incidents.atom", nil); status != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", status)
	}
	status, data := anon.do("GET", "/feeds/incidents.atom?token="+token, nil)
	if status != http.StatusOK || !strings.Contains(readFeed(t, data).Entries[0].Summary.Text, "Secret detail") {
		t.Errorf("?token=: %d", status)
	}
	if status, _ := anon.do("GET", "/feeds/incidents.atom?token=aft_forged", nil); status != http.StatusUnauthorized {
		t.Errorf("a bad ?token=: %d, want 401", status)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "aft_forged") {
		t.Error("a token from the URL is in the log")
	}
}

func entryFor(t testing.TB, f atomFeed, id int64) atomEntry {
	t.Helper()
	for _, e := range f.Entries {
		if strings.HasSuffix(e.ID, fmt.Sprintf(":incident/%d", id)) {
			return e
		}
	}
	t.Fatalf("no entry for incident %d", id)
	return atomEntry{}
}

// TestPublicFeeds: with --public-feeds anyone reads the feeds and the
// status, with titles and status only; with credentials, the summaries.
func TestPublicFeeds(t *testing.T) {
	a := newAPIWith(t, web.Config{PublicFeeds: true, PublicURL: "https://aftermath.example.com"})
	a.json("POST", "/api/v1/incidents", map[string]any{"title": "Checkout down", "service": "checkout", "severity": "SEV1",
		"summary": "Internal: the root password leaked."}, http.StatusCreated, nil)
	anon := a.anonymous()
	status, data := anon.do("GET", "/feeds/incidents.atom", nil)
	if status != http.StatusOK {
		t.Fatalf("public feed: %d %s", status, data)
	}
	f := readFeed(t, data)
	if strings.Contains(string(data), "password") || f.Entries[0].Summary.Text != "SEV1 · investigating · checkout" {
		t.Errorf("the public feed says more than title and status: %s", data)
	}
	if !strings.HasPrefix(f.ID, "tag:aftermath.example.com,") || !strings.HasPrefix(f.Entries[0].Links[0].Href, "https://aftermath.example.com/incidents/") {
		t.Errorf("the public URL is not used: %s, %s", f.ID, f.Entries[0].Links[0].Href)
	}
	_, data = a.get("/feeds/incidents.atom")
	if !strings.Contains(string(data), "password leaked") {
		t.Error("a signed-in reader of a public feed does not get the summary")
	}
	if status, _ := anon.do("GET", "/api/v1/status", nil); status != http.StatusOK {
		t.Errorf("public status: %d", status)
	}
	if status, _ := anon.do("GET", "/api/v1/incidents", nil); status != http.StatusUnauthorized {
		t.Errorf("public feeds opened the API: %d", status)
	}
}

func TestStatus(t *testing.T) {
	a := newAPI(t)
	var r incident.StatusReport
	a.json("GET", "/api/v1/status", nil, http.StatusOK, &r)
	if r.Indicator != "none" || len(r.Services) != 0 || r.OpenIncidents != 0 || r.UpdatedAt != nil {
		t.Fatalf("empty: %+v", r)
	}
	file := func(service, severity string) incident.Incident {
		var inc incident.Incident
		a.json("POST", "/api/v1/incidents", map[string]any{"title": "x", "service": service, "severity": severity}, http.StatusCreated, &inc)
		return inc
	}
	file("Search", "SEV4")
	a.json("GET", "/api/v1/status", nil, http.StatusOK, &r)
	if r.Indicator != "minor" || r.Severity != incident.SEV4 {
		t.Errorf("a SEV4: %+v", r)
	}
	file("Payments", "SEV3")
	major := file("Payments", "SEV2")
	a.json("GET", "/api/v1/status", nil, http.StatusOK, &r)
	if r.Indicator != "major" || r.Severity != incident.SEV2 || r.OpenIncidents != 3 || len(r.Services) != 2 ||
		r.Services[0] != (incident.ServiceStatus{Name: "Payments", Key: "payments", Severity: incident.SEV2, OpenIncidents: 2}) ||
		r.Services[1].Key != "search" || r.UpdatedAt == nil {
		t.Errorf("SEV2, SEV3, SEV4: %+v", r)
	}
	critical := file("Checkout", "SEV1")
	a.json("GET", "/api/v1/status", nil, http.StatusOK, &r)
	if r.Indicator != "critical" || r.Services[0].Key != "checkout" {
		t.Errorf("a SEV1: %+v", r)
	}
	// Resolved incidents are not open.
	for _, inc := range []incident.Incident{critical, major} {
		a.json("PATCH", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), map[string]any{"version": 1, "status": "resolved"}, http.StatusOK, nil)
	}
	a.json("GET", "/api/v1/status", nil, http.StatusOK, &r)
	raw, _ := json.Marshal(r)
	if r.Indicator != "minor" || r.Severity != incident.SEV3 || len(r.Services) != 2 || r.OpenIncidents != 2 {
		t.Errorf("after resolving: %s", raw)
	}
}
