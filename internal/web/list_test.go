package web_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// filedSet files n varied incidents and returns them as stored.
func filedSet(t *testing.T, a *api, n int) []incident.Incident {
	services := []string{"Linktree", "payments-api", "Travis CI", "travis-ci", "Search"}
	causes := []string{"config-change", "deployment", "capacity", "database"}
	words := []string{"connection pool", "certificate expiry", "cache stampede", "DNS outage"}
	out := make([]incident.Incident, 0, n)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		var inc incident.Incident
		json.Unmarshal(readExample(t), &inc)
		inc.Title = fmt.Sprintf("Incident %d: %s", i, words[i%len(words)])
		inc.Service = services[i%len(services)]
		inc.Severity = incident.Severities[i%4]
		inc.Status = incident.Statuses[i%len(incident.Statuses)]
		inc.OutageTypes = []incident.OutageType{incident.OutageTypes[i%4]}
		inc.PrimaryCause.Category = causes[i%len(causes)]
		inc.PrimaryCause.Description = "Root cause: " + words[(i+1)%len(words)]
		inc.Summary = "summary " + words[(i+2)%len(words)]
		inc.Tags = []string{fmt.Sprintf("tag%d", i%3)}
		started := base.Add(time.Duration(i) * 36 * time.Hour)
		if i%7 == 3 {
			inc.StartedAt, inc.DetectedAt, inc.MitigatedAt, inc.ResolvedAt = nil, nil, nil, nil
			inc.Timeline = nil
		} else {
			inc.StartedAt = &started
			d, m, r := started.Add(time.Hour), started.Add(2*time.Hour), started.Add(3*time.Hour)
			inc.DetectedAt, inc.MitigatedAt, inc.ResolvedAt = &d, &m, &r
			inc.Timeline = []incident.TimelineEntry{{At: started, Text: "began"}}
		}
		var stored incident.Incident
		a.json("POST", "/api/v1/incidents", inc, http.StatusCreated, &stored)
		out = append(out, stored)
	}
	return out
}

// listAll walks every page of a list query and returns the ids in order.
func listAll(t *testing.T, a *api, query url.Values, pageSize int) ([]int64, int) {
	t.Helper()
	query = maps.Clone(query)
	query.Set("limit", fmt.Sprint(pageSize))
	var ids []int64
	total := -1
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
		var page struct {
			Items      []incident.Incident
			NextCursor string `json:"next_cursor"`
			Total      int
		}
		a.json("GET", "/api/v1/incidents?"+query.Encode(), nil, http.StatusOK, &page)
		if total >= 0 && page.Total != total {
			t.Fatalf("total changed between pages: %d, %d", total, page.Total)
		}
		total = page.Total
		for _, inc := range page.Items {
			ids = append(ids, inc.ID)
		}
		if page.NextCursor == "" {
			return ids, total
		}
		query.Set("cursor", page.NextCursor)
	}
}

func TestListFiltersAndPagination(t *testing.T) {
	a := newAPI(t)
	all := filedSet(t, a, 40)

	// The expected order, computed here: started_at (else created_at)
	// newest first, then id.
	sortKey := func(inc incident.Incident) time.Time {
		if inc.StartedAt != nil {
			return *inc.StartedAt
		}
		return inc.CreatedAt
	}
	expect := func(keep func(incident.Incident) bool) []int64 {
		var kept []incident.Incident
		for _, inc := range all {
			if keep(inc) {
				kept = append(kept, inc)
			}
		}
		slices.SortFunc(kept, func(x, y incident.Incident) int {
			if c := sortKey(y).Compare(sortKey(x)); c != 0 {
				return c
			}
			return int(y.ID - x.ID)
		})
		ids := []int64{}
		for _, inc := range kept {
			ids = append(ids, inc.ID)
		}
		return ids
	}
	since := time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC)
	until := time.Date(2025, 2, 10, 0, 0, 0, 0, time.UTC)
	inWindow := func(inc incident.Incident) bool {
		return inc.StartedAt != nil && !inc.StartedAt.Before(since) && inc.StartedAt.Before(until)
	}
	tests := []struct {
		name  string
		query url.Values
		keep  func(incident.Incident) bool
	}{
		{"all", url.Values{}, func(incident.Incident) bool { return true }},
		{"service by another spelling", url.Values{"service": {"TRAVIS-CI"}}, func(i incident.Incident) bool { return i.ServiceKey == "travisci" }},
		{"severity", url.Values{"severity": {"SEV2"}}, func(i incident.Incident) bool { return i.Severity == "SEV2" }},
		{"status", url.Values{"status": {"monitoring"}}, func(i incident.Incident) bool { return i.Status == "monitoring" }},
		{"several statuses", url.Values{"status": {"investigating, monitoring"}}, func(i incident.Incident) bool {
			return i.Status == "monitoring" || i.Status == "investigating"
		}},
		{"post-mortem status", url.Values{"postmortem_status": {"draft"}}, func(i incident.Incident) bool { return i.PostmortemStatus == "draft" }},
		{"outage type", url.Values{"outage_type": {"cascading"}}, func(i incident.Incident) bool { return slices.Contains(i.OutageTypes, "cascading") }},
		{"cause category", url.Values{"cause_category": {"capacity"}}, func(i incident.Incident) bool { return i.PrimaryCause.Category == "capacity" }},
		{"tag", url.Values{"tag": {"tag1"}}, func(i incident.Incident) bool { return slices.Contains(i.Tags, "tag1") }},
		{"since and until", url.Values{"since": {"2025-01-20"}, "until": {until.Format(time.RFC3339)}}, inWindow},
		{"combined", url.Values{"severity": {"SEV1"}, "service": {"Linktree"}}, func(i incident.Incident) bool { return i.Severity == "SEV1" && i.ServiceKey == "linktree" }},
		{"search title", url.Values{"q": {"certificate"}}, func(i incident.Incident) bool {
			return strings.Contains(i.Title+i.Summary+i.PrimaryCause.Description, "certificate")
		}},
		{"search prefix, two words", url.Values{"q": {"cache stamp*"}}, func(i incident.Incident) bool {
			return strings.Contains(i.Title+i.Summary+i.PrimaryCause.Description, "cache stampede")
		}},
		{"search is not FTS syntax", url.Values{"q": {`"DNS OR) NEAR(`}}, func(i incident.Incident) bool {
			return false // "dns", "or" and "near" must all appear: no incident has "near"
		}},
		{"search in factors", url.Values{"q": {"baseline"}}, func(incident.Incident) bool { return true }},
		{"search in gaps", url.Values{"q": {"utilization"}}, func(incident.Incident) bool { return true }},
		{"search nothing searchable", url.Values{"q": {"!!!"}}, func(incident.Incident) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := expect(tt.keep)
			for _, size := range []int{1, 7, 500} {
				got, total := listAll(t, a, tt.query, size)
				if total != len(want) {
					t.Fatalf("page size %d: total %d, want %d", size, total, len(want))
				}
				if !slices.Equal(got, want) {
					t.Fatalf("page size %d:\ngot  %v\nwant %v", size, got, want)
				}
			}
		})
	}
}
