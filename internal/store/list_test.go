package store_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestListAtScale pages through filters that match more and fewer
// incidents than the point where a list switches from looking matches up
// to walking the sort order, and checks every page and total against the
// expectation computed here from the incidents themselves.
func TestListAtScale(t *testing.T) {
	st := storetest.Open(t, storetest.Selected(t))
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
	// Some incidents are changed later, one second apart, for the list by
	// last change.
	updated := map[int64]int64{}
	tick := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { tick = tick.Add(time.Second); return tick }
	for i := 0; i < len(incs); i += 9 {
		stored, err := st.GetIncident(ctx, incs[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.UpdateIncident(ctx, stored); err != nil {
			t.Fatal(err)
		}
		updated[stored.ID] = stored.UpdatedAt.Unix()
	}
	updatedAt := func(inc *incident.Incident) int64 {
		if u, ok := updated[inc.ID]; ok {
			return u
		}
		return inc.UpdatedAt.Unix()
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
		query := "SELECT docid FROM incidents_fts WHERE incidents_fts MATCH ?"
		if st.Engine() == "postgres" {
			// The same words as a tsquery: "certificate expired" is
			// 'certificate' & 'expired'.
			query = "SELECT incident_id FROM incident_search WHERE document @@ CAST(? AS tsquery)"
			words := strings.Fields(q)
			for i, w := range words {
				words[i] = "'" + w + "'"
			}
			q = strings.Join(words, " & ")
		}
		if err := st.Reader().Raw(query, q).Scan(&ids).Error; err != nil {
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
	byOldest := func(a, b *incident.Incident) int { return byNewest(b, a) }
	byUpdated := func(a, b *incident.Incident) int {
		return cmp.Or(cmp.Compare(updatedAt(b), updatedAt(a)), cmp.Compare(b.ID, a.ID))
	}
	open := []incident.Status{incident.StatusInvestigating, incident.StatusIdentified, incident.StatusMonitoring}
	tests := []struct {
		name   string
		filter incident.Filter
		keep   func(*incident.Incident) bool
		order  func(a, b *incident.Incident) int // newest first when nil
	}{
		{"everything", incident.Filter{}, func(*incident.Incident) bool { return true }, nil},
		{"common tag", incident.Filter{Tag: tag}, func(inc *incident.Incident) bool { return slices.Contains(inc.Tags, tag) }, nil},
		{"common tag on one service", incident.Filter{Tag: tag, Service: service}, func(inc *incident.Incident) bool {
			return slices.Contains(inc.Tags, tag) && inc.ServiceKey == service
		}, nil},
		{"common outage type", incident.Filter{OutageType: incident.OutageType(outage)}, func(inc *incident.Incident) bool {
			return slices.Contains(inc.OutageTypes, incident.OutageType(outage))
		}, nil},
		{"service and severity", incident.Filter{Service: service, Severity: incident.SEV2}, func(inc *incident.Incident) bool {
			return inc.ServiceKey == service && inc.Severity == incident.SEV2
		}, nil},
		{"severity", incident.Filter{Severity: incident.SEV1}, func(inc *incident.Incident) bool { return inc.Severity == incident.SEV1 }, nil},
		{"common word", incident.Filter{Query: "the"}, withThe, nil},
		{"rare words", incident.Filter{Query: "certificate expired"}, searched("certificate expired"), nil},
		{"word on one service", incident.Filter{Query: "the", Service: service}, func(inc *incident.Incident) bool {
			return withThe(inc) && inc.ServiceKey == service
		}, nil},
		{"open incidents", incident.Filter{Statuses: open}, func(inc *incident.Incident) bool { return slices.Contains(open, inc.Status) }, nil},
		{"post-mortems in review", incident.Filter{PostmortemStatus: incident.PostmortemInReview}, func(inc *incident.Incident) bool {
			return inc.PostmortemStatus == incident.PostmortemInReview
		}, nil},
		{"oldest first", incident.Filter{Sort: incident.SortOldest}, func(*incident.Incident) bool { return true }, byOldest},
		{"oldest first on one service", incident.Filter{Sort: incident.SortOldest, Service: service}, func(inc *incident.Incident) bool {
			return inc.ServiceKey == service
		}, byOldest},
		{"last changed first", incident.Filter{Sort: incident.SortUpdated}, func(*incident.Incident) bool { return true }, byUpdated},
		{"last changed, common tag", incident.Filter{Sort: incident.SortUpdated, Tag: tag}, func(inc *incident.Incident) bool {
			return slices.Contains(inc.Tags, tag)
		}, byUpdated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			ordered := incs
			if tt.order != nil {
				ordered = slices.Clone(incs)
				slices.SortFunc(ordered, tt.order)
			}
			for _, inc := range ordered {
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

// TestCursorBelongsToItsSort: a cursor from a list in one order is refused
// by a list in another, rather than read as a position it is not.
func TestCursorBelongsToItsSort(t *testing.T) {
	st := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()
	for range 3 {
		if err := st.CreateIncident(ctx, storetest.Linktree(t)); err != nil {
			t.Fatal(err)
		}
	}
	page, err := st.ListIncidents(ctx, incident.Filter{Limit: 1, Sort: incident.SortOldest})
	if err != nil || page.NextCursor == "" {
		t.Fatal(page, err)
	}
	for _, sort := range []incident.Sort{incident.SortNewest, incident.SortUpdated} {
		if _, err := st.ListIncidents(ctx, incident.Filter{Limit: 1, Sort: sort, Cursor: page.NextCursor}); incident.ErrorCode(err) != incident.EMALFORMED {
			t.Errorf("%s took an oldest-first cursor: %v", sort, err)
		}
	}
	if _, err := st.ListIncidents(ctx, incident.Filter{Sort: "severity"}); incident.ErrorCode(err) != incident.EMALFORMED {
		t.Errorf("an unknown sort: %v", err)
	}
	next, err := st.ListIncidents(ctx, incident.Filter{Limit: 1, Sort: incident.SortOldest, Cursor: page.NextCursor})
	if err != nil || len(next.Items) != 1 || next.Items[0].ID != page.Items[0].ID+1 {
		t.Fatalf("oldest first, page 2: %v %v", next, err)
	}
}
