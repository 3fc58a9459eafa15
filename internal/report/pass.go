package report

import (
	"cmp"
	"context"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"
)

// history is what pattern detection needs, read in one streaming pass over
// the incidents and one over their findings: per incident its id, times,
// service, severity, detection method and cause category; per factor and
// gap its category; the cause and factor descriptions as token sets; and
// the preventive fixes. Counts are not taken from it (every by_* list is an
// aggregate of the source) except those of hotspots, which compare the
// window with what came before it.
//
// The pass reaches beyond the report's window and service: it reads the
// history up to the window's end, and with a service filter the services
// related to it, so that a failure in the window is linked to its earlier
// occurrences and to fixes made before the window. inScope marks the
// incidents the report is about.
type history struct {
	incidents   []incidentFacts // by id
	byID        idIndex
	services    interned      // service keys
	categories  interned      // cause, factor and gap categories
	labels      interned      // severities and detection methods
	factors     []categoryHit // distinct (incident, factor category) pairs, by incident
	gaps        []categoryHit // distinct (incident, gap category) pairs, by incident
	texts       []textRecord  // chronological
	arena       []uint32      // the causes' token ids
	factorArena []uint32      // the factors' token ids
	tok         *tokenizer
	fixes       []fixFact // by incident, position
}

// incidentFacts is one incident of the pass. cause is noCategory when unset.
type incidentFacts struct {
	id, sortAt int64
	startedAt  int64
	started    bool // startedAt is known
	inScope    bool // in the report's window and service
	service    uint32
	cause      uint32
	severity   uint32 // in history.labels
	method     uint32 // in history.labels
}

// categoryHit says incident (an index into history.incidents) has a
// finding of category.
type categoryHit struct {
	incident int32
	category uint32
}

// fixFact is a preventive action item of an incident that addresses its
// cause (position −1) or a contributing factor: done at doneAt, or planned
// (open or in progress) when doneAt is 0.
type fixFact struct {
	incident int32
	position int32
	doneAt   int64
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

// lookup returns the index of value, if interned.
func (in *interned) lookup(value string) (uint32, bool) {
	i, ok := in.index[value]
	return i, ok
}

// readHistory makes the passes, concurrently, and merges them. inScope
// decides which incidents the report is about. No ORDER BY: sorting would
// make the database hold every text; what needs an order is sorted here,
// on narrow values.
func readHistory(ctx context.Context, src Source, pass Scope, inScope func(*IncidentRow) bool) (*history, error) {
	n, err := src.CountIncidents(ctx, pass)
	if err != nil {
		return nil, err
	}
	// Sized for a cause and one and a half factors an incident, and some
	// forty words a cause: growing them as they fill copied tens of
	// megabytes at 100,000 incidents.
	h := &history{
		incidents: make([]incidentFacts, 0, n),
		texts:     make([]textRecord, 0, 5*n/2),
		arena:     make([]uint32, 0, 44*n),
		tok:       newTokenizer(),
	}
	var found findingPass
	var fixes []fixRow
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return h.readIncidents(gctx, src, pass, inScope) })
	g.Go(func() (err error) { found, err = readFindings(gctx, src, pass, n); return err })
	g.Go(func() (err error) { fixes, err = readFixes(gctx, src, pass, n); return err })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	h.byID = newIDIndex(h.incidents)
	h.merge(&found)
	h.keepFixes(fixes)
	h.sortTexts()
	// Every token has its id now; the table that found them is not needed.
	h.tok.slots, h.tok.last = nil, nil
	return h, nil
}

// readIncidents streams the incidents with their causes.
func (h *history) readIncidents(ctx context.Context, src Source, pass Scope, inScope func(*IncidentRow) bool) error {
	err := src.EachIncident(ctx, pass, func(row *IncidentRow) {
		f := incidentFacts{id: row.ID, sortAt: row.SortAt, startedAt: row.StartedAt.Seconds, started: row.StartedAt.Known,
			inScope: inScope(row), service: h.services.id(row.ServiceKey), cause: noCategory,
			severity: h.labels.id(row.Severity), method: h.labels.id(row.DetectionMethod)}
		if len(row.CauseCategory) > 0 {
			f.cause = h.categories.id(row.CauseCategory)
		}
		h.incidents = append(h.incidents, f)
		if len(row.CauseDescription) > 0 {
			r := textRecord{incidentID: f.id, position: -1, category: f.cause, from: uint32(len(h.arena))}
			h.arena = h.tok.appendSet(h.arena, row.CauseDescription)
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
	hits       []findingHit
	texts      []textRecord // incident, service unset
	arena      []uint32
	tok        *tokenizer
}

type findingHit struct {
	incidentID int64
	category   uint32
	gap        bool
}

// readFindings streams the contributing factors and detection gaps of the
// n incidents. Factors repeat word for word across incidents; each distinct
// text is tokenised once.
func readFindings(ctx context.Context, src Source, pass Scope, n int) (findingPass, error) {
	// Sized for one and a half factors an incident, most of them worded
	// apart, of some ten words each.
	p := findingPass{
		tok:   newTokenizer(),
		hits:  make([]findingHit, 0, 3*n),
		texts: make([]textRecord, 0, 3*n/2),
		arena: make([]uint32, 0, 14*n),
	}
	seed := maphash.MakeSeed()
	type span struct{ from, to uint32 }
	seen := map[uint64]span{}
	err := src.EachFinding(ctx, pass, func(row *FindingRow) {
		hit := findingHit{incidentID: row.IncidentID, category: p.categories.id(row.Category), gap: row.Gap}
		p.hits = append(p.hits, hit)
		if row.Gap || len(row.Description) == 0 {
			return
		}
		key := maphash.Bytes(seed, row.Description)
		s, ok := seen[key]
		if !ok {
			s.from = uint32(len(p.arena))
			p.arena = p.tok.appendSet(p.arena, row.Description)
			s.to = uint32(len(p.arena))
			seen[key] = s
		}
		p.texts = append(p.texts, textRecord{incidentID: row.IncidentID, position: row.Position, category: hit.category, from: s.from, to: s.to})
	})
	return p, err
}

// fixRow is a fix as read, before its incident is found.
type fixRow struct {
	incidentID int64
	position   int32
	doneAt     int64
}

// readFixes streams the preventive fixes of causes and factors; those of
// gaps fix something never compared. The list starts sized for one an
// incident of the n.
func readFixes(ctx context.Context, src Source, pass Scope, n int) ([]fixRow, error) {
	out := make([]fixRow, 0, n)
	err := src.EachFix(ctx, Scope{Services: pass.Services}, func(row *FixRow) {
		position, ok := addressedPosition(row.Addresses)
		if !ok {
			return
		}
		f := fixRow{incidentID: row.IncidentID, position: position}
		if row.Done {
			f.doneAt = row.DoneAt
		}
		out = append(out, f)
	})
	return out, err
}

// addressedPosition reads what an action item addresses as a text
// position: −1 for the primary cause, N for contributing_factors[N].
func addressedPosition(addresses []byte) (int32, bool) {
	a := string(addresses)
	if a == "primary_cause" {
		return -1, true
	}
	digits, ok := strings.CutPrefix(a, "contributing_factors[")
	if !ok {
		return 0, false
	}
	digits, ok = strings.CutSuffix(digits, "]")
	n, err := strconv.ParseInt(digits, 10, 32)
	if !ok || err != nil || n < 0 {
		return 0, false
	}
	return int32(n), true
}

// merge brings the findings pass into the history: its categories and
// tokens renumbered into the history's, its incidents found by id (a
// finding of an incident outside the pass is dropped).
func (h *history) merge(p *findingPass) {
	category := make([]uint32, len(p.categories.values))
	for k, v := range p.categories.values {
		category[k] = h.categories.id([]byte(v))
	}
	for _, x := range p.hits {
		if k, ok := h.byID.find(x.incidentID); ok {
			hit := categoryHit{incident: int32(k), category: category[x.category]}
			if x.gap {
				h.gaps = append(h.gaps, hit)
			} else {
				h.factors = append(h.factors, hit)
			}
		}
	}
	h.factors, h.gaps = distinctHits(h.factors), distinctHits(h.gaps)

	// The factors' tokens take the history's ids where they lie.
	token := make([]uint32, len(p.tok.hashes))
	for id, hash := range p.tok.hashes {
		token[id] = h.tok.adopt(hash, p.tok.ident[id], p.tok.stop[id])
	}
	for k, id := range p.arena {
		p.arena[k] = token[id]
	}
	h.factorArena = p.arena
	h.texts = slices.Grow(h.texts, len(p.texts))
	for _, r := range p.texts {
		if _, ok := h.byID.find(r.incidentID); !ok {
			continue
		}
		r.category = category[r.category]
		h.texts = append(h.texts, r)
	}
	for k := range h.texts {
		r := &h.texts[k]
		i, _ := h.byID.find(r.incidentID)
		r.incident, r.service = int32(i), h.incidents[i].service
	}
}

// keepFixes finds each fix's incident and sorts them for fixesOf.
func (h *history) keepFixes(rows []fixRow) {
	h.fixes = make([]fixFact, 0, len(rows))
	for _, f := range rows {
		if k, ok := h.byID.find(f.incidentID); ok {
			h.fixes = append(h.fixes, fixFact{incident: int32(k), position: f.position, doneAt: f.doneAt})
		}
	}
	slices.SortFunc(h.fixes, func(a, b fixFact) int {
		if a.incident != b.incident {
			return cmp.Compare(a.incident, b.incident)
		}
		if a.position != b.position {
			return cmp.Compare(a.position, b.position)
		}
		return cmp.Compare(a.doneAt, b.doneAt)
	})
}

// fixesOf returns the fixes of one text.
func (h *history) fixesOf(r *textRecord) []fixFact {
	at := func(f fixFact) int {
		if f.incident != r.incident {
			return cmp.Compare(f.incident, r.incident)
		}
		return cmp.Compare(f.position, r.position)
	}
	lo, _ := slices.BinarySearchFunc(h.fixes, *r, func(f fixFact, r textRecord) int { return at(f) })
	hi := lo
	for hi < len(h.fixes) && at(h.fixes[hi]) == 0 {
		hi++
	}
	return h.fixes[lo:hi]
}

// tokens returns a text's token ids: a cause's in the arena, a factor's in
// the factor arena.
func (h *history) tokens(r *textRecord) []uint32 {
	if r.position >= 0 {
		return h.factorArena[r.from:r.to]
	}
	return h.arena[r.from:r.to]
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

func byID(a, b incidentFacts) int { return cmp.Compare(a.id, b.id) }

// sortTexts puts the texts in chronological order (see chronological): the
// incidents are ranked once, and each text placed by its incident's rank,
// which is linear; sorting the texts through their incidents was a tenth
// of a report at 100,000 incidents, every comparison two cache misses.
func (h *history) sortTexts() {
	order := make([]int32, len(h.incidents))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		x, y := &h.incidents[a], &h.incidents[b]
		if x.sortAt != y.sortAt {
			return cmp.Compare(x.sortAt, y.sortAt)
		}
		return cmp.Compare(x.id, y.id)
	})
	rank := make([]int32, len(h.incidents))
	for r, i := range order {
		rank[i] = int32(r)
	}
	start := make([]int32, len(h.incidents)+1)
	for k := range h.texts {
		start[rank[h.texts[k].incident]+1]++
	}
	for r := 1; r < len(start); r++ {
		start[r] += start[r-1]
	}
	sorted := make([]textRecord, len(h.texts))
	for _, t := range h.texts {
		at := &start[rank[t.incident]]
		sorted[*at] = t
		*at++
	}
	// Within an incident, the cause before the factors, by position: a few
	// texts, in insertion order.
	for lo := 0; lo < len(sorted); {
		hi := lo + 1
		for hi < len(sorted) && sorted[hi].incident == sorted[lo].incident {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(sorted[lo:hi], func(a, b textRecord) int { return cmp.Compare(a.position, b.position) })
		}
		lo = hi
	}
	h.texts = sorted
}

// chronological orders texts by their incidents' start (else creation),
// incident, and the cause before the factors.
func (h *history) chronological(a, b textRecord) int {
	switch x, y := h.incidents[a.incident].sortAt, h.incidents[b.incident].sortAt; {
	case x != y:
		return cmp.Compare(x, y)
	case a.incidentID != b.incidentID:
		return cmp.Compare(a.incidentID, b.incidentID)
	}
	return cmp.Compare(a.position, b.position)
}

// distinctHits sorts hits and drops repeats: two factors of one category
// in one incident count once.
func distinctHits(hits []categoryHit) []categoryHit {
	slices.SortFunc(hits, func(a, b categoryHit) int {
		if a.incident != b.incident {
			return cmp.Compare(a.incident, b.incident)
		}
		return cmp.Compare(a.category, b.category)
	})
	return slices.Compact(hits)
}

// sortCounts orders a by_* list: count descending, then key.
func sortCounts(list []Count) {
	slices.SortFunc(list, func(a, b Count) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
}
