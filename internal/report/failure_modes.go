package report

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// FailureModes is what the report learns from the failure modes incidents
// link: which known risks materialised in the window, which of those
// nobody has mitigated (the risks that are hurting), which came back
// after they were marked mitigated (a mitigation that did not hold), and
// how many incidents match no known mode (the catalogue's blind spots).
type FailureModes struct {
	// Materialised lists each known mode linked by an incident in the
	// window, the most often first, with those incidents.
	Materialised []ModeUse `json:"materialised"`
	// Unmitigated are the materialised modes whose status is unmitigated.
	Unmitigated []ModeUse `json:"unmitigated"`
	// ReturnedAfterMitigation are the modes that materialised in the
	// window in an incident that started while the mode was marked
	// mitigated; Incidents lists only those incidents.
	ReturnedAfterMitigation []ModeReturn `json:"returned_after_mitigation"`
	// Uncatalogued counts the incidents in the window linked to no known
	// failure mode; UncataloguedByService splits them by service (display
	// name), the most first.
	Uncatalogued          int     `json:"uncatalogued"`
	UncataloguedByService []Count `json:"uncatalogued_by_service"`
}

// ModeUse is a failure mode and the incidents in which it materialised.
type ModeUse struct {
	ServiceKey string                     `json:"service_key"`
	Slug       string                     `json:"slug"`
	Title      string                     `json:"title"`
	Status     incident.FailureModeStatus `json:"status"`
	Count      int                        `json:"count"`
	Incidents  []int64                    `json:"incidents"`
}

// ModeReturn is a mode that materialised while it was marked mitigated:
// MitigatedAt is when it was marked so, before the first of Incidents.
type ModeReturn struct {
	ModeUse
	MitigatedAt time.Time `json:"mitigated_at"`
}

// ModeLink is one incident's link to a failure mode, as the report reads
// it: the incident, when it started (unix seconds; Started is false when
// the start is unknown) and the mode (its service's key and slug).
type ModeLink struct {
	IncidentID int64
	StartedAt  int64
	Started    bool
	ServiceKey string
	Slug       string
}

// modeKey identifies a failure mode.
type modeKey struct{ service, slug string }

// failureModeSection computes the section from the links of the incidents
// in the window and every failure mode they may name (with histories).
// uncatalogued is the count of in-window incidents without a link, by
// service display name.
func failureModeSection(modes []incident.FailureMode, links []ModeLink, uncatalogued []Count) FailureModes {
	known := make(map[modeKey]*incident.FailureMode, len(modes))
	for i := range modes {
		known[modeKey{modes[i].ServiceKey, modes[i].Slug}] = &modes[i]
	}
	uses := map[modeKey]*ModeUse{}
	returns := map[modeKey]*ModeReturn{}
	for _, l := range links {
		k := modeKey{l.ServiceKey, l.Slug}
		m := known[k]
		if m == nil {
			continue // deleted since; a link keeps its mode, so this cannot be
		}
		u := uses[k]
		if u == nil {
			u = &ModeUse{ServiceKey: m.ServiceKey, Slug: m.Slug, Title: m.Title, Status: m.Status}
			uses[k] = u
		}
		u.Incidents = append(u.Incidents, l.IncidentID)
		if !l.Started {
			continue
		}
		started := time.Unix(l.StartedAt, 0).UTC()
		if m.StatusAt(started) != incident.ModeMitigated {
			continue
		}
		r := returns[k]
		if r == nil {
			r = &ModeReturn{ModeUse: ModeUse{ServiceKey: m.ServiceKey, Slug: m.Slug, Title: m.Title, Status: m.Status}}
			returns[k] = r
		}
		r.Incidents = append(r.Incidents, l.IncidentID)
		if at := mitigatedSince(m, started); r.MitigatedAt.IsZero() || at.Before(r.MitigatedAt) {
			r.MitigatedAt = at
		}
	}
	out := FailureModes{Materialised: []ModeUse{}, Unmitigated: []ModeUse{}, ReturnedAfterMitigation: []ModeReturn{},
		UncataloguedByService: uncatalogued}
	for _, u := range uses {
		finishUse(u)
		out.Materialised = append(out.Materialised, *u)
	}
	sortUses(out.Materialised)
	for _, u := range out.Materialised {
		if u.Status == incident.ModeUnmitigated {
			out.Unmitigated = append(out.Unmitigated, u)
		}
	}
	for _, r := range returns {
		finishUse(&r.ModeUse)
		out.ReturnedAfterMitigation = append(out.ReturnedAfterMitigation, *r)
	}
	slices.SortFunc(out.ReturnedAfterMitigation, func(a, b ModeReturn) int { return compareUses(&a.ModeUse, &b.ModeUse) })
	for _, c := range uncatalogued {
		out.Uncatalogued += c.Count
	}
	return out
}

// mitigatedSince is when the mode was marked mitigated in the spell of
// that status that covers t.
func mitigatedSince(m *incident.FailureMode, t time.Time) time.Time {
	var since time.Time
	for _, c := range m.History {
		if c.At.After(t) {
			break
		}
		if c.Status != incident.ModeMitigated {
			since = time.Time{}
		} else if since.IsZero() {
			since = c.At
		}
	}
	return since
}

func finishUse(u *ModeUse) {
	slices.Sort(u.Incidents)
	u.Incidents = slices.Compact(u.Incidents)
	u.Count = len(u.Incidents)
}

func sortUses(list []ModeUse) {
	slices.SortFunc(list, func(a, b ModeUse) int { return compareUses(&a, &b) })
}

// compareUses orders the most frequent first, then by service and slug.
func compareUses(a, b *ModeUse) int {
	return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ServiceKey, b.ServiceKey), cmp.Compare(a.Slug, b.Slug))
}

// failureModeReport reads what the section needs: every mode with its
// history, the links of the window's incidents, and the incidents that
// link none.
func failureModeReport(ctx context.Context, src Source, in Scope) (FailureModes, error) {
	modes, err := src.EveryFailureMode(ctx)
	if err != nil {
		return FailureModes{}, err
	}
	var links []ModeLink
	if err := src.EachModeLink(ctx, in, func(l *ModeLink) { links = append(links, *l) }); err != nil {
		return FailureModes{}, err
	}
	unlinked, err := src.CountUnlinked(ctx, in)
	if err != nil {
		return FailureModes{}, err
	}
	return failureModeSection(modes, links, unlinked), nil
}

// withModeFailures adds to the failures found by their words those that
// the incidents say are one: two incidents or more of the pass (one of
// them in scope) that link the same failure mode are the same failure come
// back, whatever their write-ups say. A failure found by words whose
// incidents all link the mode joins it, so that it is told once, with the
// records, the fix and the description it brings.
func (h *history) withModeFailures(ctx context.Context, src Source, pass Scope, found []failure) ([]failure, error) {
	byMode := map[modeKey][]int32{}
	var order []modeKey
	err := src.EachModeLink(ctx, pass, func(l *ModeLink) {
		i, ok := h.byID.find(l.IncidentID)
		if !ok {
			return
		}
		k := modeKey{l.ServiceKey, l.Slug}
		if _, seen := byMode[k]; !seen {
			order = append(order, k)
		}
		byMode[k] = append(byMode[k], int32(i))
	})
	if err != nil || len(byMode) == 0 {
		return found, err
	}
	causeOf := make(map[int32]int, len(h.texts)) // incident → its primary cause's record
	for r := range h.texts {
		if h.texts[r].position < 0 {
			causeOf[h.texts[r].incident] = r
		}
	}
	slices.SortFunc(order, func(a, b modeKey) int { return cmp.Or(cmp.Compare(a.service, b.service), cmp.Compare(a.slug, b.slug)) })
	absorbed := make([]bool, len(found))
	var added []failure
	for _, k := range order {
		incs := byMode[k]
		slices.SortFunc(incs, func(a, b int32) int {
			return cmp.Or(cmp.Compare(h.incidents[a].sortAt, h.incidents[b].sortAt), cmp.Compare(h.incidents[a].id, h.incidents[b].id))
		})
		incs = slices.Compact(incs)
		f := failure{anchor: -1, mode: k.service + "/" + k.slug, incidents: incs, fix: FixNone}
		for _, i := range incs {
			inc := &h.incidents[i]
			if inc.inScope {
				f.inScope++
			}
			f.lastStart = max(f.lastStart, inc.sortAt)
			if r, ok := causeOf[i]; ok {
				f.records = append(f.records, r)
				f.causes++
			}
		}
		if len(incs) < 2 || f.inScope == 0 {
			continue
		}
		for j := range found {
			if !absorbed[j] && subset(found[j].incidents, incs) {
				absorbed[j] = true
				f.records = append(f.records, found[j].records...)
				f.fix = strongerFix(f.fix, found[j].fix)
			}
		}
		slices.Sort(f.records)
		f.records = slices.Compact(f.records)
		slices.SortFunc(f.records, func(a, b int) int { return h.chronological(h.texts[a], h.texts[b]) })
		for _, r := range f.records {
			for _, fx := range h.fixesOf(&h.texts[r]) {
				if fx.doneAt > 0 {
					f.fix = FixDone
				} else {
					f.fix = strongerFix(f.fix, FixPlanned)
				}
			}
		}
		if len(f.records) > 0 {
			f.anchor = f.records[0]
		}
		added = append(added, f)
	}
	out := added
	for j, f := range found {
		if !absorbed[j] {
			out = append(out, f)
		}
	}
	sortFailures(out)
	return out, nil
}

// subset reports whether every incident of a is in b; both are
// chronological lists of distinct incidents.
func subset(a, b []int32) bool {
	for _, i := range a {
		if !slices.Contains(b, i) {
			return false
		}
	}
	return true
}
