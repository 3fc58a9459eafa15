package seed

import (
	"fmt"
	"regexp"
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

// quoted returns the identifiers a description quotes in code spans,
// without pod names (a pod is one instance; a recurrence runs on another).
func quoted(s string) map[string]bool {
	out := map[string]bool{}
	parts := strings.Split(s, "`")
	for k := 1; k < len(parts); k += 2 {
		if !podName.MatchString(parts[k]) {
			out[parts[k]] = true
		}
	}
	return out
}

var podName = regexp.MustCompile(`-[bcdfghjklmnpqrstvwxz2456789]{9}-[bcdfghjklmnpqrstvwxz2456789]{5}$`)

// TestRecurrence checks the ground truth against the incidents themselves:
// a planted recurrence repeats an earlier incident of its family, on the
// same service or one related by a dependency, with the same cause
// category and the same quoted identifiers mostly, but not word for word;
// after_fix holds exactly when a preventive fix of the failure on an
// earlier incident of the family was done before it started. And the
// other incidents do not look alike by chance: unrelated pairs of one
// service and category rarely quote the same identifiers, and never have
// the same description.
func TestRecurrence(t *testing.T) {
	const n = 20000
	g := NewGenerator(5, anchor)
	incs := g.Batch(n)
	planted := g.Recurrences()
	related := map[[2]string]bool{}
	for _, s := range Services() {
		related[[2]string{s.Key, s.Key}] = true
		for _, d := range s.DependsOn {
			related[[2]string{s.Key, d}], related[[2]string{d, s.Key}] = true, true
		}
	}
	family := map[int]int{} // position → the family's first
	root := func(i int) int {
		if r, ok := family[i]; ok {
			return r
		}
		return i
	}
	afterFix, fewTerms := 0, 0
	for _, r := range planted {
		late, early := incs[r.Incident-1], incs[r.Repeats-1]
		family[r.Incident] = root(r.Repeats)
		if r.Repeats >= r.Incident || !early.StartedAt.Before(*late.StartedAt) {
			t.Fatalf("#%d repeats #%d, which is not earlier", r.Incident, r.Repeats)
		}
		if !related[[2]string{late.ServiceKey, early.ServiceKey}] {
			t.Errorf("#%d on %s repeats #%d on %s, an unrelated service", r.Incident, late.ServiceKey, r.Repeats, early.ServiceKey)
		}
		if late.PrimaryCause.Category != early.PrimaryCause.Category || late.PrimaryCause.Description == "" {
			t.Errorf("#%d: cause %q repeats %q", r.Incident, late.PrimaryCause.Category, early.PrimaryCause.Category)
		}
		if late.PrimaryCause.Description == early.PrimaryCause.Description {
			t.Errorf("#%d repeats #%d word for word", r.Incident, r.Repeats)
		}
		a, b := quoted(late.PrimaryCause.Description), quoted(early.PrimaryCause.Description)
		switch j := jaccard(a, b); {
		case j == 0:
			t.Errorf("#%d quotes %v, #%d %v: none of the same key terms", r.Incident, a, r.Repeats, b)
		case j < 0.5:
			fewTerms++
		}
		// after_fix, re-derived: a done preventive item addressing the cause
		// or a factor that the recurrence lists again, on an earlier
		// incident of the family, done before it started.
		fixed := false
		for _, p := range append([]int{root(r.Repeats)}, familyBefore(planted, root(r.Repeats), r.Incident)...) {
			e := incs[p-1]
			for _, it := range e.ActionItems {
				if it.Kind != incident.ActionPrevent || it.Status != incident.ActionDone || !it.DoneAt.Before(*late.StartedAt) {
					continue
				}
				if it.Addresses == "primary_cause" || listsAgain(e, late, it.Addresses) {
					fixed = true
				}
			}
		}
		if fixed != r.AfterFix {
			t.Errorf("#%d: after_fix %v, but a fix was done before it: %v", r.Incident, r.AfterFix, fixed)
		}
		if r.AfterFix {
			afterFix++
		}
	}

	// Unrelated pairs of one service and category.
	byPair := map[string][]int{}
	for i, inc := range incs {
		if c := inc.PrimaryCause.Category; c != "" {
			byPair[inc.ServiceKey+"/"+c] = append(byPair[inc.ServiceKey+"/"+c], i+1)
		}
	}
	pairs, sameIdents, sameText := 0, 0, 0
	for _, list := range byPair {
		ids := make([]map[string]bool, len(list))
		for k, pos := range list {
			ids[k] = quoted(incs[pos-1].PrimaryCause.Description)
		}
		for a := range list {
			for b := a + 1; b < len(list); b++ {
				if root(list[a]) == root(list[b]) {
					continue
				}
				pairs++
				if jaccard(ids[a], ids[b]) >= 0.6 {
					sameIdents++
				}
				if incs[list[a]-1].PrimaryCause.Description == incs[list[b]-1].PrimaryCause.Description {
					sameText++
				}
			}
		}
	}
	t.Logf("%d planted recurrences (%.1f%% of incidents), %d after a done fix; %d unrelated same-service-and-category pairs, %d quoting mostly the same identifiers (%.4f%%), %d word for word",
		len(planted), 100*share(len(planted), n), afterFix, pairs, sameIdents, 100*share(sameIdents, pairs), sameText)
	if s := share(len(planted), n); s < 0.07 || s > 0.2 {
		t.Errorf("recurrence share = %.3f, want about a tenth", s)
	}
	// An edit may replace a sentence that quoted something: now and then a
	// recurrence keeps fewer than half of the identifiers.
	if s := share(fewTerms, len(planted)); s > 0.02 {
		t.Errorf("%.3f of recurrences keep fewer than half of the identifiers they repeat, want under 0.02", s)
	}
	if afterFix == 0 || afterFix == len(planted) {
		t.Errorf("%d of %d recurrences after a fix: want some of each", afterFix, len(planted))
	}
	if s := share(sameIdents, pairs); s > 0.0005 {
		t.Errorf("%.5f of unrelated same-service-and-category pairs quote the same identifiers, want under 0.0005", s)
	}
	if sameText > 0 {
		t.Errorf("%d unrelated pairs have the same description", sameText)
	}
}

// familyBefore lists the positions of a family's recurrences before pos.
func familyBefore(planted []Recurrence, first, pos int) []int {
	roots := map[int]int{}
	var out []int
	for _, r := range planted {
		rt := r.Repeats
		if x, ok := roots[rt]; ok {
			rt = x
		}
		roots[r.Incident] = rt
		if rt == first && r.Incident < pos {
			out = append(out, r.Incident)
		}
	}
	return out
}

// listsAgain reports whether the factor of e that addresses names is
// listed again, near word for word, by late.
func listsAgain(e, late *incident.Incident, addresses string) bool {
	var k int
	if _, err := fmt.Sscanf(addresses, "contributing_factors[%d]", &k); err != nil || k >= len(e.ContributingFactors) {
		return false
	}
	f := e.ContributingFactors[k]
	for _, l := range late.ContributingFactors {
		if l.Category == f.Category && len(quoted(f.Description)) > 0 && jaccard(quoted(l.Description), quoted(f.Description)) == 1 &&
			jaccard(tokens(l.Description), tokens(f.Description)) >= 0.5 {
			return true
		}
	}
	return false
}
