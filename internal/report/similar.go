package report

import (
	"maps"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Near-identical descriptions are those whose token sets have a Jaccard
// similarity |A∩B| / |A∪B| of at least 3/5. The threshold is kept as a
// fraction so every test below is exact integer arithmetic.
const (
	similarNum = 3
	similarDen = 5
	// minSimilarTokens: shorter texts ("bad deploy", "unknown") say too
	// little to call two incidents the same.
	minSimilarTokens = 4
)

// MinHash banding. A band of r signature values agrees for two sets with
// probability J^r, so two sets share at least one of b bands with
// probability 1 − (1 − J^r)^b: with r = 3 and b = 16, 0.98 at the threshold
// J = 0.6, 0.998 at 0.7 and 0.99999 at 0.8, against 0.55 at J = 0.4 and
// 0.13 at J = 0.2 (for independent hash functions; one-permutation hashing,
// used below, is coarser for texts of a few words). Candidates are then
// checked exactly, so a group never holds a description below the
// threshold; a text just above it is sometimes left out of its group.
//
// maxChecks bounds the exact checks per text. Candidates are checked in
// order of bands shared, and a near-identical anchor shares many (5.5 of
// 16 on average at J = 0.7), so it is almost always among the first: on
// 100,000 synthetic incidents, 88% of the texts that joined a group joined
// their first candidate and 99% one of the first 16. The bound matters for
// a text that resembles no anchor closely but many loosely, as templated
// text does: without it, such a text is checked against all of them.
const (
	bands        = 16
	rowsPerBand  = 3
	minhashCount = bands * rowsPerBand
	maxChecks    = 16
)

// splitmix advances a SplitMix64 state and returns its next value: a fast,
// well-mixed 64-bit hash step.
func splitmix(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// textRecord is one description: a primary cause (position −1) or a
// contributing factor of an incident. Its token set lives in a shared
// arena at [from, to); records with the same text share one span.
type textRecord struct {
	incidentID int64
	sortAt     int64
	position   int32
	service    uint32 // index into history.services
	category   uint32 // index into history.categories
	from, to   uint32
}

// similarGroup is a set of two or more records near-identical to its
// anchor, the earliest of them.
type similarGroup struct {
	anchor  int   // record index
	members []int // record indexes, chronological, the anchor first
}

// clusterSimilar groups near-identical records of the same service.
// Records are taken in chronological order; each joins a group whose
// anchor it is near-identical to (the one sharing the most MinHash bands,
// then the oldest), or else starts a group and becomes its anchor. So every
// member reads like its group's first description, and groups do not chain
// A~B~C into one when A and C differ. Identical texts always share a group.
//
// Comparing every record with every anchor would be quadratic, and the
// exact alternative, prefix filtering on rare words, degrades towards it on
// templated text, where thousands of descriptions share their rarest words.
// So anchors are indexed by MinHash bands (locality-sensitive hashing): a
// record is compared only with anchors that share a band with it, which
// are those likely to be near-identical, and checks at most maxChecks of
// them exactly. Each service is a block of its own, clustered apart with
// an index of its own: a description that recurs on one service is what a
// review acts on, blocks keep the candidate lists short when many services
// share boilerplate, and a block's index is small enough to stay in the
// CPU's caches, where one index over every service missed them at every
// step. Work is linear in the number of distinct texts, and the blocks are
// shared among as many goroutines as there are cores.
func clusterSimilar(records []textRecord, arena []uint32, wordHashes []uint64) []similarGroup {
	byService := map[uint32][]int{}
	for r, rec := range records {
		byService[rec.service] = append(byService[rec.service], r)
	}
	blocks := slices.Collect(maps.Values(byService))
	// Largest first, so that the last block a worker takes is small.
	slices.SortFunc(blocks, func(a, b []int) int { return len(b) - len(a) })
	found := make([][]similarGroup, len(blocks))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(blocks)) {
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= len(blocks) {
					return
				}
				found[k] = clusterBlock(records, blocks[k], arena, wordHashes)
			}
		})
	}
	wg.Wait()
	all := slices.Concat(found...)
	slices.SortFunc(all, func(a, b similarGroup) int { return a.anchor - b.anchor })
	return all
}

// meeting is what a group's anchor has in common with the record being
// placed: one struct, so that a candidate costs one cache miss, not two.
type meeting struct {
	record int32 // the record (index + 1) that last met the group
	shared int32 // bands the anchor shares with it
}

// clusterBlock clusters the records at the given indexes (one service's,
// chronological) and returns the groups of more than one record; most
// texts stand alone, and they cost no group of their own.
func clusterBlock(records []textRecord, indexes []int, arena []uint32, wordHashes []uint64) []similarGroup {
	// Most texts start a group of their own.
	groups := len(indexes)/2 + 1
	var (
		anchorOf  = make([]int, 0, groups)      // by group: the anchor's record
		anchors   = make([][]uint32, 0, groups) // by group: the anchor's tokens
		sizes     = make([]int32, 0, groups)    // by group: records in it
		groupOf   = make([]int32, len(indexes))
		textGroup = make(map[uint32]int32, len(indexes)) // by arena offset: records with the same text share it
		index     = newBandIndex(len(indexes))
		inX       = make(tokenSet, len(wordHashes)/64+1)
		sig       [minhashCount]uint32
		keys      [bands]uint64
		seen      = make([]meeting, 0, groups) // by group
		cands     []int32
		tier      []int32
	)
	for i, r := range indexes {
		groupOf[i] = -1
		x := arena[records[r].from:records[r].to]
		if len(x) < minSimilarTokens {
			continue
		}
		same := records[r].from
		if g, ok := textGroup[same]; ok {
			groupOf[i] = g
			sizes[g]++
			continue
		}
		minhash(x, wordHashes, &sig)
		bandKeys(&sig, &keys)

		// Candidates: anchors sharing a band. The more bands an anchor
		// shares, the more alike it is likely to be, so candidates are
		// checked in that order (older first among equals) and the first
		// that passes the exact check wins: most records are placed after
		// one or two checks however many anchors resemble them.
		stamp := int32(r + 1)
		cands, most := cands[:0], int32(0)
		for _, key := range keys {
			for e := index.head(key); e >= 0; e = index.entries[e].next {
				g := index.entries[e].group
				m := &seen[g]
				if m.record != stamp {
					m.record, m.shared = stamp, 0
					cands = append(cands, g)
				}
				m.shared++
				most = max(most, m.shared)
			}
		}
		joined, checks := int32(-1), 0
		inX.set(x)
		for level := most; level > 0 && joined < 0 && checks < maxChecks; level-- {
			tier = tier[:0]
			for _, g := range cands {
				if seen[g].shared == level {
					tier = append(tier, g)
				}
			}
			slices.Sort(tier)
			for _, g := range tier[:min(len(tier), maxChecks-checks)] {
				checks++
				y := anchors[g]
				if lengthsCompatible(len(x), len(y)) && inX.overlapAtLeast(y, overlapNeeded(len(x), len(y))) {
					joined = g
					break
				}
			}
		}
		inX.clear(x)
		if joined < 0 {
			joined = int32(len(anchors))
			anchorOf, anchors, sizes = append(anchorOf, r), append(anchors, x), append(sizes, 0)
			seen = append(seen, meeting{record: stamp})
			for _, key := range keys {
				index.add(key, joined)
			}
		}
		textGroup[same] = joined
		groupOf[i] = joined
		sizes[joined]++
	}

	slot := make([]int32, len(anchorOf)) // group → index in out + 1
	var out []similarGroup
	for g, n := range sizes {
		if n > 1 {
			out = append(out, similarGroup{anchor: anchorOf[g], members: make([]int, 0, n)})
			slot[g] = int32(len(out))
		}
	}
	for i, g := range groupOf {
		if g >= 0 && slot[g] > 0 {
			k := slot[g] - 1
			out[k].members = append(out[k].members, indexes[i])
		}
	}
	return out
}

// emptyBin marks a bin no word fell into.
const emptyBin = math.MaxUint32

// minhash computes the signature of a token set by one-permutation
// hashing with optimal densification (Shrivastava, ICML 2017): each word's
// hash picks a bin and a value, each bin keeps its least value, and an
// empty bin borrows the value of the first non-empty bin in a fixed
// pseudo-random sequence of its own. Two sets then agree in a bin with
// probability equal to their Jaccard similarity, as with minhashCount
// independent hash functions, at the cost of one hash per word rather than
// minhashCount.
func minhash(x []uint32, wordHashes []uint64, sig *[minhashCount]uint32) {
	var own [minhashCount]uint32
	for j := range own {
		own[j] = emptyBin
	}
	for _, t := range x {
		state := wordHashes[t]
		h := splitmix(&state)
		bin := (h >> 32) * minhashCount >> 32
		own[bin] = min(own[bin], uint32(h))
	}
	for j := range sig {
		sig[j] = own[j]
		for attempt := 1; sig[j] == emptyBin; attempt++ {
			sig[j] = own[borrowFrom(j, attempt)]
		}
	}
}

// borrowFrom is the bin an empty bin j looks at on its attempt-th try. The
// first tries come from a table: a text of forty words leaves some twenty
// of the 48 bins empty, and hashing afresh for each try was most of the
// cost of a signature.
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

// bandKeys hashes each band of a signature, with the band's number, into
// one key.
func bandKeys(sig *[minhashCount]uint32, keys *[bands]uint64) {
	for b := range keys {
		s := sig[b*rowsPerBand : (b+1)*rowsPerBand]
		state := uint64(b)<<32 | uint64(s[0])
		k := splitmix(&state)
		for _, v := range s[1:] {
			state ^= uint64(v)
			k ^= splitmix(&state)
		}
		keys[b] = k
	}
}

// bandIndex lists, per band key, the groups whose anchor has it, newest
// first: an open-addressing table from key to the latest entry, entries
// chained to the earlier ones. A slot keeps 32 bits of the key beside its
// head, in 8 bytes, so the table stays small and a probe touches one cache
// line. Two keys that agree in slot and in those bits would share a chain:
// that costs a few needless candidates, which the exact check turns away,
// never a wrong group. Nothing is allocated per key, unlike a map of
// slices, which matters when every new anchor adds a key per band.
type bandIndex struct {
	slots   []bandSlot
	used    int
	entries []bandEntry
}

type bandSlot struct {
	check uint32 // the key's high bits
	head  int32  // entry index + 1; 0 marks an empty slot
}

type bandEntry struct {
	key         uint64 // kept so that the table can be rebuilt larger
	group, next int32  // next: the earlier entry with the same key, or −1
}

// newBandIndex sizes the index for a quarter of the texts becoming
// anchors; it grows when more do.
func newBandIndex(texts int) *bandIndex {
	size := 1 << 10
	for size < bands*texts/2 {
		size *= 2
	}
	return &bandIndex{slots: make([]bandSlot, size), entries: make([]bandEntry, 0, bands*texts/4)}
}

// slot finds key's slot, or the empty slot where it belongs.
func (ix *bandIndex) slot(key uint64) *bandSlot {
	mask := uint64(len(ix.slots) - 1)
	check := uint32(key >> 32)
	for i := key & mask; ; i = (i + 1) & mask {
		if s := &ix.slots[i]; s.head == 0 || s.check == check {
			return s
		}
	}
}

// head is the latest entry for key, or −1.
func (ix *bandIndex) head(key uint64) int32 { return ix.slot(key).head - 1 }

func (ix *bandIndex) add(key uint64, group int32) {
	s := ix.slot(key)
	if s.head == 0 {
		ix.used++
	}
	ix.entries = append(ix.entries, bandEntry{key: key, group: group, next: s.head - 1})
	s.check, s.head = uint32(key>>32), int32(len(ix.entries))
	if 2*ix.used > len(ix.slots) {
		ix.grow()
	}
}

// grow doubles the table, finding each chain's key in its latest entry.
func (ix *bandIndex) grow() {
	old := ix.slots
	ix.slots = make([]bandSlot, 2*len(old))
	for _, s := range old {
		if s.head != 0 {
			*ix.slot(ix.entries[s.head-1].key) = s
		}
	}
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

// tokenSet is a bitset over token ranks holding one record's tokens, so
// that checking a candidate costs one bit test per token of the candidate.
type tokenSet []uint64

func (s tokenSet) set(x []uint32) {
	for _, t := range x {
		s[t/64] |= 1 << (t % 64)
	}
}

func (s tokenSet) clear(x []uint32) {
	for _, t := range x {
		s[t/64] = 0
	}
}

// overlapAtLeast reports whether y shares at least need tokens with the
// set, giving up once the tokens left cannot make up the shortfall.
func (s tokenSet) overlapAtLeast(y []uint32, need int) bool {
	n := 0
	for k, t := range y {
		n += int(s[t/64] >> (t % 64) & 1)
		if n >= need {
			return true
		}
		if n+len(y)-k-1 < need {
			return false
		}
	}
	return need <= 0
}
