package report

import (
	"cmp"
	"math"
	"slices"
)

// Near-identical descriptions. Two causes or contributing factors describe
// the same failure when
//
//   - their services are the same or one depends directly on the other;
//   - they share at least minSharedTokens tokens that weigh something, and
//     their weighted Jaccard similarity, Σ w(shared tokens) / Σ w(tokens
//     of either), is at least minSimilarity, where a token weighs
//     ln(N / df): N descriptions in the pass, df of them holding it. A
//     word most descriptions use says little, a rare one much, and a token
//     no other description uses (df = 1: a pod name, a request id) cannot
//     link two descriptions, so it weighs nothing;
//   - and, when both quote identifiers (code spans used by more than one
//     description), their identifier sets have a Jaccard similarity of at
//     least minIdentAgreement: a second account of a failure names the
//     same key, table or error, while two failures of one kind name
//     different ones. A description that quotes identifiers and one that
//     quotes none are not near-identical.
//
// The thresholds were measured on generated histories whose recurrences
// are known (see TestRecurrencePrecisionAndRecall): several seeds and
// sizes, and the real post-mortems of the test corpus.
const (
	minSimilarity     = 0.35
	minIdentAgreement = 0.6
	// minSharedTokens: near-identical texts share at least this many tokens
	// of non-zero weight; "a bad config took down" is not the same failure
	// told twice, however short the two summaries around it.
	minSharedTokens = 6
	maxIdents       = 8 // the rarest identifiers of a text that are indexed
	maxCandidates   = 256
	maxChainWalk    = 64 // entries read per key: bounds the work on a key many anchors share
)

// textRecord is one description: a primary cause (position −1) or a
// contributing factor of an incident. Its token set lives at [from, to) of
// the history's arena (a cause) or factor arena; factors with the same
// text share one span.
type textRecord struct {
	incidentID int64
	incident   int32 // index into history.incidents
	position   int32
	service    uint32 // index into history.services
	category   uint32 // index into history.categories
	from, to   uint32
}

// similarGroup is a set of records near-identical to its anchor, the
// earliest of them.
type similarGroup struct {
	anchor  int   // record index
	members []int // record indexes, chronological, the anchor first
}

// matcher holds what the grouping reads besides the records.
type matcher struct {
	h       *history
	token   []tokenWeight // by token id
	df      []int32       // by token id
	related [][]uint32    // by service: itself and the services it depends on or that depend on it
	total   []float32     // by record: the weight of its tokens
	useful  []int32       // by record: its tokens of non-zero weight
	keys    int           // the index keys the records would add if all became anchors
	mark    []int32       // by token id: the record (index + 1) being placed holds it
	near    []int32       // by service: the record (index + 1) being placed is on it or a related one
}

// tokenWeight is what comparing reads of a token, in one place.
type tokenWeight struct {
	weight float32
	ident  bool // an identifier other descriptions also quote
}

// newMatcher counts how many descriptions hold each token and weighs the
// tokens.
func newMatcher(h *history, related [][]uint32) *matcher {
	tokens := len(h.tok.hashes)
	m := &matcher{h: h, related: related, df: make([]int32, tokens), token: make([]tokenWeight, tokens),
		total: make([]float32, len(h.texts)), useful: make([]int32, len(h.texts)), mark: make([]int32, tokens),
		near: make([]int32, len(h.services.values))}
	for k := range h.texts {
		for _, t := range h.tokens(&h.texts[k]) {
			m.df[t]++
		}
	}
	n := float64(len(h.texts))
	for t, df := range m.df {
		if df > 1 {
			m.token[t] = tokenWeight{weight: float32(math.Log(n / float64(df))), ident: h.tok.ident[t]}
		}
	}
	for k := range h.texts {
		var w float32
		var useful int32
		ids := 0
		for _, t := range h.tokens(&h.texts[k]) {
			if tw := m.token[t]; tw.weight > 0 {
				w += tw.weight
				useful++
				if tw.ident {
					ids++
				}
			}
		}
		m.total[k], m.useful[k] = w, useful
		if useful >= minSharedTokens {
			m.keys += keysOf(ids)
		}
	}
	return m
}

// keysOf is how many index keys a record with ids identifiers adds as an
// anchor (see identKeys and proseKeys).
func keysOf(ids int) int {
	switch ids = min(ids, maxIdents); ids {
	case 0:
		return bands
	case 1:
		return 1
	}
	return ids * (ids - 1) / 2
}

// place marks record r's tokens, so that compare can score candidates
// against it, and returns its identifiers.
func (m *matcher) place(r int, ids []uint32) []uint32 {
	ids = ids[:0]
	stamp := int32(r + 1)
	for _, t := range m.h.tokens(&m.h.texts[r]) {
		m.mark[t] = stamp
		if m.token[t].ident {
			ids = append(ids, t)
		}
	}
	for _, s := range m.related[m.h.texts[r].service] {
		m.near[s] = stamp
	}
	return ids
}

// compare scores anchor a against the placed record r (with nIDs
// identifiers): whether their identifiers agree, and their weighted
// Jaccard similarity, in one pass over the anchor's tokens.
func (m *matcher) compare(r int, nIDs int, a int) (agree bool, similarity float64) {
	stamp := int32(r + 1)
	var shared float32
	sharedIDs, aIDs, sharedTokens := 0, 0, 0
	for _, t := range m.h.tokens(&m.h.texts[a]) {
		tw := m.token[t]
		held := m.mark[t] == stamp && tw.weight > 0
		if held {
			shared += tw.weight
			sharedTokens++
		}
		if tw.ident {
			aIDs++
			if held {
				sharedIDs++
			}
		}
	}
	if (nIDs > 0) != (aIDs > 0) || sharedTokens < minSharedTokens {
		return false, 0
	}
	if nIDs > 0 && float64(sharedIDs) < minIdentAgreement*float64(nIDs+aIDs-sharedIDs) {
		return false, 0
	}
	union := m.total[r] + m.total[a] - shared
	if union <= 0 {
		return true, 0
	}
	return true, float64(shared / union)
}

// rarest keeps the maxIdents identifiers of the fewest descriptions.
func (m *matcher) rarest(ids []uint32) []uint32 {
	if len(ids) <= maxIdents {
		return ids
	}
	slices.SortFunc(ids, func(a, b uint32) int {
		if m.df[a] != m.df[b] {
			return cmp.Compare(m.df[a], m.df[b])
		}
		// Ties by hash, not id: ids follow the order rows were read in.
		return cmp.Compare(m.h.tok.hashes[a], m.h.tok.hashes[b])
	})
	return ids[:maxIdents]
}

// cluster groups near-identical records. Records are taken in
// chronological order; each joins the group whose anchor it is most
// similar to among those near-identical to it (the oldest among equals),
// or else starts a group and becomes its anchor. So every member reads
// like its group's first description, and groups do not chain A~B~C into
// one when A and C differ. Identical texts of one service share a group.
//
// Comparing every record with every anchor would be quadratic, so anchors
// are indexed and a record is compared only with those the index returns:
//
//   - with identifiers, by every pair of them (a single one by itself):
//     two sets of two or more whose Jaccard similarity is at least 0.6
//     share at least two members, so a near-identical anchor shares a pair
//     with the record, and a pair of rare identifiers is shared by few
//     other texts, however templated their prose;
//   - without, by MinHash bands of their weighted words (see minhash),
//     which near-identical texts share with high probability.
//
// A chain holds the anchors of every service with its key; a record takes
// those of its own and its related services.
func (m *matcher) cluster() []similarGroup {
	h := m.h
	var (
		anchorOf  []int32 // by group: the anchor record
		sizes     []int32
		groupOf   = make([]int32, len(h.texts))
		textGroup = make(map[[2]uint32]int32, len(h.texts)/2) // factors: (span, service) → group
		index     = newChainIndex(m.keys)
		seen      []int32 // by group: the record (index + 1) that last met it
		ids       []uint32
		keys      []uint64
		cands     []int32
		sig       [minhashCount]uint32
		bandKeys  [bands]uint64
	)
	for r := range h.texts {
		groupOf[r] = -1
		rec := &h.texts[r]
		if m.useful[r] < minSharedTokens {
			continue
		}
		// Factors repeat word for word and share one span; causes never do.
		same := [2]uint32{rec.from, rec.service}
		if rec.position >= 0 {
			if g, ok := textGroup[same]; ok && h.texts[anchorOf[g]].incident != rec.incident {
				groupOf[r] = g
				sizes[g]++
				continue
			}
		}
		ids = m.place(r, ids)
		nIDs := len(ids)
		keys = keys[:0]
		if nIDs > 0 {
			keys = identKeys(keys, m.rarest(ids))
		} else {
			m.minhash(r, &sig)
			keys = append(keys, proseKeys(&sig, &bandKeys)...)
		}

		// Candidates: anchors under one of the record's keys, on its own
		// or a related service.
		stamp := int32(r + 1)
		cands = cands[:0]
		for _, k := range keys {
			walked := 0
			for e := index.head(k); e >= 0 && walked < maxChainWalk && len(cands) < maxCandidates; e = index.entries[e].next {
				g := index.entries[e].group
				if m.near[h.texts[anchorOf[g]].service] != stamp {
					continue
				}
				walked++
				if seen[g] != stamp {
					seen[g] = stamp
					cands = append(cands, g)
				}
			}
		}
		joined, best := int32(-1), 0.0
		for _, g := range cands {
			a := int(anchorOf[g])
			if h.texts[a].incident == rec.incident {
				continue
			}
			if agree, sim := m.compare(r, nIDs, a); agree && sim >= minSimilarity && (sim > best || (sim == best && g < joined)) {
				joined, best = g, sim
			}
		}
		if joined < 0 {
			joined = int32(len(anchorOf))
			anchorOf, sizes = append(anchorOf, int32(r)), append(sizes, 0)
			seen = append(seen, stamp)
			for _, k := range keys {
				index.add(k, joined)
			}
		}
		if rec.position >= 0 {
			textGroup[same] = joined
		}
		groupOf[r] = joined
		sizes[joined]++
	}

	slot := make([]int32, len(anchorOf)) // group → index in out + 1
	var out []similarGroup
	for g, n := range sizes {
		if n > 1 {
			out = append(out, similarGroup{anchor: int(anchorOf[g]), members: make([]int, 0, n)})
			slot[g] = int32(len(out))
		}
	}
	for r, g := range groupOf {
		if g >= 0 && slot[g] > 0 {
			k := slot[g] - 1
			out[k].members = append(out[k].members, r)
		}
	}
	return out
}

// identKeys appends the index keys of an identifier set: each pair, or
// the one identifier.
func identKeys(dst []uint64, ids []uint32) []uint64 {
	if len(ids) == 1 {
		return append(dst, pairKey(ids[0], ids[0]))
	}
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			dst = append(dst, pairKey(ids[i], ids[j]))
		}
	}
	return dst
}

// pairKey is the key of two identifiers, in either order.
func pairKey(a, b uint32) uint64 {
	state := uint64(min(a, b))<<32 | uint64(max(a, b))
	return splitmix(&state)
}

// splitmix advances a SplitMix64 state and returns its next value: a fast,
// well-mixed 64-bit hash step.
func splitmix(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
