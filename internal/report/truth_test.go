package report_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// plantedHistory is a seeded store and what its generator planted, with
// the stored ids.
type plantedHistory struct {
	st      *store.Store
	planted []plantedRecurrence
}

type plantedRecurrence struct {
	incident, repeats int64
	afterFix          bool
}

// seedWithTruth writes n generated incidents (and the catalogue) into st
// and returns the planted recurrences with the ids the store gave them,
// as `aftermath seed --truth` writes them.
func seedWithTruth(tb testing.TB, st *store.Store, randSeed uint64, n int) []plantedRecurrence {
	tb.Helper()
	ctx := context.Background()
	if err := st.DefineServices(ctx, seed.Services()); err != nil {
		tb.Fatal(err)
	}
	gen := seed.NewGenerator(randSeed, seedAnchor)
	ids := make([]int64, 0, n)
	for len(ids) < n {
		batch := gen.Batch(min(1000, n-len(ids)))
		if err := st.CreateIncidents(ctx, batch); err != nil {
			tb.Fatal(err)
		}
		for _, inc := range batch {
			ids = append(ids, inc.ID)
		}
	}
	var out []plantedRecurrence
	for _, r := range gen.Recurrences() {
		out = append(out, plantedRecurrence{incident: ids[r.Incident-1], repeats: ids[r.Repeats-1], afterFix: r.AfterFix})
	}
	return out
}

// scores are a report's precision and recall against the ground truth.
type scores struct {
	pairs, plantedPairs, truePairs       int
	precision, recall                    float64
	flagged, plantedAfterFix, trueFlags  int
	fixPrecision, fixRecall              float64
	groups, families, plantedRecurrences int
}

func (s scores) String() string {
	return fmt.Sprintf("recurrence pairs: precision %.3f recall %.3f (%d reported, %d planted, %d both; %d groups for %d families of %d recurrences); "+
		"returned after fix: precision %.3f recall %.3f (%d flagged, %d planted, %d both)",
		s.precision, s.recall, s.pairs, s.plantedPairs, s.truePairs, s.groups, s.families, s.plantedRecurrences,
		s.fixPrecision, s.fixRecall, s.flagged, s.plantedAfterFix, s.trueFlags)
}

// score counts, over pairs of incidents, how the report's recurrence
// groups match the planted families (an incident and what it repeats,
// taken transitively), and, over incidents, how returned_after_fix matches
// the planted after_fix.
func score(r *report.Report, planted []plantedRecurrence) scores {
	// Families: union-find over incident → repeats.
	parent := map[int64]int64{}
	var root func(int64) int64
	root = func(x int64) int64 {
		p, ok := parent[x]
		if !ok || p == x {
			return x
		}
		p = root(p)
		parent[x] = p
		return p
	}
	afterFix := map[int64]bool{}
	for _, p := range planted {
		a, b := root(p.incident), root(p.repeats)
		if a != b {
			parent[a] = b
		}
		if p.afterFix {
			afterFix[p.incident] = true
		}
	}
	families := map[int64][]int64{}
	for _, p := range planted {
		for _, id := range []int64{p.incident, p.repeats} {
			families[root(id)] = append(families[root(id)], id)
		}
	}
	plantedPair := map[[2]int64]bool{}
	for _, members := range families {
		slices.Sort(members)
		members = slices.Compact(members)
		for i := range members {
			for j := i + 1; j < len(members); j++ {
				plantedPair[[2]int64{members[i], members[j]}] = true
			}
		}
	}
	reported := map[[2]int64]bool{}
	for _, g := range r.Recurring {
		ids := slices.Clone(g.IDs)
		slices.Sort(ids)
		for i := range ids {
			for j := i + 1; j < len(ids); j++ {
				reported[[2]int64{ids[i], ids[j]}] = true
			}
		}
	}
	s := scores{pairs: len(reported), plantedPairs: len(plantedPair), groups: len(r.Recurring), families: len(families),
		plantedRecurrences: len(planted)}
	for p := range reported {
		if plantedPair[p] {
			s.truePairs++
		}
	}
	s.flagged, s.plantedAfterFix = len(r.ReturnedAfterFix.IDs), len(afterFix)
	for _, id := range r.ReturnedAfterFix.IDs {
		if afterFix[id] {
			s.trueFlags++
		}
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 1
		}
		return float64(a) / float64(b)
	}
	s.precision, s.recall = ratio(s.truePairs, s.pairs), ratio(s.truePairs, s.plantedPairs)
	s.fixPrecision, s.fixRecall = ratio(s.trueFlags, s.flagged), ratio(s.trueFlags, s.plantedAfterFix)
	return s
}

// TestRecurrencePrecisionAndRecall seeds 20,000 incidents with several
// seeds, builds the report over each, and measures its recurrence groups
// and returns after a fix against what the generator planted:
//
//	go test ./internal/report -run PrecisionAndRecall -v
func TestRecurrencePrecisionAndRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 20,000 incidents per seed; run without -short")
	}
	for _, randSeed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", randSeed), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := storetest.Open(t, storetest.Selected(t))
			planted := seedWithTruth(t, st, randSeed, 20_000)
			start := time.Now()
			r, err := report.Build(ctx, st, report.Params{Now: seedAnchor})
			if err != nil {
				t.Fatal(err)
			}
			s := score(r, planted)
			t.Logf("20,000 incidents, seed %d, report in %s: %v", randSeed, time.Since(start).Round(time.Millisecond), s)
			checkHotspots(t, r)
			for name, v := range map[string]float64{"precision": s.precision, "recall": s.recall,
				"returned-after-fix precision": s.fixPrecision, "returned-after-fix recall": s.fixRecall} {
				if v < 0.9 {
					t.Errorf("%s %.3f, want at least 0.9", name, v)
				}
			}
		})
	}
}

// proneServices are the service keys the generator makes fail by one
// category more often than the fleet (seed.catalogue's prone).
var proneServices = map[string]string{
	"ordersdb": "database", "cdnedge": "network", "cipipeline": "automation",
	"kafkacluster": "resource-exhaustion", "authservice": "security", "internaldns": "network",
}

// checkHotspots checks the hotspots against the skews the generator
// planted: each is found. Recurrences repeat their category on one service
// and now and then add up, with chance, to a real excess somewhere else;
// at most one such hotspot is allowed a report, and logged.
func checkHotspots(t testing.TB, r *report.Report) {
	t.Helper()
	found, other := map[string]bool{}, 0
	for _, h := range r.Hotspots {
		t.Logf("hotspot %s/%s: %d of %d (%.0f%%) against %.0f%% (%s), ratio %.1f, p %.1g, trend %q",
			h.Service, h.Category, h.Incidents, h.Of, 100*h.Share, 100*h.BaselineShare, h.Baseline, h.Ratio, h.PValue, h.Trend)
		if proneServices[h.Service] == h.Category {
			found[h.Service] = true
		} else {
			other++
		}
	}
	for svc, cat := range proneServices {
		if !found[svc] {
			t.Errorf("the planted hotspot %s/%s was not found", svc, cat)
		}
	}
	if other > 1 {
		t.Errorf("%d hotspots were not planted", other)
	}
}
