package report

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Recurrence is a failure that came back: near-identical causes or
// contributing factors of two or more incidents (see similar.go), at least
// one of them in the report. The list holds every such failure; it is kept
// small (ids, not incidents), and the first ones carry their description.
type Recurrence struct {
	// Services are the keys of the services its incidents are on, in order
	// of first appearance.
	Services []string `json:"services"`
	// IDs are all its incidents, oldest first, including those before the
	// window; InWindow counts those in the report.
	IDs      []int64 `json:"ids"`
	InWindow int     `json:"in_window"`
	// Categories of its causes and factors, in order of first appearance.
	Categories []string `json:"categories"`
	// Fix is what was done to stop it: "done" when a preventive action item
	// addressing one of its descriptions was marked done, "planned" when
	// one is open or in progress, "none" otherwise.
	Fix string `json:"fix"`
	// Description is the first incident's words (on the first Params.Groups
	// failures, which the markdown and the page show).
	Description string `json:"description,omitempty"`
	// FailureMode is the known failure mode ("service-key/slug") that the
	// incidents link, when they are one failure because they say so.
	FailureMode string `json:"failure_mode,omitempty"`
}

// Fix states.
const (
	FixDone    = "done"
	FixPlanned = "planned"
	FixNone    = "none"
)

// Returns are the incidents in the report that repeat a failure after a
// preventive action item addressing it, on an earlier incident, was marked
// done: the fix did not work.
type Returns struct {
	IDs   []int64  `json:"ids"` // every one, oldest first
	Count int      `json:"count"`
	Items []Return `json:"items"` // the latest, at most Params.Groups
}

// Return is one incident that came back after a fix.
type Return struct {
	Incident IncidentRef `json:"incident"`
	// Repeats is the incident whose fix did not hold.
	Repeats IncidentRef `json:"repeats"`
	Fix     Fix         `json:"fix"`
}

// Fix is the preventive action item whose fix did not hold: the latest
// done before the incident came back.
type Fix struct {
	ActionItem string    `json:"action_item"`
	Addresses  string    `json:"addresses"`
	DoneAt     time.Time `json:"done_at"`
}

// RecurringGap is a detection gap listed on two or more incidents of one
// failure: it came back and was missed the same way again.
type RecurringGap struct {
	Category    string   `json:"category"`
	IDs         []int64  `json:"ids"`
	Services    []string `json:"services"`
	Description string   `json:"description,omitempty"` // the failure's, as in Recurrence
}

// failure is a group of near-identical records in the history's terms.
type failure struct {
	anchor    int // a record; -1 for a failure mode none of whose incidents has a cause written
	mode      string
	records   []int   // chronological
	incidents []int32 // distinct, chronological
	inScope   int
	causes    int // incidents whose primary cause is among the records
	fix       string
	lastStart int64
}

// failures turns the matcher's groups into failures of two incidents or
// more, one of them in scope. Groups of the same incidents are one failure
// told in several descriptions (a cause and the factors that came back
// with it), and are merged.
func (h *history) failures(m *matcher) []failure {
	var out []failure
	merged := map[string]int{} // incident set → index in out
	for _, g := range m.cluster() {
		f := failure{anchor: g.anchor, records: g.members, fix: FixNone}
		for _, r := range g.members {
			rec := &h.texts[r]
			if rec.position < 0 {
				f.causes++
			}
			if n := len(f.incidents); n == 0 || f.incidents[n-1] != rec.incident {
				f.incidents = append(f.incidents, rec.incident)
				inc := &h.incidents[rec.incident]
				if inc.inScope {
					f.inScope++
				}
				f.lastStart = max(f.lastStart, inc.sortAt)
			}
			for _, fx := range h.fixesOf(rec) {
				switch {
				case fx.doneAt > 0:
					f.fix = FixDone
				case f.fix == FixNone:
					f.fix = FixPlanned
				}
			}
		}
		if len(f.incidents) < 2 || f.inScope == 0 {
			continue
		}
		key := incidentSet(f.incidents)
		k, seen := merged[key]
		if !seen {
			merged[key] = len(out)
			out = append(out, f)
			continue
		}
		into := &out[k]
		into.records = append(into.records, f.records...)
		slices.SortFunc(into.records, func(a, b int) int { return h.chronological(h.texts[a], h.texts[b]) })
		// The description shown is the earliest, a cause before a factor.
		if a, b := &h.texts[f.anchor], &h.texts[into.anchor]; h.chronological(*a, *b) < 0 {
			into.anchor = f.anchor
		}
		into.fix = strongerFix(into.fix, f.fix)
		into.causes += f.causes
	}
	sortFailures(out)
	return out
}

// sortFailures puts the most in the window first; then the most in all,
// the latest, and the first to begin.
func sortFailures(out []failure) {
	slices.SortStableFunc(out, func(a, b failure) int {
		switch {
		case a.inScope != b.inScope:
			return b.inScope - a.inScope
		case len(a.incidents) != len(b.incidents):
			return len(b.incidents) - len(a.incidents)
		case a.lastStart != b.lastStart:
			return cmp.Compare(b.lastStart, a.lastStart)
		}
		return a.anchor - b.anchor
	})
}

// incidentSet is a key for a chronological list of incidents.
func incidentSet(incidents []int32) string {
	b := make([]byte, 0, 4*len(incidents))
	for _, i := range incidents {
		b = append(b, byte(i), byte(i>>8), byte(i>>16), byte(i>>24))
	}
	return string(b)
}

// strongerFix is the more advanced of two fix states.
func strongerFix(a, b string) string {
	rank := map[string]int{FixNone: 0, FixPlanned: 1, FixDone: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// recurrences writes the failures for the report; the first described of
// them get their first description.
func (h *history) recurrences(ctx context.Context, src Source, fs []failure, described int) ([]Recurrence, error) {
	out := make([]Recurrence, len(fs))
	for k, f := range fs {
		rec := Recurrence{Services: []string{}, IDs: make([]int64, len(f.incidents)), InWindow: f.inScope, Categories: []string{}, Fix: f.fix,
			FailureMode: f.mode}
		for j, i := range f.incidents {
			rec.IDs[j] = h.incidents[i].id
			if s := h.services.values[h.incidents[i].service]; !slices.Contains(rec.Services, s) {
				rec.Services = append(rec.Services, s)
			}
		}
		for _, r := range f.records {
			if c := h.texts[r].category; c != noCategory {
				if name := h.categories.values[c]; !slices.Contains(rec.Categories, name) {
					rec.Categories = append(rec.Categories, name)
				}
			}
		}
		out[k] = rec
	}
	texts, err := h.describe(ctx, src, fs[:min(described, len(fs))])
	for k := range texts {
		out[k].Description = texts[k]
	}
	return out, err
}

// describe reads the first description of each failure.
func (h *history) describe(ctx context.Context, src Source, fs []failure) ([]string, error) {
	refs := make([]TextRef, 0, len(fs))
	for _, f := range fs {
		if f.anchor >= 0 {
			a := &h.texts[f.anchor]
			refs = append(refs, TextRef{IncidentID: a.incidentID, Position: a.position})
		}
	}
	if len(fs) == 0 {
		return nil, nil
	}
	found, err := src.Descriptions(ctx, refs)
	out := make([]string, len(fs))
	for k, f := range fs {
		if f.anchor >= 0 {
			a := &h.texts[f.anchor]
			out[k] = found[TextRef{IncidentID: a.incidentID, Position: a.position}]
		} else {
			out[k] = "failure mode " + f.mode // none of its incidents has a cause written
		}
	}
	return out, err
}

// returned is an incident in scope that came back after a fix of the
// failure on an earlier incident.
type returned struct {
	incident, fixed int32 // history indexes
	position        int32 // the fixed text's
	doneAt          int64
	failure         int
}

// returnsAfterFix finds, in each failure, the incidents in scope with a
// known start for which a fix of one of the failure's descriptions on an
// earlier incident was done before they started, with the latest such
// fix. An incident in two failures counts once (the latest fix wins).
func (h *history) returnsAfterFix(fs []failure) []returned {
	byIncident := map[int32]returned{}
	type done struct {
		incident, position int32
		at                 int64
	}
	var earlier []done
	for k, f := range fs {
		earlier = earlier[:0]
		for at := 0; at < len(f.records); {
			i := h.texts[f.records[at]].incident
			inc := &h.incidents[i]
			if inc.inScope && inc.started {
				var best *done
				for e := range earlier {
					if d := &earlier[e]; d.at < inc.startedAt && (best == nil || d.at > best.at) {
						best = d
					}
				}
				if best != nil {
					if prev, seen := byIncident[i]; !seen || best.at > prev.doneAt {
						byIncident[i] = returned{incident: i, fixed: best.incident, position: best.position, doneAt: best.at, failure: k}
					}
				}
			}
			// Then this incident's own fixes join the earlier ones.
			for ; at < len(f.records) && h.texts[f.records[at]].incident == i; at++ {
				rec := &h.texts[f.records[at]]
				for _, fx := range h.fixesOf(rec) {
					if fx.doneAt > 0 {
						earlier = append(earlier, done{incident: i, position: rec.position, at: fx.doneAt})
					}
				}
			}
		}
	}
	out := make([]returned, 0, len(byIncident))
	for _, r := range byIncident {
		out = append(out, r)
	}
	// The latest first.
	slices.SortFunc(out, func(a, b returned) int {
		x, y := &h.incidents[a.incident], &h.incidents[b.incident]
		if x.startedAt != y.startedAt {
			return cmp.Compare(y.startedAt, x.startedAt)
		}
		return cmp.Compare(y.id, x.id)
	})
	return out
}

// returnsSection writes the returns: every id, and the latest listed with
// the incident whose fix did not hold and the fix.
func (h *history) returnsSection(ctx context.Context, src Source, found []returned, listed int) (Returns, error) {
	out := Returns{IDs: make([]int64, len(found)), Count: len(found), Items: []Return{}}
	for k, r := range found {
		out.IDs[k] = h.incidents[r.incident].id
	}
	slices.Sort(out.IDs)
	found = found[:min(listed, len(found))]
	var ids []int64
	fixes := make([]FixRef, len(found))
	for k, r := range found {
		ids = append(ids, h.incidents[r.incident].id, h.incidents[r.fixed].id)
		fixes[k] = FixRef{IncidentID: h.incidents[r.fixed].id, Addresses: addressesOf(r.position), DoneAt: r.doneAt}
	}
	refs, err := src.IncidentRefs(ctx, ids)
	if err != nil {
		return Returns{}, err
	}
	titles, err := src.FixTitles(ctx, fixes)
	if err != nil {
		return Returns{}, err
	}
	for k, r := range found {
		out.Items = append(out.Items, Return{
			Incident: refs[h.incidents[r.incident].id], Repeats: refs[h.incidents[r.fixed].id],
			Fix: Fix{ActionItem: titles[fixes[k]], Addresses: fixes[k].Addresses, DoneAt: time.Unix(r.doneAt, 0).UTC()},
		})
	}
	return out, nil
}

// addressesOf is the action-item reference of a text position.
func addressesOf(position int32) string {
	if position < 0 {
		return "primary_cause"
	}
	return "contributing_factors[" + strconv.Itoa(int(position)) + "]"
}

// recurringGaps finds the detection gaps listed on two or more incidents
// of one failure, the most incidents first.
func (h *history) recurringGaps(fs []failure, recs []Recurrence) []RecurringGap {
	out := []RecurringGap{} // [] in the JSON when there is none, as every list
	for k, f := range fs {
		byGap := map[uint32][]int64{}
		var order []uint32
		for _, i := range f.incidents {
			lo, _ := slices.BinarySearchFunc(h.gaps, i, func(x categoryHit, i int32) int { return cmp.Compare(x.incident, i) })
			for ; lo < len(h.gaps) && h.gaps[lo].incident == i; lo++ {
				c := h.gaps[lo].category
				if _, ok := byGap[c]; !ok {
					order = append(order, c)
				}
				byGap[c] = append(byGap[c], h.incidents[i].id)
			}
		}
		// Category ids follow the order the store streamed them in, names
		// do not: the same history gives the same report on every backend.
		slices.SortFunc(order, func(a, b uint32) int {
			return strings.Compare(h.categories.values[a], h.categories.values[b])
		})
		for _, c := range order {
			if ids := byGap[c]; len(ids) > 1 {
				out = append(out, RecurringGap{Category: h.categories.values[c], IDs: ids, Services: recs[k].Services, Description: recs[k].Description})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b RecurringGap) int { return len(b.IDs) - len(a.IDs) })
	return out
}
