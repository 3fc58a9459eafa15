package report_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// TestServiceHistory checks a service's history against the dataset, and
// its dependencies through a graph with a cycle:
//
//	Payments API → Ledger → Postgres → Payments API (a cycle)
//	Checkout → Payments API;  Storefront → Checkout
func TestServiceHistory(t *testing.T) {
	st, incs := fileDataset(t)
	ctx := context.Background()
	// In order: a service named in a relation is created on first use.
	for _, edge := range [][2]string{
		{"paymentsapi", "Ledger"}, {"ledger", "Postgres"}, {"postgres", "Payments API"}, {"checkout", "Payments API"},
	} {
		deps := []string{edge[1]}
		if _, err := st.UpdateService(ctx, edge[0], incident.ServiceChange{DependsOn: &deps}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.UpdateService(ctx, "Storefront", incident.ServiceChange{DependsOn: &[]string{"Checkout"}}); err == nil {
		t.Fatal("Storefront should not exist yet")
	}
	if _, err := st.UpdateService(ctx, "checkout", incident.ServiceChange{Dependents: &[]string{"Storefront"}}); err != nil {
		t.Fatal(err)
	}
	for key, inds := range map[string][]string{"paymentsapi": {"payments"}, "storefront": {"retail", "payments"}} {
		if _, err := st.UpdateService(ctx, key, incident.ServiceChange{Industries: &inds}); err != nil {
			t.Fatal(err)
		}
	}

	h, err := report.History(ctx, st, "paymentsapi", 3)
	if err != nil {
		t.Fatal(err)
	}
	var mine []*incident.Incident
	for i := range incs {
		if incs[i].ServiceKey == "paymentsapi" {
			mine = append(mine, &incs[i])
		}
	}
	if h.Incidents != len(mine) || len(h.RecentIncidents) != 3 {
		t.Errorf("%d incidents, %d recent; want %d, 3", h.Incidents, len(h.RecentIncidents), len(mine))
	}
	slices.SortFunc(mine, func(a, b *incident.Incident) int {
		if sortAt(a) != sortAt(b) {
			return sortAt(b) - sortAt(a)
		}
		return int(b.ID - a.ID)
	})
	for k, ref := range h.RecentIncidents {
		if ref.ID != mine[k].ID || ref.Title != mine[k].Title {
			t.Errorf("recent[%d] = #%d, want #%d", k, ref.ID, mine[k].ID)
		}
	}
	want := expectedReport(incs, mine, nil, nil, "paymentsapi")
	checkCounts(t, "by_outage_type", h.ByOutageType, want.byOutageType)
	checkCounts(t, "by_cause_category", h.ByCauseCategory, want.byCause)
	checkDurations(t, "time_to_resolve", h.TimeToResolve, want.resolve)
	total := 0
	for _, g := range h.TimeToResolveBySeverity {
		var of []*incident.Incident
		for _, inc := range mine {
			if sev := string(inc.Severity); sev == g.Key || (sev == "" && g.Key == "(none)") {
				of = append(of, inc)
			}
		}
		checkDurations(t, "time_to_resolve["+g.Key+"]", g.Durations, expectedReport(incs, of, nil, nil, "").resolve)
		total += len(of)
	}
	if total != len(mine) {
		t.Errorf("time to resolve by severity covers %d of %d incidents", total, len(mine))
	}
	for _, rec := range h.RecurringCauses {
		if !slices.Contains(rec.Services, "paymentsapi") || len(rec.IDs) < 2 || rec.InWindow == 0 {
			t.Errorf("recurring cause %+v is not the service's", rec)
		}
	}

	links := func(list []report.ServiceLink) map[string]int {
		out := map[string]int{}
		for _, l := range list {
			out[l.Key] = l.Depth
			if len(l.Path) != l.Depth || l.Path[len(l.Path)-1] != l.Key {
				t.Errorf("%s: path %v at depth %d", l.Key, l.Path, l.Depth)
			}
		}
		return out
	}
	if got, want := links(h.DependsOnAll), map[string]int{"ledger": 1, "postgres": 2}; !equalMaps(got, want) {
		t.Errorf("depends on %v, want %v", got, want)
	}
	// The cycle brings Postgres and Ledger back as dependents too.
	if got, want := links(h.DependentsAll), map[string]int{"postgres": 1, "checkout": 1, "ledger": 2, "storefront": 2}; !equalMaps(got, want) {
		t.Errorf("dependents %v, want %v", got, want)
	}
	inds := map[string][]string{}
	for _, l := range h.IndustriesAffected {
		inds[l.Industry] = l.Via
	}
	if !slices.Equal(inds["payments"], []string{"paymentsapi", "storefront"}) || !slices.Equal(inds["retail"], []string{"storefront"}) {
		t.Errorf("industries affected %v", h.IndustriesAffected)
	}
}

func sortAt(inc *incident.Incident) int {
	if inc.StartedAt != nil {
		return int(inc.StartedAt.Unix())
	}
	return int(inc.CreatedAt.Unix())
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
