package store_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestActionItemsAcrossIncidents lists action items by status, owner and
// due date, page by page, and the owners' loads, against lists computed
// here from the incidents themselves.
func TestActionItemsAcrossIncidents(t *testing.T) {
	st := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()
	incs := seed.NewGenerator(3, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)).Batch(400)
	for _, inc := range everySeventh(incs) {
		for i := range inc.ActionItems {
			inc.ActionItems[i].Owner = "" // nobody's
		}
	}
	if err := st.CreateIncidents(ctx, incs); err != nil {
		t.Fatal(err)
	}
	type item struct {
		id                int64
		pos               int
		owner, due, title string
		status            incident.ActionStatus
	}
	var all []item
	for _, inc := range incs {
		for i, a := range inc.ActionItems {
			all = append(all, item{inc.ID, i, a.Owner, a.DueDate, a.Title, a.Status})
		}
	}
	const today = "2025-06-01"
	earliest := func(a, b item) int {
		if (a.due == "") != (b.due == "") {
			if a.due == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.id, b.id), cmp.Compare(a.pos, b.pos))
	}
	latest := func(a, b item) int {
		if (a.due == "") != (b.due == "") {
			return earliest(a, b)
		}
		return cmp.Or(cmp.Compare(b.due, a.due), cmp.Compare(b.id, a.id), cmp.Compare(a.pos, b.pos))
	}
	owner := all[slices.IndexFunc(all, func(i item) bool { return i.owner != "" })].owner
	tests := []struct {
		name   string
		filter incident.ActionItemFilter
		keep   func(item) bool
		order  func(a, b item) int
	}{
		{"open", incident.ActionItemFilter{Statuses: []incident.ActionStatus{incident.ActionOpen, incident.ActionInProgress}},
			func(i item) bool { return i.status.IsOpen() }, earliest},
		{"overdue, latest first", incident.ActionItemFilter{OverdueOn: today, RecentFirst: true},
			func(i item) bool { return i.status.IsOpen() && i.due != "" && i.due < today }, latest},
		{"one owner's", incident.ActionItemFilter{Owner: owner}, func(i item) bool { return i.owner == owner }, earliest},
		{"nobody's", incident.ActionItemFilter{Owner: incident.NoOwner}, func(i item) bool { return i.owner == "" }, earliest},
		{"done", incident.ActionItemFilter{Statuses: []incident.ActionStatus{incident.ActionDone}},
			func(i item) bool { return i.status == incident.ActionDone }, earliest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := slices.DeleteFunc(slices.Clone(all), func(i item) bool { return !tt.keep(i) })
			slices.SortStableFunc(want, tt.order)
			if len(want) < 5 {
				t.Fatalf("the data has only %d such items", len(want))
			}
			var got []item
			for offset := 0; ; offset += 37 {
				f := tt.filter
				f.Limit, f.Offset = 37, offset
				page, err := st.ListActionItems(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != int64(len(want)) {
					t.Fatalf("total %d, want %d", page.Total, len(want))
				}
				for _, it := range page.Items {
					got = append(got, item{it.IncidentID, it.Position, it.Owner, it.DueDate, it.Title, it.Status})
				}
				if len(page.Items) < 37 {
					break
				}
			}
			if !slices.Equal(got, want) {
				k := firstDifference(got, want)
				t.Fatalf("got %d items, want %d; first difference at %d: %+v, want %+v", len(got), len(want), k, got[k], want[k])
			}
		})
	}

	loads, err := st.ActionItemOwners(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]incident.OwnerLoad{}
	for _, i := range all {
		if i.status.IsOpen() {
			l := want[i.owner]
			l.Owner, l.Open = i.owner, l.Open+1
			if i.due != "" && i.due < today {
				l.Overdue++
			}
			want[i.owner] = l
		}
	}
	if len(loads) != len(want) {
		t.Fatalf("%d owners, want %d", len(loads), len(want))
	}
	for k, l := range loads {
		if l != want[l.Owner] {
			t.Errorf("%q: %+v, want %+v", l.Owner, l, want[l.Owner])
		}
		if k > 0 && loads[k-1].Overdue < l.Overdue {
			t.Errorf("owners not by overdue: %v", loads)
		}
	}
}

func firstDifference[T comparable](a, b []T) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func everySeventh[T any](list []T) []T {
	var out []T
	for i := 0; i < len(list); i += 7 {
		out = append(out, list[i])
	}
	return out
}
