package seed

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// stopWords mirrors the report's list: two texts that share only these are
// not alike.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about after all also an and any are as at be been
		before being but by can could did do does during each for from had has have he her his
		if in into is it its more most no not of on once only or other our out over she so some
		such than that the their them then there these they this those through to too under
		until up very was we were what when where which while who will with would you your`) {
		stopWords[w] = true
	}
}

// tokens normalises text the way recurrence detection does: lower-case runs
// of letters and digits, as a set, without stop words, one-letter words and
// bare numbers.
func tokens(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if len(w) < 2 || stopWords[w] || strings.Trim(w, "0123456789") == "" {
			continue
		}
		out[w] = true
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	inter := 0
	for w := range a {
		if b[w] {
			inter++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

func share(n, total int) float64 { return float64(n) / float64(total) }

func TestDistribution(t *testing.T) {
	const n = 10000
	incs := NewGenerator(99, anchor).Batch(n)

	count := func(pred func(*incident.Incident) bool) int {
		c := 0
		for i := range incs {
			if pred(incs[i]) {
				c++
			}
		}
		return c
	}
	byService := map[string]int{}
	byCause := map[string]int{}
	var ttd []float64
	for i := range incs {
		byService[incs[i].ServiceKey]++
		byCause[incs[i].PrimaryCause.Category]++
		if d := incs[i].TimeToDetect(); d != nil {
			ttd = append(ttd, d.Minutes())
		}
	}
	slices.Sort(ttd)
	serviceCounts := make([]int, 0, len(byService))
	for _, c := range byService {
		serviceCounts = append(serviceCounts, c)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(serviceCounts)))
	top5 := 0
	for _, c := range serviceCounts[:5] {
		top5 += c
	}
	recent := count(func(inc *incident.Incident) bool { return anchor.Sub(*inc.StartedAt) < 365*24*time.Hour })
	oldest := count(func(inc *incident.Incident) bool { return anchor.Sub(*inc.StartedAt) > 2*365*24*time.Hour })

	ranges := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"SEV1 share", share(count(func(i *incident.Incident) bool { return i.Severity == incident.SEV1 }), n), 0.02, 0.10},
		{"SEV3 share", share(count(func(i *incident.Incident) bool { return i.Severity == incident.SEV3 }), n), 0.35, 0.55},
		{"customer-report share", share(count(func(i *incident.Incident) bool { return i.DetectionMethod == incident.DetectedByCustomer }), n), 0.10, 0.30},
		{"alert share", share(count(func(i *incident.Incident) bool { return i.DetectionMethod == incident.DetectedByAlert }), n), 0.40, 0.70},
		{"resolved share", share(count(func(i *incident.Incident) bool { return i.Status == incident.StatusResolved }), n), 0.97, 0.999},
		{"cascading share", share(count(func(i *incident.Incident) bool { return slices.Contains(i.OutageTypes, incident.OutageCascading) }), n), 0.05, 0.25},
		{"missing-timestamp share", share(count(func(i *incident.Incident) bool {
			return i.DetectedAt == nil || i.MitigatedAt == nil || (i.Status == incident.StatusResolved && i.ResolvedAt == nil)
		}), n), 0.01, 0.08},
		{"top-5 services share", share(top5, n), 0.35, 0.70},
		{"last year vs oldest year", float64(recent) / float64(oldest), 1.1, 2.5},
		{"median time to detect (min)", ttd[len(ttd)/2], 5, 20},
		{"p90 time to detect (min)", ttd[len(ttd)*9/10], 30, 240},
	}
	for _, r := range ranges {
		t.Logf("%-28s %.3f", r.name, r.got)
		if r.got < r.lo || r.got > r.hi {
			t.Errorf("%s = %.3f, want between %.3f and %.3f", r.name, r.got, r.lo, r.hi)
		}
	}
	if len(byService) < 35 {
		t.Errorf("only %d services used", len(byService))
	}
	top := []string{"config-change", "deployment", "software-bug"}
	for _, c := range top {
		for other, k := range byCause {
			if !slices.Contains(top, other) && other != "" && k >= byCause[c] {
				t.Errorf("cause %s (%d) is as common as %s (%d)", other, k, c, byCause[c])
			}
		}
	}
}

// TestRecurrence checks that the data holds what recurrence reports look
// for: causes that come back on the same service and category with a
// near-identical description (token Jaccard >= 0.6), some of them after a
// preventive fix on the earlier incident was done, while unrelated causes
// rarely look near-identical by chance.
func TestRecurrence(t *testing.T) {
	const n = 10000
	g := NewGenerator(5, anchor)
	incs := make([]incident.Incident, n)
	recurred := make([]bool, n)
	toks := make([]map[string]bool, n)
	groups := map[string][]int{}
	for i := range incs {
		incs[i] = g.Next()
		recurred[i] = g.recurred
		c := incs[i].PrimaryCause
		toks[i] = tokens(c.Description)
		if c.Category != "" {
			k := incs[i].ServiceKey + "/" + c.Category
			groups[k] = append(groups[k], i)
		}
	}

	recurrences, matched, afterFix := 0, 0, 0
	for i := range incs {
		if !recurred[i] {
			continue
		}
		recurrences++
		if incs[i].PrimaryCause.Category == "" {
			matched++ // still under investigation: the cause is not written yet
			continue
		}
		late := &incs[i]
		found, fixed := false, false
		for _, j := range groups[late.ServiceKey+"/"+late.PrimaryCause.Category] {
			early := &incs[j]
			if recurred[j] || !early.StartedAt.Before(*late.StartedAt) || jaccard(toks[i], toks[j]) < 0.6 {
				continue
			}
			found = true
			for _, a := range early.ActionItems {
				if a.Kind == incident.ActionPrevent && a.DoneAt != nil && late.StartedAt.After(*a.DoneAt) {
					fixed = true
				}
			}
		}
		if found {
			matched++
		}
		if fixed {
			afterFix++
		}
	}

	fresh, chance := 0, 0
	for _, idx := range groups {
		for a := range idx {
			for b := a + 1; b < len(idx); b++ {
				i, j := idx[a], idx[b]
				if recurred[i] || recurred[j] {
					continue
				}
				fresh++
				if jaccard(toks[i], toks[j]) >= 0.6 {
					chance++
				}
			}
		}
	}
	t.Logf("recurrences %.1f%%, after a done preventive fix %.1f%% of them; fresh same-service-and-category pairs near-identical by chance %.2f%%",
		100*share(recurrences, n), 100*share(afterFix, recurrences), 100*share(chance, fresh))
	if s := share(recurrences, n); s < 0.10 || s > 0.20 {
		t.Errorf("recurrence share = %.3f, want about 0.15", s)
	}
	if matched != recurrences {
		t.Errorf("%d of %d recurrences have no earlier near-identical cause on the same service and category", recurrences-matched, recurrences)
	}
	if afterFix == 0 {
		t.Error("no recurrence after a preventive action item was done")
	}
	if s := share(chance, fresh); s > 0.02 {
		t.Errorf("%.3f of unrelated same-group pairs are near-identical, want under 0.02", s)
	}
}
