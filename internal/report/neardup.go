package report

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// The report's near-duplicate test, for one text at a time: what the
// incident page and the incident form use to show past incidents whose
// cause or factors read like this one's, while the report finds the same
// among all incidents at once (similar.go).
//
// Comparing a text with every stored cause and factor would cost a pass
// over the history per page, so the store keeps, for every incident, the
// MinHash band keys of its cause and factors (SimilarityKeys), written in
// the same transaction as the incident. A search looks its text's keys up
// there, which yields the incidents likely to be near-identical (the
// banding of similar.go: 0.98 of those at the threshold share a key), and
// checks each candidate exactly (NearIdentical), so nothing below the
// threshold is ever shown.

// SimilarityScheme names the way SimilarityKeys derives keys. The store
// records it beside the keys and rebuilds them when it changes: change it
// whenever the tokens, the hashing or the banding change.
const SimilarityScheme = "minhash-48x16-v1"

// similarityKeyBits is the width of a stored key. Thirty bits keep each
// key in four bytes on disk; among a few million stored keys a lookup
// meets another text's key by chance well under one time in a hundred,
// and the exact check turns such a candidate away.
const similarityKeyBits = 30

// SimilarityKeys returns the band keys of a cause or factor description,
// none for a text too short to call anything near-identical to it (fewer
// than minSimilarTokens words that count).
func SimilarityKeys(text string) []int64 {
	tok := takeTokenizer()
	defer giveTokenizer(tok)
	return tok.similarityKeys(tok.appendSet(nil, []byte(text)))
}

// similarityKeys are the band keys of a token set of this tokenizer.
func (t *tokenizer) similarityKeys(x []uint32) []int64 {
	if len(x) < minSimilarTokens {
		return nil
	}
	var sig [minhashCount]uint32
	var keys [bands]uint64
	minhash(x, t.hashes, &sig)
	bandKeys(&sig, &keys)
	out := make([]int64, 0, bands)
	for _, k := range keys {
		out = append(out, int64(k>>(64-similarityKeyBits)))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// NearIdentical reports whether two descriptions are near-identical as the
// report counts them: token sets with a Jaccard similarity of at least
// 3/5, each with at least minSimilarTokens tokens.
func NearIdentical(a, b string) bool {
	tok := takeTokenizer()
	defer giveTokenizer(tok)
	x := slices.Sorted(slices.Values(tok.appendSet(nil, []byte(a))))
	return nearIdenticalSorted(x, slices.Sorted(slices.Values(tok.appendSet(nil, []byte(b)))))
}

// nearIdenticalSorted compares two sorted token sets of one tokenizer.
func nearIdenticalSorted(x, y []uint32) bool {
	if len(x) < minSimilarTokens || len(y) < minSimilarTokens || !lengthsCompatible(len(x), len(y)) {
		return false
	}
	shared := 0
	for i, j := 0, 0; i < len(x) && j < len(y); {
		switch {
		case x[i] < y[j]:
			i++
		case x[i] > y[j]:
			j++
		default:
			shared++
			i++
			j++
		}
	}
	return shared >= overlapNeeded(len(x), len(y))
}

// Tokenizers are reused between searches: a new one costs a table and the
// stop words, which a page's search would otherwise pay once per text
// compared. One that has learnt many words, or counted many texts, is let
// go rather than kept.
var tokenizers = sync.Pool{New: func() any { return newTokenizer() }}

const (
	maxPooledWords = 1 << 16
	maxPooledTexts = 1 << 30
)

func takeTokenizer() *tokenizer { return tokenizers.Get().(*tokenizer) }

func giveTokenizer(t *tokenizer) {
	if len(t.hashes) < maxPooledWords && t.texts < maxPooledTexts {
		tokenizers.Put(t)
	}
}

// SimilarText is a cause or factor description to match, or one that
// matched: Role is "cause" or "factor", Category its category.
type SimilarText struct {
	Role        string `json:"role"`
	Category    string `json:"category"`
	Description string `json:"description"`
}

// Candidate is an incident whose stored keys meet a search's keys, with
// its cause and factor descriptions for the exact check.
type Candidate struct {
	IncidentRef
	ServiceKey string
	Texts      []SimilarText
}

// SimilarSource is what a similarity search reads: the incidents sharing
// keys with a search, the most keys shared first. The store implements it.
type SimilarSource interface {
	SimilarCandidates(ctx context.Context, keys []int64, exclude int64, limit int) ([]Candidate, error)
}

// SimilarIncident is an incident with a cause or factor near-identical to
// one of the texts searched for.
type SimilarIncident struct {
	IncidentRef
	ServiceKey string `json:"service_key"`
	// Theirs is the matching text of that incident; Ours is the text of
	// the search it matched.
	Theirs SimilarText `json:"theirs"`
	Ours   SimilarText `json:"ours"`
}

// maxCandidates bounds the incidents checked exactly per search: those
// sharing the most keys come first, and a near-identical text shares many
// (5.5 of 16 on average at a similarity of 0.7), so the few a page shows
// are among them. Reading more cost the incident page 3 ms at 100,000
// incidents for nothing shown.
const maxCandidates = 64

// FindSimilar returns the incidents (other than exclude) with a cause or
// factor near-identical to one of texts, the most recent first, at most
// limit of them.
func FindSimilar(ctx context.Context, src SimilarSource, texts []SimilarText, exclude int64, limit int) ([]SimilarIncident, error) {
	tok := takeTokenizer()
	defer giveTokenizer(tok)
	ours := make([][]uint32, len(texts)) // sorted token sets
	var keys []int64
	for i, t := range texts {
		x := tok.appendSet(nil, []byte(t.Description))
		keys = append(keys, tok.similarityKeys(x)...)
		ours[i] = slices.Sorted(slices.Values(x))
	}
	if len(keys) == 0 {
		return []SimilarIncident{}, nil
	}
	slices.Sort(keys)
	cands, err := src.SimilarCandidates(ctx, slices.Compact(keys), exclude, maxCandidates)
	if err != nil {
		return nil, err
	}
	out := []SimilarIncident{}
	var theirs []uint32
	for _, c := range cands {
		// The first near-identical pair, a primary cause before factors
		// on both sides, says why the incident is listed.
	pairs:
		for _, t := range c.Texts {
			theirs = tok.appendSet(theirs[:0], []byte(t.Description))
			slices.Sort(theirs)
			for i, o := range texts {
				if nearIdenticalSorted(ours[i], theirs) {
					out = append(out, SimilarIncident{IncidentRef: c.IncidentRef, ServiceKey: c.ServiceKey, Ours: o, Theirs: t})
					break pairs
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b SimilarIncident) int { return laterFirst(a.StartedAt, b.StartedAt, a.ID, b.ID) })
	return out[:min(len(out), limit)], nil
}

// laterFirst orders by start, latest first, unknown starts last, then by
// id, highest first.
func laterFirst(a, b *time.Time, idA, idB int64) int {
	switch {
	case a != nil && b != nil && !a.Equal(*b):
		return b.Compare(*a)
	case a != nil && b == nil:
		return -1
	case a == nil && b != nil:
		return 1
	}
	return cmp.Compare(idB, idA)
}
