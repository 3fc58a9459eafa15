package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// tokenStrings renders a text's tokens, identifiers marked with a backtick.
func tokenStrings(text string) []string {
	tok := newTokenizer()
	ids := tok.appendSet(nil, []byte(text))
	// Recover each token's text by tokenising candidate words alone.
	var out []string
	for _, id := range ids {
		out = append(out, fmt.Sprint(tok.hashes[id], tok.ident[id]))
	}
	return out
}

func TestTokenizer(t *testing.T) {
	same := func(a, b string) bool {
		x, y := tokenStrings(a), tokenStrings(b)
		slices.Sort(x)
		slices.Sort(y)
		return slices.Equal(x, y)
	}
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"case and punctuation", "The Config push—failed!", "config PUSH failed", true},
		{"stop words and one-letter words", "a deploy of the API", "deploy api", true},
		{"bare numbers and versions", "failed 12% of requests for 30 minutes in 2.4.1", "failed requests minutes", true},
		{"numbers inside words stay", "v2 failed", "v3 failed", false},
		{"compounds stay whole", "us-east-1 failed", "us east failed", false},
		{"a trailing joiner ends the word", "payments-api. failed", "payments-api failed", true},
		{"repeats count once", "retry retry retry storm", "retry storm", true},
		{"letters beyond ASCII", "Zürich Übergang", "zürich übergang", true},
		{"a code span is one identifier", "`orders.created` lagged", "orders created lagged", false},
		{"identifiers fold case and spaces", "`Connection  reset by PEER` seen", "`connection reset by peer` seen", true},
		{"an identifier is not the word", "`retry` storm", "retry storm", false},
		{"double backticks quote a backtick", "``a `b` c`` here", "``a `b` c`` here", true},
		{"an unclosed backtick is literal", "`orders table lagged", "orders table lagged", true},
		{"an identifier needs a letter", "`42` lagged", "lagged", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := same(tt.a, tt.b); got != tt.same {
				t.Errorf("%q and %q: same tokens %v, want %v (%v vs %v)", tt.a, tt.b, got, tt.same, tokenStrings(tt.a), tokenStrings(tt.b))
			}
		})
	}
	if n := len(tokenStrings("`a.b` `a.b` x.y x.y")); n != 2 {
		t.Errorf("%d tokens for one identifier and one word, each twice", n)
	}
}

// testDoc is one description for historyOf: a cause of its own incident.
type testDoc struct {
	service, text string
}

// historyOf builds a history of one incident per description, in order,
// without a store, and the matcher over it with the given relations.
func historyOf(docs []testDoc, related map[string][]string) (*history, *matcher) {
	h := &history{tok: newTokenizer()}
	for k, d := range docs {
		svc := h.services.id([]byte(d.service))
		h.incidents = append(h.incidents, incidentFacts{id: int64(k + 1), sortAt: int64(k), service: svc, cause: noCategory, inScope: true})
		r := textRecord{incidentID: int64(k + 1), incident: int32(k), position: -1, service: svc,
			category: noCategory, from: uint32(len(h.arena))}
		h.arena = h.tok.appendSet(h.arena, []byte(d.text))
		r.to = uint32(len(h.arena))
		h.texts = append(h.texts, r)
	}
	h.byID = newIDIndex(h.incidents)
	rel := make([][]uint32, len(h.services.values))
	for s, key := range h.services.values {
		rel[s] = []uint32{uint32(s)}
		for _, other := range related[key] {
			if o, ok := h.services.lookup(other); ok {
				rel[s] = append(rel[s], o)
			}
		}
	}
	return h, newMatcher(h, rel)
}

// groupsOf lists the groups as incident ids.
func groupsOf(h *history, groups []similarGroup) [][]int64 {
	var out [][]int64
	for _, g := range groups {
		var ids []int64
		for _, m := range g.members {
			ids = append(ids, h.texts[m].incidentID)
		}
		out = append(out, ids)
	}
	slices.SortFunc(out, slices.Compare)
	return out
}

// filler is unrelated background text, so that the words of the texts under
// test have the document frequencies of a real history.
func filler(r *rand.Rand, n int) []testDoc {
	words := strings.Fields(`amber basalt cobalt dune ember fjord garnet harbor indigo jasper kelp lagoon marble
		nectar onyx prairie quartz reef sierra tundra umber valley willow xenon yarrow zephyr anchor beacon
		canyon delta estuary falcon glacier heron island juniper kestrel lichen meadow nimbus orchid pebble`)
	out := make([]testDoc, n)
	for k := range out {
		w := make([]string, 12)
		for j := range w {
			w[j] = words[r.IntN(len(words))]
		}
		out[k] = testDoc{service: fmt.Sprint("svc", r.IntN(5)), text: strings.Join(w, " ") + fmt.Sprintf(" `filler-%d`", r.IntN(400))}
	}
	return out
}

func TestClusterGroupsTheSameFailure(t *testing.T) {
	cases := []testDoc{
		// 1: the failure. 2: a second post-mortem of it, edited. 3: the
		// same kind of failure on other objects. 4: the failure on an
		// unrelated service. 5: on a related one.
		{"payments", "Connection pool exhaustion in the ledger writer: queries on `orders_v2` timed out after `db.timeout_ms` was lowered, and connections were never returned to the pool."},
		{"payments", "Again connection pool exhaustion in the ledger writer, as queries on `orders_v2` hit the lowered `db.timeout_ms` and their connections were not returned to the pool; a retry storm followed."},
		{"payments", "Connection pool exhaustion in the ledger writer: queries on `refunds_v2` timed out after `pool.max_idle` was lowered, and connections were never returned to the pool."},
		{"search", "Connection pool exhaustion in the ledger writer: queries on `orders_v2` timed out after `db.timeout_ms` was lowered, and connections were never returned to the pool."},
		{"ledger", "Connection pool exhaustion in the ledger writer: queries on `orders_v2` timed out after `db.timeout_ms` was lowered, and connections were never returned to the pool."},
		// 6 and 7: prose without identifiers, and an edit of it. 8: that
		// prose quoting an identifier (which 9 quotes too, so it is one) is
		// not near-identical to it.
		{"search", "The synonym loader read a truncated dictionary from object storage and the query router dropped every synonym match for shoppers in Europe."},
		{"search", "The synonym loader read a truncated dictionary file from object storage, and the query router dropped every synonym match for European shoppers for hours."},
		{"search", "The synonym loader read a truncated dictionary from `synonyms.txt` and the query router dropped every synonym match for shoppers in Europe."},
		{"payments", "Nightly export of `synonyms.txt` to the archive bucket was skipped."},
	}
	docs := append(cases, filler(rand.New(rand.NewPCG(1, 2)), 300)...)
	h, m := historyOf(docs, map[string][]string{"payments": {"ledger"}, "ledger": {"payments"}})
	var got [][]int64
	for _, g := range groupsOf(h, m.cluster()) {
		if g[0] <= int64(len(cases)) {
			got = append(got, g)
		}
	}
	want := [][]int64{{1, 2, 5}, {6, 7}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("groups %v, want %v", got, want)
	}
}

// bruteForce places records as cluster does, comparing each with every
// earlier anchor on a related service.
func bruteForce(h *history, m *matcher) []int {
	groupOf := make([]int, len(h.texts))
	var anchors []int
	var ids []uint32
	for r := range h.texts {
		groupOf[r] = -1
		if m.useful[r] < minSharedTokens {
			continue
		}
		ids = m.place(r, ids)
		best, bestSim := -1, 0.0
		for g, a := range anchors {
			if !slices.Contains(m.related[h.texts[r].service], h.texts[a].service) || h.texts[a].incident == h.texts[r].incident {
				continue
			}
			if agree, sim := m.compare(r, len(ids), a); agree && sim >= minSimilarity && sim > bestSim {
				best, bestSim = g, sim
			}
		}
		if best < 0 {
			best = len(anchors)
			anchors = append(anchors, r)
		}
		groupOf[r] = best
	}
	return groupOf
}

// TestClusterAgreesWithBruteForce checks the indexed grouping against the
// quadratic one on texts that share words and identifiers in every
// measure: with identifiers the index is exact, so the groups must be the
// same; without, MinHash finds nearly every pair, and never a wrong one.
func TestClusterAgreesWithBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vocab := make([]string, 80)
	for k := range vocab {
		vocab[k] = fmt.Sprintf("w%02dx", k)
	}
	for _, quoting := range []bool{true, false} {
		t.Run(fmt.Sprint("identifiers ", quoting), func(t *testing.T) {
			var docs []testDoc
			for range 1500 {
				base := r.IntN(40)
				words := make([]string, 14)
				for k := range words {
					words[k] = vocab[(base*2+k)%len(vocab)]
				}
				for range r.IntN(6) { // up to 5 changed words
					words[r.IntN(len(words))] = vocab[r.IntN(len(vocab))]
				}
				if quoting {
					for range 2 + r.IntN(3) {
						words = append(words, fmt.Sprintf("`id-%d`", (base*7+r.IntN(4))%90))
					}
				}
				docs = append(docs, testDoc{service: fmt.Sprint("s", r.IntN(4)), text: strings.Join(words, " ")})
			}
			h, m := historyOf(docs, map[string][]string{"s0": {"s1"}, "s1": {"s0", "s2"}, "s2": {"s1"}})
			want := bruteForce(h, m)
			got := make([]int, len(h.texts))
			for k := range got {
				got[k] = -1
			}
			groups := m.cluster()
			for g, grp := range groups {
				for _, rec := range grp.members {
					got[rec] = g
					if agree, sim := m.compare(rec, len(m.place(rec, nil)), grp.anchor); rec != grp.anchor && (!agree || sim < minSimilarity) {
						t.Fatalf("record %d is in a group whose anchor it matches at %.2f (identifiers agree %v)", rec, sim, agree)
					}
					if !slices.Contains(m.related[h.texts[rec].service], h.texts[grp.anchor].service) {
						t.Fatalf("record %d is grouped with an anchor of an unrelated service", rec)
					}
				}
			}
			// Compare the partitions over records in groups of two or more.
			pairs := func(of []int) map[[2]int]bool {
				byGroup := map[int][]int{}
				for rec, g := range of {
					if g >= 0 {
						byGroup[g] = append(byGroup[g], rec)
					}
				}
				out := map[[2]int]bool{}
				for _, recs := range byGroup {
					for i := range recs {
						for j := i + 1; j < len(recs); j++ {
							out[[2]int{recs[i], recs[j]}] = true
						}
					}
				}
				return out
			}
			gotPairs, wantPairs := pairs(got), pairs(want)
			found := 0
			for p := range wantPairs {
				if gotPairs[p] {
					found++
				}
			}
			if len(wantPairs) < 100 {
				t.Fatalf("only %d pairs; the test proves little", len(wantPairs))
			}
			recall := float64(found) / float64(len(wantPairs))
			t.Logf("%d groups, %d pairs by brute force, %.3f of them found", len(groups), len(wantPairs), recall)
			if quoting && (found != len(wantPairs) || len(gotPairs) != len(wantPairs)) {
				t.Errorf("with identifiers: %d pairs, brute force %d, %d in common", len(gotPairs), len(wantPairs), found)
			}
			if !quoting && recall < 0.95 {
				t.Errorf("without identifiers, MinHash found %.3f of the pairs, want at least 0.95", recall)
			}
		})
	}
}

// TestWeightedMinHashAgreesAtTheSimilarity checks the estimator: two texts
// agree in a signature value with probability equal to their weighted
// Jaccard similarity.
func TestWeightedMinHashAgreesAtTheSimilarity(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	words := make([]string, 400)
	for k := range words {
		words[k] = fmt.Sprintf("word%03d", k)
	}
	var docs []testDoc
	for range 2000 {
		n := 10 + r.IntN(30)
		w := make([]string, n)
		for k := range w {
			w[k] = words[int(math.Floor(math.Pow(r.Float64(), 2)*float64(len(words))))] // skewed: some words common
		}
		docs = append(docs, testDoc{service: "s", text: strings.Join(w, " ")})
	}
	h, m := historyOf(docs, nil)
	var sumErr, n float64
	var a, b [minhashCount]uint32
	for range 3000 {
		x, y := r.IntN(len(docs)), r.IntN(len(docs))
		if x == y {
			continue
		}
		sim := weightedJaccard(m, x, y)
		m.minhash(x, &a)
		m.minhash(y, &b)
		agree := 0
		for j := range a {
			if a[j] == b[j] {
				agree++
			}
		}
		sumErr += float64(agree)/minhashCount - sim
		n++
	}
	_ = h
	if bias := sumErr / n; math.Abs(bias) > 0.02 {
		t.Errorf("signatures agree %.3f more often than the weighted similarity, on average", bias)
	}
}

// weightedJaccard is the similarity of two records, without the matcher's
// other conditions.
func weightedJaccard(m *matcher, a, b int) float64 {
	x := map[uint32]bool{}
	for _, t := range m.h.tokens(&m.h.texts[a]) {
		x[t] = true
	}
	var shared, union float64
	for _, t := range m.h.tokens(&m.h.texts[a]) {
		union += float64(m.token[t].weight)
	}
	for _, t := range m.h.tokens(&m.h.texts[b]) {
		if x[t] {
			shared += float64(m.token[t].weight)
		} else {
			union += float64(m.token[t].weight)
		}
	}
	return shared / union
}

func TestBinomialUpperTail(t *testing.T) {
	exact := func(k, n int, p float64) float64 {
		sum := 0.0
		for j := k; j <= n; j++ {
			c := 1.0
			for i := range j {
				c = c * float64(n-i) / float64(i+1)
			}
			sum += c * math.Pow(p, float64(j)) * math.Pow(1-p, float64(n-j))
		}
		return sum
	}
	for _, tt := range []struct {
		k, n int
		p    float64
	}{{8, 10, 0.5}, {0, 10, 0.3}, {11, 10, 0.3}, {3, 40, 0.02}, {20, 60, 0.1}, {1, 1, 0.9}, {30, 50, 0.5}} {
		if got, want := binomialUpperTail(tt.k, tt.n, tt.p), exact(tt.k, tt.n, tt.p); math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Errorf("P(X ≥ %d; %d, %v) = %v, want %v", tt.k, tt.n, tt.p, got, want)
		}
	}
	if got := binomialUpperTail(8, 10, 0.5); math.Abs(got-56.0/1024) > 1e-12 {
		t.Errorf("P(X ≥ 8; 10, ½) = %v, want 56/1024", got)
	}
}

func TestTrendOf(t *testing.T) {
	months := func(counts ...int) []Count {
		out := make([]Count, len(counts))
		for k, c := range counts {
			out[k] = Count{Key: fmt.Sprintf("2025-%02d", k+1), Count: c}
		}
		return out
	}
	tests := []struct {
		name    string
		counts  []int
		partial bool
		want    string
	}{
		{"too few incidents", []int{1, 0, 2, 1, 3, 2}, false, ""},
		{"too few months", []int{5, 9, 30}, false, ""},
		{"steady", []int{4, 5, 3, 5, 4, 4}, false, "steady"},
		{"rising", []int{1, 2, 1, 6, 8, 9}, false, "rising"},
		{"falling", []int{9, 8, 7, 2, 1, 1}, false, "falling"},
		{"a month not over is left out", []int{4, 5, 4, 5, 4, 0}, true, "steady"},
		{"without leaving it out it would fall", []int{6, 6, 6, 2, 2, 0}, false, "falling"},
	}
	for _, tt := range tests {
		if got := trendOf(months(tt.counts...), tt.partial); got != tt.want {
			t.Errorf("%s: %v → %q, want %q", tt.name, tt.counts, got, tt.want)
		}
	}
}
