package report

import (
	"cmp"
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
