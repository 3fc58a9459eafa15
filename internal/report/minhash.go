package report

import "math"

// MinHash banding for descriptions that quote no identifier. A band of r
// signature values agrees for two texts with probability J^r, where J is
// their weighted Jaccard similarity (see minhash), so two texts share at
// least one of b bands with probability 1 − (1 − J^r)^b: with r = 2 and
// b = 24, 0.96 at the threshold J = 0.35 and 0.999 at 0.5. Candidates are
// then checked exactly, so a group never holds a description below the
// threshold; a text just above it is now and then left out of its group.
const (
	bands        = 24
	rowsPerBand  = 2
	minhashCount = bands * rowsPerBand
)

// emptyBin marks a bin no token fell into.
const emptyBin = math.MaxUint32

// minhash computes a record's weighted signature by one-permutation
// hashing with optimal densification (Shrivastava, ICML 2017): each token
// picks a bin by its hash, and within a bin the tokens race, each with an
// exponential variable (from its hash) divided by its weight; the winner's
// hash is the bin's value. Since a token has one weight in every text, two
// texts agree in a bin exactly when the winner over both texts' tokens in
// the bin is shared, which happens with probability equal to their
// weighted Jaccard similarity. An empty bin borrows the value of the first
// non-empty bin in a fixed pseudo-random sequence of its own.
func (m *matcher) minhash(r int, sig *[minhashCount]uint32) {
	var race [minhashCount]float32
	for j := range sig {
		sig[j], race[j] = emptyBin, float32(math.Inf(1))
	}
	for _, t := range m.h.tokens(&m.h.texts[r]) {
		w := m.token[t].weight
		if w == 0 {
			continue
		}
		state := m.h.tok.hashes[t]
		x := splitmix(&state)
		bin := (x >> 32) * minhashCount >> 32
		// An exponential variable from the low 32 bits, never ln(0).
		e := -float32(math.Log((float64(uint32(x)) + 0.5) / (1 << 32)))
		if v := e / w; v < race[bin] {
			race[bin], sig[bin] = v, uint32(m.h.tok.hashes[t]>>32)&^1 // never emptyBin
		}
	}
	var own [minhashCount]uint32
	copy(own[:], sig[:])
	for j := range sig {
		for attempt := 1; sig[j] == emptyBin; attempt++ {
			sig[j] = own[borrowFrom(j, attempt)]
		}
	}
}

// borrowFrom is the bin an empty bin j looks at on its attempt-th try. The
// first tries come from a table: hashing afresh for each try was most of
// the cost of a signature.
func borrowFrom(j, attempt int) uint32 {
	if attempt < borrowTries {
		return borrowTable[j][attempt]
	}
	return borrowBin(j, attempt)
}

func borrowBin(j, attempt int) uint32 {
	state := uint64(j)<<32 | uint64(attempt)
	return uint32(splitmix(&state) >> 32 * minhashCount >> 32)
}

const borrowTries = 32

var borrowTable = func() (t [minhashCount][borrowTries]uint32) {
	for j := range t {
		for a := 1; a < borrowTries; a++ {
			t[j][a] = borrowBin(j, a)
		}
	}
	return t
}()

// proseKeys hashes each band of a signature, with the band's number and a
// mark that sets them apart from identifier keys, into one key.
func proseKeys(sig *[minhashCount]uint32, keys *[bands]uint64) []uint64 {
	for b := range keys {
		s := sig[b*rowsPerBand : (b+1)*rowsPerBand]
		state := 0xb5ad4eceda1ce2a9 ^ uint64(b)<<32 | uint64(s[0])
		k := splitmix(&state)
		for _, v := range s[1:] {
			state ^= uint64(v)
			k ^= splitmix(&state)
		}
		keys[b] = k
	}
	return keys[:]
}

// chainIndex lists, per key, the groups whose anchor has it, newest first:
// an open-addressing table from key to the latest entry, entries chained to
// the earlier ones. A slot keeps 32 bits of the key beside its head, in 8
// bytes, so the table stays small and a probe touches one cache line. Two
// keys that agree in slot and in those bits would share a chain: that
// costs a few needless candidates, which the exact check turns away, never
// a wrong group. It is sized once for every key the records could add, so
// it never grows and entries need not keep their keys; nothing is
// allocated per key, unlike a map of slices.
type chainIndex struct {
	slots   []chainSlot
	entries []chainEntry
}

type chainSlot struct {
	check uint32 // the key's high bits
	head  int32  // entry index + 1; 0 marks an empty slot
}

type chainEntry struct {
	group, next int32 // next: the earlier entry with the same key, or −1
}

// newChainIndex sizes the index for at most keys keys, at most three
// quarters full.
func newChainIndex(keys int) *chainIndex {
	size := 1 << 10
	for 3*size < 4*keys {
		size *= 2
	}
	return &chainIndex{slots: make([]chainSlot, size), entries: make([]chainEntry, 0, keys)}
}

// slot finds key's slot, or the empty slot where it belongs.
func (ix *chainIndex) slot(key uint64) *chainSlot {
	mask := uint64(len(ix.slots) - 1)
	check := uint32(key >> 32)
	for i := key & mask; ; i = (i + 1) & mask {
		if s := &ix.slots[i]; s.head == 0 || s.check == check {
			return s
		}
	}
}

// head is the latest entry for key, or −1.
func (ix *chainIndex) head(key uint64) int32 { return ix.slot(key).head - 1 }

func (ix *chainIndex) add(key uint64, group int32) {
	s := ix.slot(key)
	ix.entries = append(ix.entries, chainEntry{group: group, next: s.head - 1})
	s.check, s.head = uint32(key>>32), int32(len(ix.entries))
}
