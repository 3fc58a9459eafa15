package report

import (
	"cmp"
	"context"
	"slices"
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
	tok := newTokenizer()
	x := tok.appendSet(nil, []byte(text))
	if len(x) < minSimilarTokens {
		return nil
	}
	var sig [minhashCount]uint32
	var keys [bands]uint64
	minhash(x, tok.hashes, &sig)
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
	tok := newTokenizer()
	x := tok.appendSet(nil, []byte(a))
	y := tok.appendSet(nil, []byte(b))
	if len(x) < minSimilarTokens || len(y) < minSimilarTokens || !lengthsCompatible(len(x), len(y)) {
		return false
	}
	in := make(map[uint32]bool, len(x))
	for _, t := range x {
		in[t] = true
	}
	shared := 0
	for _, t := range y {
		if in[t] {
			shared++
		}
	}
	return shared >= overlapNeeded(len(x), len(y))
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
// (5.5 of 16 on average at a similarity of 0.7).
const maxCandidates = 200

// FindSimilar returns the incidents (other than exclude) with a cause or
// factor near-identical to one of texts, the most recent first, at most
// limit of them.
func FindSimilar(ctx context.Context, src SimilarSource, texts []SimilarText, exclude int64, limit int) ([]SimilarIncident, error) {
	var keys []int64
	for _, t := range texts {
		keys = append(keys, SimilarityKeys(t.Description)...)
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
	for _, c := range cands {
		if m, ok := firstMatch(texts, c.Texts); ok {
			out = append(out, SimilarIncident{IncidentRef: c.IncidentRef, ServiceKey: c.ServiceKey, Ours: m[0], Theirs: m[1]})
		}
	}
	slices.SortStableFunc(out, func(a, b SimilarIncident) int { return laterFirst(a.StartedAt, b.StartedAt, a.ID, b.ID) })
	return out[:min(len(out), limit)], nil
}

// firstMatch finds the first pair (ours, theirs) that is near-identical,
// a primary cause before factors on both sides.
func firstMatch(ours, theirs []SimilarText) ([2]SimilarText, bool) {
	for _, o := range ours {
		for _, t := range theirs {
			if NearIdentical(o.Description, t.Description) {
				return [2]SimilarText{o, t}, true
			}
		}
	}
	return [2]SimilarText{}, false
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
