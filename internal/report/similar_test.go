package report

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func tokens(t *testing.T, text string) []string {
	t.Helper()
	tok := newTokenizer()
	ids := tok.appendSet(nil, []byte(text))
	words := make([]string, len(ids))
	for k, id := range ids {
		words[k] = fmt.Sprint(tok.hashes[id])
	}
	return words
}

func TestTokenizerNormalises(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"case and punctuation", "The `Config` push—failed!", "config PUSH failed", true},
		{"stop words and one-letter words", "a deploy of the API", "deploy api", true},
		{"bare numbers", "failed 12% of requests for 30 minutes", "failed requests minutes", true},
		{"numbers inside words stay", "v2 failed", "v3 failed", false},
		{"repeats count once", "retry retry retry storm", "retry storm", true},
		{"letters beyond ASCII", "Zürich Übergang", "zürich übergang", true},
		{"different words", "disk full", "disk empty", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tokens(t, tt.a), tokens(t, tt.b)
			slices.Sort(a)
			slices.Sort(b)
			if slices.Equal(a, b) != tt.same {
				t.Errorf("%q → %v, %q → %v", tt.a, a, tt.b, b)
			}
		})
	}
}

// corpusOf tokenises texts as records of the given services, in order.
func corpusOf(texts []string, services []uint32) ([]textRecord, []uint32, []uint64) {
	tok := newTokenizer()
	var records []textRecord
	var arena []uint32
	for k, text := range texts {
		r := textRecord{incidentID: int64(k + 1), sortAt: int64(k), position: -1, service: services[k], from: uint32(len(arena))}
		arena = tok.appendSet(arena, []byte(text))
		r.to = uint32(len(arena))
		records = append(records, r)
	}
	return records, arena, tok.hashes
}

func jaccardOf(arena []uint32, a, b textRecord) float64 {
	x, y := arena[a.from:a.to], arena[b.from:b.to]
	inter := 0
	for _, t := range x {
		if slices.Contains(y, t) {
			inter++
		}
	}
	return float64(inter) / float64(len(x)+len(y)-inter)
}

// TestClusterNeverGroupsBelowTheThreshold checks the LSH clustering on
// random texts of overlapping vocabularies against brute force: every
// member is near-identical to its group's anchor, and every text that is
// near-identical (Jaccard ≥ 0.75, well clear of the threshold) to an
// earlier anchor of its service is in a group, not alone.
func TestClusterNeverGroupsBelowTheThreshold(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vocab := make([]string, 60)
	for k := range vocab {
		vocab[k] = fmt.Sprintf("w%02dx", k)
	}
	var texts []string
	var services []uint32
	for range 600 {
		base := r.IntN(20)
		words := []string{}
		for k := range 12 {
			words = append(words, vocab[(base*3+k)%len(vocab)])
		}
		for range r.IntN(5) { // 0–4 changed words
			words[r.IntN(len(words))] = vocab[r.IntN(len(vocab))]
		}
		texts = append(texts, strings.Join(words, " "))
		services = append(services, uint32(r.IntN(3)))
	}
	records, arena, hashes := corpusOf(texts, services)
	groups := clusterSimilar(records, arena, hashes)

	grouped := make([]bool, len(records))
	for _, g := range groups {
		for _, m := range g.members {
			grouped[m] = true
			if records[m].service != records[g.anchor].service {
				t.Fatalf("text %d grouped with an anchor of another service", m)
			}
			if j := jaccardOf(arena, records[m], records[g.anchor]); j < 0.6 {
				t.Fatalf("text %d is in a group whose anchor it matches at %.2f", m, j)
			}
		}
	}
	// A text in no group must not closely match any earlier text of its
	// service: it would have been grouped with it, or with that text's
	// anchor.
	for r := range records {
		if grouped[r] {
			continue
		}
		for e := range r {
			if records[e].service == records[r].service {
				if j := jaccardOf(arena, records[e], records[r]); j >= 0.9 {
					t.Errorf("text %d stands alone though it matches text %d at %.2f", r, e, j)
				}
			}
		}
	}
	if len(groups) == 0 {
		t.Fatal("no group at all; the test proves nothing")
	}
}

func TestClusterGroupsNearIdenticalTexts(t *testing.T) {
	texts := []string{
		"Connection pool exhausted in the payment service after a traffic spike",     // 0: anchor
		"Disk full on the logging node",                                              // 1: too short to group? 4 tokens
		"Connection pool exhausted in the payment service after the traffic spike!!", // 2: same words
		"connection POOL exhausted: payment service, after a campaign traffic spike", // 3: one more word
		"Certificate expired on the edge proxy and nobody was paged",                 // 4: unrelated
		"Connection pool exhausted in the payment service after a traffic spike",     // 5: same text, other service
	}
	records, arena, hashes := corpusOf(texts, []uint32{0, 0, 0, 0, 0, 1})
	var got [][]int64
	for _, g := range clusterSimilar(records, arena, hashes) {
		var ids []int64
		for _, m := range g.members {
			ids = append(ids, records[m].incidentID)
		}
		got = append(got, ids)
	}
	want := [][]int64{{1, 3, 4}} // texts standing alone make no group
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("groups %v, want %v", got, want)
	}
}

func TestThresholdArithmetic(t *testing.T) {
	for x := 1; x <= 40; x++ {
		for y := 1; y <= 40; y++ {
			need := overlapNeeded(x, y)
			for o := 0; o <= min(x, y); o++ {
				similar := float64(o)/float64(x+y-o) >= 0.6-1e-12
				if (o >= need) != similar {
					t.Fatalf("|X|=%d |Y|=%d overlap %d: needed %d", x, y, o, need)
				}
			}
			if !lengthsCompatible(x, y) && need <= min(x, y) {
				t.Fatalf("|X|=%d |Y|=%d ruled out by length but can reach the overlap", x, y)
			}
		}
	}
}
