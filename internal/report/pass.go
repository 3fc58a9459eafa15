package report

import (
	"database/sql"
	"fmt"
	"hash/maphash"
	"slices"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// history is what pattern detection needs, read in one streaming pass
// over the incidents in scope and one over their contributing factors: per
// incident its id, times, service and cause category; per factor its
// category; and the cause and factor descriptions as token sets. Counts
// are not taken from it: every by_* list is a GROUP BY in SQL.
//
// Pattern detection reads this instead of querying: near-duplicate search
// must read the descriptions anyway (only these columns, streaming), and
// the rest comes with them. Done in SQL, the same-category groups need
// COUNT(DISTINCT) over a join of findings with incidents, and the return
// of a cause after a fix a window over both; at 100,000 incidents each of
// those costs about a second of SQLite time, the whole pass below less.
type history struct {
	incidents  []incidentFacts // by id
	byID       idIndex
	services   interned      // service keys
	categories interned      // cause and factor categories
	factors    []categoryHit // distinct (incident, category) pairs
	texts      []textRecord
	arena      []uint32 // the texts' token ids
	wordHashes []uint64 // by token id
}

// incidentFacts is one incident in scope. cause is noCategory when unset.
type incidentFacts struct {
	id        int64
	sortAt    int64
	startedAt sql.NullInt64
	service   uint32
	cause     uint32
}

// categoryHit says incident (an index into history.incidents) has a
// finding of category.
type categoryHit struct {
	incident int32
	category uint32
}

const noCategory = ^uint32(0)

// interned maps short repeated strings to small indexes.
type interned struct {
	index  map[string]uint32
	values []string
}

func (in *interned) id(raw []byte) uint32 {
	if i, ok := in.index[string(raw)]; ok {
		return i
	}
	if in.index == nil {
		in.index = map[string]uint32{}
	}
	i := uint32(len(in.values))
	in.values = append(in.values, string(raw))
	in.index[in.values[i]] = i
	return i
}

const (
	incidentPassSQL = `
SELECT i.id, i.sort_at, i.started_at, i.service_key, i.cause_category, i.cause_description
FROM %s WHERE %s`
	// Only contributing factors: detection gaps are counted in SQL and
	// never compared. FROM is filled in by scope.over; "+" keeps SQLite
	// from reading the factors through an index on kind, a lookup in the
	// table for each.
	findingPassSQL = `
SELECT f.incident_id, f.position, f.category, f.description
FROM %s WHERE %s AND +f.kind = 'factor'`
)

// readHistory makes the two passes, concurrently, each on its own
// connection with its own tokenizer, and merges them. No ORDER BY: sorting
// would make SQLite hold every text; what needs an order is sorted here, on
// narrow values. sql.RawBytes lets the tokenizer read each text in the
// driver's buffer without a copy.
func readHistory(db *gorm.DB, in scope) (*history, error) {
	n, err := countIncidents(db, in)
	if err != nil {
		return nil, err
	}
	// Sized for a cause and one and a half factors an incident, and some
	// forty words a cause: growing them as they fill copied tens of
	// megabytes, and took a tenth of a report's time at 100,000.
	h := &history{
		incidents: make([]incidentFacts, 0, n),
		texts:     make([]textRecord, 0, 5*n/2),
		arena:     make([]uint32, 0, 48*n),
	}
	tok := newTokenizer()
	var found findingPass
	var g errgroup.Group
	g.Go(func() error { return h.readIncidents(db, in, tok) })
	g.Go(func() (err error) { found, err = readFindings(db, in, n); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	h.byID = newIDIndex(h.incidents)
	h.merge(&found, tok)
	h.wordHashes = tok.hashes
	slices.SortFunc(h.texts, chronological)
	return h, nil
}

// readIncidents streams the incidents in scope with their causes.
func (h *history) readIncidents(db *gorm.DB, in scope, tok *tokenizer) error {
	var f incidentFacts
	var service, category, text sql.RawBytes
	err := eachRow(db, fmt.Sprintf(incidentPassSQL, in.incidents(), in.cond), in.args,
		[]any{&f.id, &f.sortAt, &f.startedAt, &service, &category, &text}, func() {
			f.service, f.cause = h.services.id(service), noCategory
			if len(category) > 0 {
				f.cause = h.categories.id(category)
			}
			h.incidents = append(h.incidents, f)
			if len(text) > 0 {
				r := textRecord{incidentID: f.id, sortAt: f.sortAt, position: -1, service: f.service, category: f.cause,
					from: uint32(len(h.arena))}
				h.arena = tok.appendSet(h.arena, text)
				r.to = uint32(len(h.arena))
				h.texts = append(h.texts, r)
			}
		})
	// A table scan yields rowid order, which is id order; sort in case.
	if !slices.IsSortedFunc(h.incidents, byID) {
		slices.SortFunc(h.incidents, byID)
	}
	return err
}

// findingPass is what the findings pass reads, in its own ids: categories
// index its own table, tokens its own tokenizer, texts its own arena, and
// incidents are ids until merged.
type findingPass struct {
	categories interned
	factors    []findingHit
	texts      []textRecord // service and sortAt unset
	arena      []uint32
	tok        *tokenizer
}

type findingHit struct {
	incidentID int64
	category   uint32
}

// readFindings streams the contributing factors of the n incidents in
// scope. Factors repeat word for word across incidents; each distinct text
// is tokenised once. The lists start sized for one and a half factors an
// incident, a little over what generated and real post-mortems carry:
// growing them a quarter at a time from nothing copied them some thirty
// times.
func readFindings(db *gorm.DB, in scope, n int) (findingPass, error) {
	from, sc := in.over("findings f", "f")
	query, args := fmt.Sprintf(findingPassSQL, from, sc.cond), sc.args
	p := findingPass{
		tok:     newTokenizer(),
		factors: make([]findingHit, 0, 3*n/2),
		texts:   make([]textRecord, 0, 3*n/2),
	}
	seed := maphash.MakeSeed()
	type span struct{ from, to uint32 }
	seen := map[uint64]span{}
	var incidentID int64
	var position int32
	var category, text sql.RawBytes
	err := eachRow(db, query, args, []any{&incidentID, &position, &category, &text}, func() {
		hit := findingHit{incidentID: incidentID, category: p.categories.id(category)}
		p.factors = append(p.factors, hit)
		if len(text) == 0 {
			return
		}
		key := maphash.Bytes(seed, text)
		s, ok := seen[key]
		if !ok {
			s.from = uint32(len(p.arena))
			p.arena = p.tok.appendSet(p.arena, text)
			s.to = uint32(len(p.arena))
			seen[key] = s
		}
		p.texts = append(p.texts, textRecord{incidentID: incidentID, position: position, category: hit.category, from: s.from, to: s.to})
	})
	return p, err
}

// merge brings the findings pass into the history: its categories and
// tokens renumbered into the history's, its incidents found by id (a
// finding of an incident outside the scope is dropped).
func (h *history) merge(p *findingPass, tok *tokenizer) {
	category := make([]uint32, len(p.categories.values))
	for k, v := range p.categories.values {
		category[k] = h.categories.id([]byte(v))
	}
	hits := func(in []findingHit) []categoryHit {
		out := make([]categoryHit, 0, len(in))
		for _, x := range in {
			if k, ok := h.find(x.incidentID); ok {
				out = append(out, categoryHit{incident: int32(k), category: category[x.category]})
			}
		}
		return distinctHits(out)
	}
	h.factors = hits(p.factors)
	h.arena = slices.Grow(h.arena, len(p.arena))
	h.texts = slices.Grow(h.texts, len(p.texts))

	token := make([]uint32, len(p.tok.hashes))
	for id, hash := range p.tok.hashes {
		token[id] = tok.intern(hash)
	}
	offset := uint32(len(h.arena))
	for _, id := range p.arena {
		h.arena = append(h.arena, token[id])
	}
	for _, r := range p.texts {
		k, ok := h.find(r.incidentID)
		if !ok {
			continue
		}
		r.sortAt, r.service, r.category = h.incidents[k].sortAt, h.incidents[k].service, category[r.category]
		r.from, r.to = r.from+offset, r.to+offset
		h.texts = append(h.texts, r)
	}
}

// find returns the index of the incident with the given id.
func (h *history) find(id int64) (int, bool) { return h.byID.find(id) }

// idIndex finds incidents by id. Ids are mostly dense (autoincrement), so
// a slice over their range answers in one step; imports that keep ids from
// elsewhere can spread them, and then a map does.
type idIndex struct {
	min    int64
	dense  []int32 // index + 1 by id − min; 0 for none
	sparse map[int64]int32
}

func newIDIndex(incs []incidentFacts) idIndex {
	if len(incs) == 0 {
		return idIndex{}
	}
	lo, hi := incs[0].id, incs[len(incs)-1].id // sorted by id
	if span := hi - lo + 1; span <= 4*int64(len(incs))+1024 {
		ix := idIndex{min: lo, dense: make([]int32, span)}
		for k, f := range incs {
			ix.dense[f.id-lo] = int32(k + 1)
		}
		return ix
	}
	ix := idIndex{sparse: make(map[int64]int32, len(incs))}
	for k, f := range incs {
		ix.sparse[f.id] = int32(k)
	}
	return ix
}

func (ix *idIndex) find(id int64) (int, bool) {
	if ix.sparse != nil {
		k, ok := ix.sparse[id]
		return int(k), ok
	}
	if d := id - ix.min; d >= 0 && d < int64(len(ix.dense)) && ix.dense[d] > 0 {
		return int(ix.dense[d] - 1), true
	}
	return 0, false
}

func byID(a, b incidentFacts) int { return cmpInt(a.id, b.id) }

// chronological orders texts by start (else creation), incident, and the
// cause before the factors.
func chronological(a, b textRecord) int {
	switch {
	case a.sortAt != b.sortAt:
		return cmpInt(a.sortAt, b.sortAt)
	case a.incidentID != b.incidentID:
		return cmpInt(a.incidentID, b.incidentID)
	}
	return cmpInt(a.position, b.position)
}

// distinctHits sorts hits and drops repeats: two factors of one category
// in one incident count once.
func distinctHits(hits []categoryHit) []categoryHit {
	slices.SortFunc(hits, func(a, b categoryHit) int {
		if a.incident != b.incident {
			return cmpInt(a.incident, b.incident)
		}
		return cmpInt(a.category, b.category)
	})
	return slices.Compact(hits)
}

// sortCounts orders a by_* list: count descending, then key.
func sortCounts(list []Count) {
	slices.SortFunc(list, func(a, b Count) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return compareStrings(a.Key, b.Key)
	})
}

// eachRow runs a query and calls row after scanning each row into dest.
func eachRow(db *gorm.DB, query string, args []any, dest []any, row func()) error {
	rows, err := db.Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		row()
	}
	return rows.Err()
}

func cmpInt[T int32 | int64 | int | uint32](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
