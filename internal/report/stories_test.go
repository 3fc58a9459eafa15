package report_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// The stories: a hand-made history where every finding is known. Payments
// API depends on Ledger, Checkout on Payments API; Search and Orders DB are
// related to nothing. Each story is a few incidents; around them, unrelated
// background incidents give the words their usual frequencies and the fleet
// its usual categories.
var storyStart = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

type story struct {
	key   string // names the incident in the test
	at    int    // days after storyStart
	inc   incident.Incident
	fixAt int // days after storyStart when the preventive fix is done; 0: none
}

const (
	poolExhaustion = "Connection pool exhaustion in the ledger writer: queries on `orders_v2` timed out after `db.timeout_ms` was lowered to 2 seconds, and the connections were never returned to the pool, so every payment failed within 9 minutes."
	poolAgain      = "The ledger writer exhausted its connection pool again: queries on `orders_v2` hit the lowered `db.timeout_ms` and their connections were not returned to the pool; payments failed for 25 minutes."
	poolOnLedger   = "Connection pool exhaustion in the ledger writer once more, queries on `orders_v2` timing out under `db.timeout_ms` and connections never returned to the pool; balances went stale."
	poolOtherTable = "Connection pool exhaustion in the ledger writer: queries on `refunds_v2` timed out after `pool.max_idle` was lowered to 2 seconds, and the connections were never returned to the pool, so every payment failed within 9 minutes."
	cartFlag       = "The `cart-v2` flag sent every cart update to the new promotions path, which rejected items with a `NullPointerException` on `/v1/cart/items` when a coupon had expired."
	cartFlagAgain  = "Again the `cart-v2` flag routed cart updates through the new promotions path, and `/v1/cart/items` answered with a `NullPointerException` for carts holding an expired coupon."
	cartFlagThird  = "With `cart-v2` on, cart updates went to the promotions path, which threw `NullPointerException` on `/v1/cart/items` for every expired coupon in a cart."
	reindexLocks   = "The `search-reindex` job held locks on `search_documents` for the whole nightly run, so the indexer queued behind it."
	reindexAgain   = "As before, the `search-reindex` job kept its locks on `search_documents` for the entire night and the indexer waited behind it."
	synonymLoss    = "The synonym loader read a truncated `synonyms.txt` from object storage and the query router dropped every synonym for `/v1/search` in Europe."
	synonymAgain   = "The synonym loader read `synonyms.txt` truncated again from object storage, and the query router lost all synonyms for `/v1/search` across Europe."
	webhookRetry   = "Webhook deliveries to `/v1/webhooks` retried without backoff after the `webhook-signer` rotated its key, and the retry queue `webhook.retried` grew to two million messages."
	webhookAgain   = "Deliveries to `/v1/webhooks` again retried with no backoff once `webhook-signer` rotated its key, and `webhook.retried` backed up to over a million messages."
)

// stories returns the story incidents in time order.
func stories() []story {
	cause := func(cat, text string) incident.Cause { return incident.Cause{Category: cat, Description: text} }
	inc := func(service, title string, sev incident.Severity, c incident.Cause) incident.Incident {
		return incident.Incident{Title: title, Service: service, Severity: sev, DetectionMethod: incident.DetectedByAlert,
			OutageTypes: []incident.OutageType{incident.OutagePartial}, PrimaryCause: c}
	}
	withGap := func(i incident.Incident, gap string) incident.Incident {
		i.DetectionGaps = []incident.Finding{{Category: gap, Description: "Nothing watched the promotions path."}}
		return i
	}
	withFactor := func(i incident.Incident, text string) incident.Incident {
		i.ContributingFactors = []incident.Finding{{Category: "database", Description: text}}
		return i
	}
	customer := func(i incident.Incident) incident.Incident {
		i.DetectionMethod = incident.DetectedByCustomer
		return i
	}
	return []story{
		// A fix that did not work: the pool fix was done, and the failure
		// came back on Payments API and on Ledger, which it depends on.
		{key: "pool-1", at: 10, fixAt: 15, inc: inc("Payments API", "Payments fail: pool exhausted", incident.SEV2, cause("resource-exhaustion", poolExhaustion))},
		{key: "pool-2", at: 40, inc: inc("Payments API", "Payments fail again", incident.SEV2, cause("resource-exhaustion", poolAgain))},
		{key: "pool-3", at: 70, inc: inc("Ledger", "Stale balances", incident.SEV3, cause("resource-exhaustion", poolOnLedger))},
		// The same words about another table and key: another failure.
		{key: "pool-other", at: 75, inc: inc("Payments API", "Payments fail: refunds pool", incident.SEV3, cause("resource-exhaustion", poolOtherTable))},
		// The same text on a service related to none of them: no recurrence.
		{key: "pool-elsewhere", at: 80, inc: inc("Search", "Search pool", incident.SEV4, cause("resource-exhaustion", poolExhaustion))},
		// Came back three times with nothing done, missed the same way
		// twice: customers found the first two.
		{key: "cart-1", at: 20, inc: customer(withGap(inc("Checkout", "Cart updates fail", incident.SEV1, cause("software-bug", cartFlag)), "missing-monitoring"))},
		{key: "cart-2", at: 50, inc: customer(withGap(inc("Checkout", "Cart updates fail again", incident.SEV1, cause("software-bug", cartFlagAgain)), "missing-monitoring"))},
		{key: "cart-3", at: 90, inc: inc("Checkout", "Cart updates fail, third time", incident.SEV2, cause("software-bug", cartFlagThird))},
		// A factor that came back after its own fix was done.
		{key: "locks-1", at: 30, fixAt: 33, inc: withFactor(inc("Search", "Slow indexing", incident.SEV3, cause("process", "The indexer had no alert on its lag, and nobody noticed for a day.")), reindexLocks)},
		{key: "locks-2", at: 100, inc: withFactor(inc("Search", "Indexing stalled", incident.SEV3, cause("capacity", "Indexer nodes ran out of disk during the seasonal catalogue import.")), reindexAgain)},
		// A fix planned (open) but not done.
		{key: "synonym-1", at: 35, inc: inc("Search", "Synonyms lost", incident.SEV3, cause("software-bug", synonymLoss))},
		{key: "synonym-2", at: 65, inc: inc("Search", "Synonyms lost again", incident.SEV3, cause("software-bug", synonymAgain))},
		// A fix done only after the failure came back: not a failed fix.
		{key: "webhook-1", at: 45, fixAt: 85, inc: inc("Payments API", "Webhook backlog", incident.SEV3, cause("software-bug", webhookRetry))},
		{key: "webhook-2", at: 60, inc: inc("Payments API", "Webhook backlog again", incident.SEV3, cause("software-bug", webhookAgain))},
	}
}

// background returns unrelated incidents across the fleet, and a run of
// database failures on Orders DB, each described in words of its own.
func background() []story {
	r := rand.New(rand.NewPCG(11, 12))
	words := strings.Fields(`amber basalt cobalt dune ember fjord garnet harbor indigo jasper kelp lagoon marble nectar
		onyx prairie quartz reef sierra tundra umber valley willow xenon yarrow zephyr anchor beacon canyon delta
		estuary falcon glacier heron island juniper kestrel lichen meadow nimbus orchid pebble quill raven saffron`)
	// Some four hundred words, twelve to a description: unrelated texts
	// share a word or two, as unrelated post-mortems do.
	text := func(k int) string {
		w := make([]string, 12)
		for j := range w {
			w[j] = fmt.Sprint(words[r.IntN(len(words))], r.IntN(9))
		}
		return strings.Join(w, " ") + fmt.Sprintf(" on `host-%d`.", k)
	}
	services := []string{"Payments API", "Checkout", "Search", "Ledger", "Notifications", "Billing", "Auth"}
	cats := []string{"config-change", "deployment", "software-bug", "capacity", "network", "dependency"}
	var out []story
	for k := range 70 {
		out = append(out, story{key: fmt.Sprint("bg-", k), at: 5 + k,
			inc: incident.Incident{Title: fmt.Sprint("Background ", k), Service: services[k%len(services)], Severity: incident.SEV4,
				DetectionMethod: incident.DetectedByAlert, OutageTypes: []incident.OutageType{incident.OutageRegional},
				PrimaryCause: incident.Cause{Category: cats[k%len(cats)], Description: text(k)}}})
	}
	for k := range 12 {
		out = append(out, story{key: fmt.Sprint("db-", k), at: 8 + 7*k,
			inc: incident.Incident{Title: fmt.Sprint("Orders DB ", k), Service: "Orders DB", Severity: incident.SEV3,
				DetectionMethod: incident.DetectedByAlert, OutageTypes: []incident.OutageType{incident.OutagePartial},
				PrimaryCause: incident.Cause{Category: "database", Description: text(100 + k)}}})
	}
	return out
}

// fileStories files the stories and the background, in time order, with
// the catalogue, and returns the store and each story's stored id.
func fileStories(t *testing.T) (*store.Store, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, storetest.Selected(t))
	all := append(stories(), background()...)
	slices.SortStableFunc(all, func(a, b story) int { return a.at - b.at })
	ptrs := make([]*incident.Incident, len(all))
	for k := range all {
		s := &all[k]
		start := storyStart.AddDate(0, 0, s.at)
		s.inc.Status = incident.StatusResolved
		s.inc.StartedAt, s.inc.DetectedAt = ptr(start), ptr(start.Add(5*time.Minute))
		s.inc.MitigatedAt, s.inc.ResolvedAt = ptr(start.Add(time.Hour)), ptr(start.Add(2*time.Hour))
		if s.fixAt > 0 {
			addresses := "primary_cause"
			if len(s.inc.ContributingFactors) > 0 {
				addresses = "contributing_factors[0]"
			}
			s.inc.ActionItems = append(s.inc.ActionItems, incident.ActionItem{Title: "Fix " + s.key, Kind: incident.ActionPrevent,
				Status: incident.ActionDone, Addresses: addresses, DoneAt: ptr(storyStart.AddDate(0, 0, s.fixAt))})
		}
		if s.key == "synonym-1" {
			s.inc.ActionItems = append(s.inc.ActionItems, incident.ActionItem{Title: "Validate synonyms.txt before loading",
				Kind: incident.ActionPrevent, Status: incident.ActionOpen, Addresses: "primary_cause"})
		}
		ptrs[k] = &s.inc
	}
	if err := st.DefineServices(ctx, []incident.Service{
		{Name: "Ledger"}, {Name: "Payments API", DependsOn: []string{"ledger"}}, {Name: "Checkout", DependsOn: []string{"paymentsapi"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateIncidents(ctx, ptrs); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, s := range all {
		ids[s.key] = s.inc.ID
	}
	return st, ids
}

// TestStories checks every finding of the stories: the failures that came
// back and what was done about them, the returns after a fix, the gap
// missed twice, the customer-found SEV1s, the hotspot, and the findings in
// their order, for the whole history, a window and one service.
func TestStories(t *testing.T) {
	st, id := fileStories(t)
	ctx := context.Background()
	group := func(keys ...string) []int64 {
		out := make([]int64, len(keys))
		for k, key := range keys {
			out[k] = id[key]
		}
		slices.Sort(out)
		return out
	}
	type failure struct {
		ids []int64
		fix string
	}
	failures := func(r *report.Report) []failure {
		var out []failure
		for _, rec := range r.Recurring {
			out = append(out, failure{ids: rec.IDs, fix: rec.Fix})
			if rec.Description == "" || len(rec.Services) == 0 {
				t.Errorf("recurrence %v lacks its description or services", rec.IDs)
			}
		}
		slices.SortFunc(out, func(a, b failure) int { return slices.Compare(a.ids, b.ids) })
		return out
	}
	sorted := func(fs ...failure) []failure {
		slices.SortFunc(fs, func(a, b failure) int { return slices.Compare(a.ids, b.ids) })
		return fs
	}
	sameFailures := func(a, b failure) bool { return slices.Equal(a.ids, b.ids) && a.fix == b.fix }

	t.Run("all of it", func(t *testing.T) {
		r, err := report.Build(ctx, st, report.Params{Now: storyStart.AddDate(0, 6, 0)})
		if err != nil {
			t.Fatal(err)
		}
		want := sorted(
			failure{group("pool-1", "pool-2", "pool-3"), report.FixDone},
			failure{group("cart-1", "cart-2", "cart-3"), report.FixNone},
			failure{group("locks-1", "locks-2"), report.FixDone},
			failure{group("synonym-1", "synonym-2"), report.FixPlanned},
			failure{group("webhook-1", "webhook-2"), report.FixDone},
		)
		if got := failures(r); !slices.EqualFunc(got, want, sameFailures) {
			t.Errorf("recurring\n  %v\nwant\n  %v", got, want)
		}
		if got, want := r.ReturnedAfterFix.IDs, group("pool-2", "pool-3", "locks-2"); !slices.Equal(got, want) {
			t.Errorf("returned after fix %v, want %v", got, want)
		}
		for _, item := range r.ReturnedAfterFix.Items {
			wantFix := map[int64]string{id["pool-2"]: "Fix pool-1", id["pool-3"]: "Fix pool-1", id["locks-2"]: "Fix locks-1"}[item.Incident.ID]
			if item.Fix.ActionItem != wantFix || !item.Fix.DoneAt.Before(*item.Incident.StartedAt) || item.Repeats.Title == "" {
				t.Errorf("return #%d: fix %q done %s, repeats %+v", item.Incident.ID, item.Fix.ActionItem, item.Fix.DoneAt, item.Repeats)
			}
		}
		if g := r.Detection.RecurringGaps; len(g) != 1 || g[0].Category != "missing-monitoring" || !slices.Equal(g[0].IDs, group("cart-1", "cart-2")) {
			t.Errorf("recurring gaps %+v, want missing-monitoring on the first two cart incidents", g)
		}
		if h := r.Hotspots; len(h) != 1 || h[0].Service != "ordersdb" || h[0].Category != "database" || h[0].Incidents != 12 || h[0].Baseline != "fleet" {
			t.Errorf("hotspots %+v, want Orders DB's database incidents against the fleet", h)
		}
		var kinds []string
		for _, f := range r.Findings {
			kinds = append(kinds, f.Kind)
		}
		wantKinds := []string{report.FindingUnmitigatedRepeat, report.FindingFixDidNotWork, report.FindingFixDidNotWork,
			report.FindingRecurringGap, report.FindingCustomerFoundSEV1, report.FindingHotspot}
		if !slices.Equal(kinds, wantKinds) {
			t.Errorf("findings %v, want %v", kinds, wantKinds)
		}
		byKind := map[string][]int64{}
		for _, f := range r.Findings {
			if _, ok := byKind[f.Kind]; !ok {
				byKind[f.Kind] = f.IDs
			}
		}
		for kind, want := range map[string][]int64{
			report.FindingUnmitigatedRepeat: group("cart-1", "cart-2", "cart-3"),
			report.FindingFixDidNotWork:     group("pool-2", "pool-3", "locks-2"),
			report.FindingRecurringGap:      group("cart-1", "cart-2"),
			report.FindingCustomerFoundSEV1: group("cart-1", "cart-2"),
		} {
			if got := slices.Sorted(slices.Values(byKind[kind])); !slices.Equal(got, want) {
				t.Errorf("%s finding names %v, want %v", kind, got, want)
			}
		}
		var doc bytes.Buffer
		if err := report.WriteMarkdown(&doc, r); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			fmt.Sprintf("[#%d](/incidents/%d)", id["cart-3"], id["cart-3"]),
			"## Hotspots", "| Orders DB | database | 12 of 12 |",
			"| Fix pool-1 |",
		} {
			if !strings.Contains(doc.String(), want) {
				t.Errorf("the markdown lacks %q", want)
			}
		}
	})

	t.Run("a window reaches back for what came before", func(t *testing.T) {
		since, until := storyStart.AddDate(0, 0, 66), storyStart.AddDate(0, 0, 95)
		r, err := report.Build(ctx, st, report.Params{Since: &since, Until: &until, Now: storyStart.AddDate(0, 6, 0)})
		if err != nil {
			t.Fatal(err)
		}
		want := sorted(
			failure{group("pool-1", "pool-2", "pool-3"), report.FixDone},
			failure{group("cart-1", "cart-2", "cart-3"), report.FixNone},
		)
		if got := failures(r); !slices.EqualFunc(got, want, sameFailures) {
			t.Errorf("recurring\n  %v\nwant\n  %v", got, want)
		}
		for _, rec := range r.Recurring {
			if rec.InWindow != 1 {
				t.Errorf("recurrence %v has %d incidents in the window, want 1", rec.IDs, rec.InWindow)
			}
		}
		if got, want := r.ReturnedAfterFix.IDs, group("pool-3"); !slices.Equal(got, want) {
			t.Errorf("returned after fix %v, want %v", got, want)
		}
	})

	t.Run("one service and those it depends on", func(t *testing.T) {
		r, err := report.Build(ctx, st, report.Params{Service: "Ledger", Now: storyStart.AddDate(0, 6, 0)})
		if err != nil {
			t.Fatal(err)
		}
		want := []failure{{group("pool-1", "pool-2", "pool-3"), report.FixDone}}
		if got := failures(r); !slices.EqualFunc(got, want, sameFailures) {
			t.Errorf("recurring\n  %v\nwant\n  %v", got, want)
		}
		if got, want := r.ReturnedAfterFix.IDs, group("pool-3"); !slices.Equal(got, want) {
			t.Errorf("returned after fix %v, want %v", got, want)
		}
		if len(r.Hotspots) != 0 {
			t.Errorf("hotspots %+v in a one-service report without a history to compare with", r.Hotspots)
		}
	})
}
