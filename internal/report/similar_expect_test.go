package report_test

import (
	"slices"
	"strings"
	"unicode"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// similarGroups groups the causes and factors of the incidents by brute
// force: per service, in chronological order, each text joins the first
// group whose first text it shares at least 60% of its words with (token
// Jaccard), or starts one. The dataset's texts are either variants of one
// template or unrelated, so any fair reading of "near-identical" agrees.
func similarGroups(in []*incident.Incident) [][]int64 {
	type text struct {
		id, at int64
		pos    int
		words  map[string]bool
	}
	byService := map[string][]text{}
	for _, inc := range in {
		at := inc.CreatedAt.Unix()
		if inc.StartedAt != nil {
			at = inc.StartedAt.Unix()
		}
		add := func(pos int, s string) {
			if w := words(s); len(w) >= 4 {
				byService[inc.ServiceKey] = append(byService[inc.ServiceKey], text{inc.ID, at, pos, w})
			}
		}
		add(-1, inc.PrimaryCause.Description)
		for k, f := range inc.ContributingFactors {
			add(k, f.Description)
		}
	}
	var out [][]int64
	for _, texts := range byService {
		slices.SortFunc(texts, func(a, b text) int {
			if a.at != b.at {
				return int(a.at - b.at)
			}
			if a.id != b.id {
				return int(a.id - b.id)
			}
			return a.pos - b.pos
		})
		type group struct {
			anchor map[string]bool
			ids    []int64
		}
		var groups []*group
		for _, x := range texts {
			var joined *group
			for _, g := range groups {
				if jaccard(x.words, g.anchor) >= 0.6 {
					joined = g
					break
				}
			}
			if joined == nil {
				joined = &group{anchor: x.words}
				groups = append(groups, joined)
			}
			if !slices.Contains(joined.ids, x.id) {
				joined.ids = append(joined.ids, x.id)
			}
		}
		for _, g := range groups {
			if len(g.ids) > 1 {
				slices.Sort(g.ids)
				out = append(out, g.ids)
			}
		}
	}
	slices.SortFunc(out, slices.Compare)
	return out
}

var testStopWords = map[string]bool{"the": true, "a": true, "an": true, "and": true, "was": true, "so": true,
	"from": true, "during": true, "of": true, "to": true, "in": true, "on": true, "at": true, "by": true, "for": true, "with": true}

func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) >= 2 && !testStopWords[w] && strings.Trim(w, "0123456789") != "" {
			out[w] = true
		}
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
	return float64(inter) / float64(len(a)+len(b)-inter)
}
