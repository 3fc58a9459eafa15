package store_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestListAtScale pages through filters that match more and fewer
// incidents than the point where a list switches from looking matches up
// to walking the sort order, and checks every page and total against the
// expectation computed here from the incidents themselves.
func TestListAtScale(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	gen := seed.NewGenerator(7, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	incs := gen.Batch(2500)
	if err := st.DefineServices(ctx, seed.Services()); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateIncidents(ctx, incs); err != nil {
		t.Fatal(err)
	}
	byNewest := func(a, b *incident.Incident) int {
		key := func(inc *incident.Incident) time.Time {
			if inc.StartedAt != nil {
				return *inc.StartedAt
			}
			return inc.CreatedAt
		}
		if c := key(b).Compare(key(a)); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	}
	slices.SortFunc(incs, byNewest)

	// The most common tag, outage type and service of the generated data.
	most := func(values func(*incident.Incident) []string) (string, int) {
		n := map[string]int{}
		for _, inc := range incs {
			for _, v := range values(inc) {
				n[v]++
			}
		}
		best := ""
		for v, c := range n {
			if c > n[best] || c == n[best] && v < best {
				best = v
			}
		}
		return best, n[best]
	}
	tag, tagged := most(func(inc *incident.Incident) []string { return inc.Tags })
	outage, outaged := most(func(inc *incident.Incident) []string {
		var out []string
		for _, o := range inc.OutageTypes {
			out = append(out, string(o))
		}
		return out
	})
	service, _ := most(func(inc *incident.Incident) []string { return []string{inc.ServiceKey} })

	// Full-text membership comes from the index itself; the order and the
	// paging are what is checked.
	matching := func(q string) []int64 {
		var ids []int64
		if err := st.Reader().Raw("SELECT docid FROM incidents_fts WHERE incidents_fts MATCH ?", q).Scan(&ids).Error; err != nil {
			t.Fatal(err)
		}
		return ids
	}
	searched := func(q string) func(*incident.Incident) bool {
		ids := matching(q)
		return func(inc *incident.Incident) bool { return slices.Contains(ids, inc.ID) }
	}
	if words := len(matching("the")); tagged >= 1000 || outaged <= 1000 || words <= 1000 {
		t.Fatalf("the data should exercise both plans: %d tagged %q, %d %q, %d with \"the\"", tagged, tag, outaged, outage, words)
	}
	withThe := searched("the")
	tests := []struct {
		name   string
		filter store.Filter
		keep   func(*incident.Incident) bool
	}{
		{"everything", store.Filter{}, func(*incident.Incident) bool { return true }},
		{"common tag", store.Filter{Tag: tag}, func(inc *incident.Incident) bool { return slices.Contains(inc.Tags, tag) }},
		{"common tag on one service", store.Filter{Tag: tag, Service: service}, func(inc *incident.Incident) bool {
			return slices.Contains(inc.Tags, tag) && inc.ServiceKey == service
		}},
		{"common outage type", store.Filter{OutageType: incident.OutageType(outage)}, func(inc *incident.Incident) bool {
			return slices.Contains(inc.OutageTypes, incident.OutageType(outage))
		}},
		{"service and severity", store.Filter{Service: service, Severity: incident.SEV2}, func(inc *incident.Incident) bool {
			return inc.ServiceKey == service && inc.Severity == incident.SEV2
		}},
		{"severity", store.Filter{Severity: incident.SEV1}, func(inc *incident.Incident) bool { return inc.Severity == incident.SEV1 }},
		{"common word", store.Filter{Query: "the"}, withThe},
		{"rare words", store.Filter{Query: "certificate expired"}, searched("certificate expired")},
		{"word on one service", store.Filter{Query: "the", Service: service}, func(inc *incident.Incident) bool {
			return withThe(inc) && inc.ServiceKey == service
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			for _, inc := range incs {
				if tt.keep(inc) {
					want = append(want, inc.ID)
				}
			}
			var got []int64
			f := tt.filter
			f.Limit = 400
			for {
				page, err := st.ListIncidents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != int64(len(want)) {
					t.Fatalf("total %d, want %d", page.Total, len(want))
				}
				for _, inc := range page.Items {
					got = append(got, inc.ID)
				}
				if page.NextCursor == "" {
					break
				}
				f.Cursor = page.NextCursor
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d ids, want %d; first %v, want %v", len(got), len(want), got[:min(5, len(got))], want[:min(5, len(want))])
			}
		})
	}
}
