// Package feeds writes Atom 1.0 feeds of incidents (RFC 4287), for feed
// readers and chat integrations that follow a status page: one entry per
// incident, with an id that never changes, updated whenever the incident
// does, newest first.
package feeds

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// MaxEntries bounds a feed: readers keep what they have seen, so a feed
// need only hold the latest changes.
const MaxEntries = 50

// maxSummary bounds an entry's summary text.
const maxSummary = 1000

// Feed says what a feed is of and where it lives.
type Feed struct {
	// Title is the feed's title; Path its path on the server
	// (/feeds/incidents.atom), and Key what it is of, for its id
	// ("incidents", "services/payments").
	Title, Path, Key string
	// BaseURL is the server's scheme and host (https://aftermath.example.com).
	BaseURL string
	// Public feeds say only each incident's title and status: they are
	// read without credentials, and a post-mortem is not for everyone.
	Public bool
	// Now is the feed's time when it has no entries.
	Now time.Time
}

// Atom writes the feed of incs, which are newest first and at most
// MaxEntries (the store reads them so).
func (f Feed) Atom(incs []incident.Incident) ([]byte, error) {
	authority := tagAuthority(f.BaseURL)
	updated := f.Now
	if len(incs) > 0 {
		updated = incs[0].UpdatedAt
	}
	feed := &feeds.AtomFeed{
		Xmlns:   "http://www.w3.org/2005/Atom",
		Title:   f.Title,
		Id:      fmt.Sprintf("tag:%s,2025:aftermath/feeds/%s", authority, f.Key),
		Updated: updated.UTC().Format(time.RFC3339),
		Link:    &feeds.AtomLink{Href: f.BaseURL + f.Path, Rel: "self", Type: "application/atom+xml"},
		Author:  &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: "Aftermath"}},
	}
	for i := range incs {
		feed.Entries = append(feed.Entries, f.entry(authority, &incs[i]))
	}
	out, err := feeds.ToXML(feed)
	return []byte(out), err
}

// entry is an incident's entry. Its id is a tag URI (RFC 4151) minted
// from the server's host and the incident's creation date and id, so that
// it stays the same however the incident changes.
func (f Feed) entry(authority string, inc *incident.Incident) *feeds.AtomEntry {
	id := strconv.FormatInt(inc.ID, 10)
	return &feeds.AtomEntry{
		Title:     inc.Title,
		Id:        fmt.Sprintf("tag:%s,%s:incident/%s", authority, inc.CreatedAt.UTC().Format(time.DateOnly), id),
		Updated:   inc.UpdatedAt.UTC().Format(time.RFC3339),
		Published: inc.CreatedAt.UTC().Format(time.RFC3339),
		Links:     []feeds.AtomLink{{Href: f.BaseURL + "/incidents/" + id, Rel: "alternate", Type: "text/html"}},
		Summary:   &feeds.AtomSummary{Type: "text", Content: f.summary(inc)},
	}
}

// summary says where the incident stands: its severity, status and
// service, and (in a feed read with credentials) its summary.
func (f Feed) summary(inc *incident.Incident) string {
	parts := []string{}
	if inc.Severity != "" {
		parts = append(parts, string(inc.Severity))
	}
	parts = append(parts, string(inc.Status), inc.Service)
	if inc.Status == incident.StatusResolved {
		parts = append(parts, "post-mortem "+strings.ReplaceAll(string(inc.PostmortemStatus), "_", " "))
	}
	line := strings.Join(parts, " · ")
	if f.Public || strings.TrimSpace(inc.Summary) == "" {
		return line
	}
	return line + "\n\n" + incident.CleanMarkdown(inc.Summary, maxSummary)
}

// tagAuthority is the host part of the feed's tag URIs: the server's host
// name, without a port, which tag URIs do not take.
func tagAuthority(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return strings.ToLower(u.Hostname())
}
