package store_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/search"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// searchDocs are incidents written to test what people type.
var searchDocs = []struct{ title, summary, description string }{
	{"Database connection pool exhausted", "The pool ran dry during the campaign.", "Connection recycling bug."},
	{"Café checkout down", "", "Payments at the café failed."},
	{"Cafe\u0301 menu service slow", "", ""},
	{"ｐａｙｍｅｎｔｓ gateway timeouts", "", ""},
	{"Redis failover", "Cache nodes restarted; staging was fine.", ""},
	{"Memcached eviction storm", "", "Found in a load test in staging."},
	{"Straße routing broken", "DNS misconfiguration", ""},
	{"Node.js upgrade broke e-mail delivery", "", ""},
	{"Connection reset by peer", "", "The pool size was unchanged."},
	{"Ελλάδα region outage", "", ""},
}

func storeSearchDocs(t *testing.T) (*store.Store, map[int64]string) {
	t.Helper()
	s := storetest.Open(t, storetest.Selected(t))
	titles := map[int64]string{}
	for _, d := range searchDocs {
		inc := storetest.Linktree(t)
		inc.Title, inc.Summary, inc.Description = d.title, d.summary, d.description
		inc.PrimaryCause = incident.Cause{}
		inc.ContributingFactors, inc.DetectionGaps, inc.ActionItems = nil, nil, nil
		if err := s.CreateIncident(context.Background(), inc); err != nil {
			t.Fatal(err)
		}
		titles[inc.ID] = d.title
	}
	return s, titles
}

func found(t *testing.T, s *store.Store, titles map[int64]string, q string) []string {
	t.Helper()
	page, err := s.ListIncidents(context.Background(), incident.Filter{Query: q, Limit: incident.MaxLimit})
	if err != nil {
		t.Fatalf("%q: %v", q, err)
	}
	if int(page.Total) != len(page.Items) {
		t.Fatalf("%q: total %d for %d items", q, page.Total, len(page.Items))
	}
	var out []string
	for _, inc := range page.Items {
		out = append(out, strings.Fields(titles[inc.ID])[0])
	}
	slices.Sort(out)
	return out
}

// TestSearchSpeaksWhatPeopleType: each row's incidents (by the first word
// of their titles) are written out by hand.
func TestSearchSpeaksWhatPeopleType(t *testing.T) {
	s, titles := storeSearchDocs(t)
	all := []string{"Café", "Cafe\u0301", "Connection", "Database", "Memcached", "Node.js", "Redis", "Straße", "Ελλάδα", "ｐａｙｍｅｎｔｓ"}
	tests := []struct {
		q    string
		want []string
	}{
		{"connection pool", []string{"Connection", "Database"}},
		{`"connection pool"`, []string{"Database"}},
		{`"pool size"`, []string{"Connection"}},
		{`"the pool"`, []string{"Connection", "Database"}},
		{"conn*", []string{"Connection", "Database"}},
		{`"connection p*"`, []string{"Database"}},
		{"café", []string{"Café", "Cafe\u0301"}},
		{"CAFÉ", []string{"Café", "Cafe\u0301"}},
		{"cafe", []string{"Café", "Cafe\u0301"}},
		{"cafe\u0301", []string{"Café", "Cafe\u0301"}},
		{"payments", []string{"Café", "ｐａｙｍｅｎｔｓ"}},
		{"ＰＡＹＭＥＮＴＳ", []string{"Café", "ｐａｙｍｅｎｔｓ"}},
		{"strasse", []string{"Straße"}},
		{"STRASSE", []string{"Straße"}},
		{"straße", []string{"Straße"}},
		{"ελλαδα", []string{"Ελλάδα"}},
		{"ΕΛΛΆΔΑ", []string{"Ελλάδα"}},
		{"redis OR memcached", []string{"Memcached", "Redis"}},
		{"cache OR memcached staging", []string{"Memcached", "Redis"}},
		{"cache OR memcached -staging", nil},
		{`staging -"load test"`, []string{"Redis"}},
		{"staging -load", []string{"Redis"}},
		{"-staging", slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "Memcached" || s == "Redis" })},
		{"-staging -pool -cafe", []string{"Node.js", "Straße", "Ελλάδα", "ｐａｙｍｅｎｔｓ"}},
		{"pool -connection", nil},
		{"e-mail", []string{"Node.js"}},
		{"node.js", []string{"Node.js"}},
		{"email", nil},
		{"dns", []string{"Straße"}},
		{`"DNS OR) NEAR(`, nil},
		{"AND OR NOT", nil},
		{"!!!", nil},
		{"*", nil},
		{"or", nil},
	}
	for _, tt := range tests {
		got := found(t, s, titles, tt.q)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q found %q, want %q", tt.q, got, want)
		}
	}
}

// TestSearchAgreesWithAPlainReading compares the index's answers to many
// generated queries with a plain reading of each incident's text: split
// into folded words, a phrase matching consecutive words of one field.
func TestSearchAgreesWithAPlainReading(t *testing.T) {
	s, _ := storeSearchDocs(t)
	ctx := context.Background()
	if err := s.CreateIncidents(ctx, seed.NewGenerator(12, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Batch(150)); err != nil {
		t.Fatal(err)
	}
	var incs []incident.Incident
	page, err := s.ListIncidents(ctx, incident.Filter{Limit: incident.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	incs = page.Items
	// Words to build queries from: common and rare ones of the data.
	counts := map[string]int{}
	for i := range incs {
		for _, field := range searchedFields(&incs[i]) {
			for _, w := range plainWords(field) {
				counts[w]++
			}
		}
	}
	var vocabulary []string
	for w, n := range counts {
		if len(w) > 2 && n > 1 {
			vocabulary = append(vocabulary, w)
		}
	}
	slices.Sort(vocabulary)
	rng := rand.New(rand.NewPCG(3, 4))
	word := func() string { return vocabulary[rng.IntN(len(vocabulary))] }
	for range 300 {
		var parts []string
		for range 1 + rng.IntN(3) {
			switch rng.IntN(6) {
			case 0:
				parts = append(parts, word()+" OR "+word())
			case 1:
				parts = append(parts, "-"+word())
			case 2:
				w := word()
				parts = append(parts, w[:1+rng.IntN(len(w)-1)]+"*")
			case 3:
				// A phrase taken from the data, so that some match.
				inc := &incs[rng.IntN(len(incs))]
				words := plainWords(inc.Title)
				if len(words) >= 2 {
					k := rng.IntN(len(words) - 1)
					parts = append(parts, `"`+words[k]+" "+words[k+1]+`"`)
					continue
				}
				fallthrough
			default:
				parts = append(parts, strings.ToUpper(word()[:1])+word()[1:])
			}
		}
		q := strings.Join(parts, " ")
		parsed := search.Parse(q)
		var want []int64
		for i := range incs {
			if plainMatch(parsed, &incs[i]) {
				want = append(want, incs[i].ID)
			}
		}
		page, err := s.ListIncidents(ctx, incident.Filter{Query: q, Limit: incident.MaxLimit})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		var got []int64
		for _, inc := range page.Items {
			got = append(got, inc.ID)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) || int(page.Total) != len(want) {
			t.Fatalf("%q: the index finds %v (total %d), a plain reading %v", q, got, page.Total, want)
		}
	}
}

// searchedFields are the texts search covers, one per index column.
func searchedFields(inc *incident.Incident) []string {
	findings := func(list []incident.Finding) string {
		var parts []string
		for _, f := range list {
			parts = append(parts, f.Category, f.Description)
		}
		return strings.Join(parts, "\n")
	}
	cause := inc.PrimaryCause
	return []string{inc.Title, inc.Summary, inc.Description,
		strings.Join([]string{cause.Category, cause.Description, cause.Trigger}, "\n"),
		findings(inc.ContributingFactors), findings(inc.DetectionGaps)}
}

// plainWords splits text into folded letters and digits, without the
// search package.
func plainWords(text string) []string {
	return strings.FieldsFunc(incident.Fold(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

func plainMatch(q search.Query, inc *incident.Incident) bool {
	if q.Empty() {
		return false
	}
	has := func(term search.Term) bool {
		for _, field := range searchedFields(inc) {
			words := plainWords(field)
			for start := 0; start+len(term.Words) <= len(words); start++ {
				ok := true
				for k, w := range term.Words {
					last := k == len(term.Words)-1
					if words[start+k] != w && !(last && term.Prefix && strings.HasPrefix(words[start+k], w)) {
						ok = false
						break
					}
				}
				if ok {
					return true
				}
			}
		}
		return false
	}
	for _, clause := range q.All {
		if !slices.ContainsFunc(clause, has) {
			return false
		}
	}
	return !slices.ContainsFunc(q.None, has)
}
