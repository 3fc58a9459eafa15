package report

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// The near-duplicate test for one text at a time: what the incident page
// and the incident form use to show past incidents whose cause or factors
// read like this one's, while the report finds the same among all
// incidents at once (similar.go).
//
// The report weighs each token by how many descriptions of the history
// hold it; one text has no such history, so this test counts tokens
// unweighted and asks for more of them: token sets (words and quoted
// identifiers, as the report's tokenizer reads them) with a Jaccard
// similarity of at least 3/5 and at least minSimilarTokens tokens each,
// and, as in the report, identifiers that agree (Jaccard ≥
// minIdentAgreement) when either quotes any. A pair the page shows is
// thus one the report would almost always group as well; the report finds
// more, paraphrases included.
//
// Comparing a text with every stored cause and factor would cost a pass
// over the history per page, so the store keeps, for every incident, the
// MinHash band keys of its cause and factors (SimilarityKeys), written in
// the same transaction as the incident. A search looks its text's keys up
// there, which yields the incidents likely to be near-identical (0.98 of
// those at the threshold share a key), and checks each candidate exactly
// (NearIdentical), so nothing below the threshold is ever shown.

// SimilarityScheme names the way SimilarityKeys derives keys. The store
// records it beside the keys and rebuilds them when it changes: change it
// whenever the tokens, the hashing or the banding change.
const SimilarityScheme = "minhash-48x16-v2"

const (
	// The threshold as a fraction, so the test is exact integer arithmetic.
	similarNum = 3
	similarDen = 5
	// minSimilarTokens: shorter texts ("bad deploy", "unknown") say too
	// little to call two incidents the same.
	minSimilarTokens = 4
)

// Banding of the stored keys. A band of r signature values agrees for two
// sets with probability J^r, so two sets share at least one of b bands
// with probability 1 − (1 − J^r)^b: with r = 3 and b = 16, 0.98 at the
// threshold J = 0.6, 0.998 at 0.7, against 0.13 at J = 0.2. The signature
// has the report's minhashCount values, so it shares its densification.
const (
	keyBands       = 16
	keyRowsPerBand = minhashCount / keyBands
)

// similarityKeyBits is the width of a stored key. Thirty bits keep each
// key in four bytes on disk; among a few million stored keys a lookup
// meets another text's key by chance well under one time in a hundred,
// and the exact check turns such a candidate away.
const similarityKeyBits = 30

// SimilarityKeys returns the band keys of a cause or factor description,
// none for a text too short to call anything near-identical to it (fewer
// than minSimilarTokens tokens).
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
	unweightedMinhash(x, t.hashes, &sig)
	out := make([]int64, 0, keyBands)
	for b := range keyBands {
		band := sig[b*keyRowsPerBand : (b+1)*keyRowsPerBand]
		state := uint64(b)<<32 | uint64(band[0])
		k := splitmix(&state)
		for _, v := range band[1:] {
			state ^= uint64(v)
			k ^= splitmix(&state)
		}
		out = append(out, int64(k>>(64-similarityKeyBits)))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unweightedMinhash is the signature of a token set by one-permutation
// hashing with optimal densification, as the report's minhash but with
// every token of weight one: each token's hash picks a bin and a value,
// each bin keeps its least value, and an empty bin borrows as there. Two
// sets then agree in a bin with probability equal to their Jaccard
// similarity.
func unweightedMinhash(x []uint32, tokenHashes []uint64, sig *[minhashCount]uint32) {
	var own [minhashCount]uint32
	for j := range own {
		own[j] = emptyBin
	}
	for _, t := range x {
		state := tokenHashes[t]
		h := splitmix(&state)
		bin := (h >> 32) * minhashCount >> 32
		own[bin] = min(own[bin], uint32(h)&^1) // never emptyBin
	}
	for j := range sig {
		sig[j] = own[j]
		for attempt := 1; sig[j] == emptyBin; attempt++ {
			sig[j] = own[borrowFrom(j, attempt)]
		}
	}
}

// NearIdentical reports whether two descriptions are near-identical as the
// one-text test counts them (see the top of this file).
func NearIdentical(a, b string) bool {
	tok := takeTokenizer()
	defer giveTokenizer(tok)
	x := slices.Sorted(slices.Values(tok.appendSet(nil, []byte(a))))
	return tok.nearIdenticalSorted(x, slices.Sorted(slices.Values(tok.appendSet(nil, []byte(b)))))
}

// nearIdenticalSorted compares two sorted token sets of this tokenizer.
func (t *tokenizer) nearIdenticalSorted(x, y []uint32) bool {
	if len(x) < minSimilarTokens || len(y) < minSimilarTokens || !lengthsCompatible(len(x), len(y)) {
		return false
	}
	shared, sharedIDs := 0, 0
	for i, j := 0, 0; i < len(x) && j < len(y); {
		switch {
		case x[i] < y[j]:
			i++
		case x[i] > y[j]:
			j++
		default:
			shared++
			if t.ident[x[i]] {
				sharedIDs++
			}
			i++
			j++
		}
	}
	if shared < overlapNeeded(len(x), len(y)) {
		return false
	}
	idsX, idsY := t.identifiers(x), t.identifiers(y)
	if idsX == 0 && idsY == 0 {
		return true
	}
	return float64(sharedIDs) >= minIdentAgreement*float64(idsX+idsY-sharedIDs)
}

// identifiers counts the quoted identifiers of a token set.
func (t *tokenizer) identifiers(x []uint32) int {
	n := 0
	for _, id := range x {
		if t.ident[id] {
			n++
		}
	}
	return n
}

// lengthsCompatible: Jaccard ≥ t needs t·|X| ≤ |Y| ≤ |X|/t.
func lengthsCompatible(x, y int) bool {
	return similarDen*y >= similarNum*x && similarNum*y <= similarDen*x
}

// overlapNeeded is the least |X∩Y| for Jaccard ≥ t: from
// o / (|X| + |Y| − o) ≥ t, o ≥ t·(|X|+|Y|) / (1+t), rounded up.
func overlapNeeded(x, y int) int {
	num, den := similarNum*(x+y), similarNum+similarDen
	return (num + den - 1) / den
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

// maxSimilarCandidates bounds the incidents checked exactly per search: those
// sharing the most keys come first, and a near-identical text shares many
// (5.5 of 16 on average at a similarity of 0.7), so the few a page shows
// are among them. Reading more cost the incident page 3 ms at 100,000
// incidents for nothing shown.
const maxSimilarCandidates = 64

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
	cands, err := src.SimilarCandidates(ctx, slices.Compact(keys), exclude, maxSimilarCandidates)
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
				if tok.nearIdenticalSorted(ours[i], theirs) {
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
