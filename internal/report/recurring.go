package report

import (
	"slices"

	"gorm.io/gorm"
)

// Recurrence kinds.
const (
	// SameCategory: one category came back on one service, as primary
	// cause or contributing factor, in more than one incident.
	SameCategory = "same_category"
	// SimilarDescription: causes or factors of several incidents read
	// near-identically (see similar.go).
	SimilarDescription = "similar_description"
)

// Recurrence is a cause or factor that comes back, with the incidents it
// links (the most recent first, at most Params.Linked of them).
type Recurrence struct {
	Kind string `json:"kind"`
	// Service is set for same_category; Services lists every service the
	// linked incidents are on (display names).
	Service  string   `json:"service,omitempty"`
	Services []string `json:"services"`
	// Category is the shared category (same_category), or the categories
	// of the similar descriptions, in order of first appearance.
	Category   string   `json:"category,omitempty"`
	Categories []string `json:"categories,omitempty"`
	// Description is the first-seen text of a similar_description group.
	Description string `json:"description,omitempty"`
	// Count is how many distinct incidents the group links; AsCause and
	// AsFactor split them by role (an incident may count in both).
	Count     int              `json:"count"`
	AsCause   int              `json:"as_cause"`
	AsFactor  int              `json:"as_factor"`
	Incidents []LinkedIncident `json:"incidents"`
}

// LinkedIncident is an incident in a recurrence group, with the role the
// category or description plays in it.
type LinkedIncident struct {
	IncidentRef
	Role string `json:"role"` // "cause", "factor" or "cause+factor"
}

// RecurringTotal counts every recurrence group, including those beyond the
// Params.Groups listed.
type RecurringTotal struct {
	SameCategory       int `json:"same_category"`
	SimilarDescription int `json:"similar_description"`
}

// recurringCategories finds the categories that came back on a service
// (as primary cause or factor of more than one incident): the largest
// groups first, at most limit, each with its most recent linked incidents;
// and how many groups there are in all.
func recurringCategories(db *gorm.DB, h *history, limit, linked int) ([]Recurrence, int, error) {
	type hit struct {
		service, category uint32
		incident          int32
		cause             bool
	}
	hits := make([]hit, 0, len(h.incidents)+len(h.factors))
	for k, inc := range h.incidents {
		if inc.cause != noCategory {
			hits = append(hits, hit{inc.service, inc.cause, int32(k), true})
		}
	}
	for _, f := range h.factors {
		hits = append(hits, hit{h.incidents[f.incident].service, f.category, f.incident, false})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		switch {
		case a.service != b.service:
			return cmpInt(a.service, b.service)
		case a.category != b.category:
			return cmpInt(a.category, b.category)
		}
		return cmpInt(a.incident, b.incident)
	})

	type member struct {
		incident      int32
		cause, factor bool
	}
	type group struct {
		service, category uint32
		members           []member
		causes, factors   int
	}
	var groups []group
	for start := 0; start < len(hits); {
		end := start
		for end < len(hits) && hits[end].service == hits[start].service && hits[end].category == hits[start].category {
			end++
		}
		g := group{service: hits[start].service, category: hits[start].category}
		for _, x := range hits[start:end] {
			if n := len(g.members); n == 0 || g.members[n-1].incident != x.incident {
				g.members = append(g.members, member{incident: x.incident})
			}
			m := &g.members[len(g.members)-1]
			m.cause, m.factor = m.cause || x.cause, m.factor || !x.cause
		}
		if len(g.members) > 1 {
			for _, m := range g.members {
				if m.cause {
					g.causes++
				}
				if m.factor {
					g.factors++
				}
			}
			groups = append(groups, g)
		}
		start = end
	}

	names, err := serviceNames(db)
	if err != nil {
		return nil, 0, err
	}
	name := func(g group) string { return names[h.services.values[g.service]] }
	slices.SortFunc(groups, func(a, b group) int {
		switch {
		case len(a.members) != len(b.members):
			return len(b.members) - len(a.members)
		case name(a) != name(b):
			return compareStrings(name(a), name(b))
		}
		return compareStrings(h.categories.values[a.category], h.categories.values[b.category])
	})
	total := len(groups)
	groups = groups[:min(limit, total)]

	out := make([]Recurrence, len(groups))
	var ids []int64
	for k, g := range groups {
		// The most recent first.
		slices.SortFunc(g.members, func(a, b member) int {
			x, y := h.incidents[a.incident], h.incidents[b.incident]
			if x.sortAt != y.sortAt {
				return cmpInt(y.sortAt, x.sortAt)
			}
			return cmpInt(y.id, x.id)
		})
		out[k] = Recurrence{Kind: SameCategory, Service: name(g), Services: []string{name(g)},
			Category: h.categories.values[g.category], Count: len(g.members),
			AsCause: g.causes, AsFactor: g.factors, Incidents: []LinkedIncident{}}
		for _, m := range g.members[:min(linked, len(g.members))] {
			id := h.incidents[m.incident].id
			ids = append(ids, id)
			out[k].Incidents = append(out[k].Incidents, LinkedIncident{IncidentRef: IncidentRef{ID: id}, Role: role(m.cause, m.factor)})
		}
	}
	refs, err := incidentRefs(db, ids)
	if err != nil {
		return nil, 0, err
	}
	for k := range out {
		for j := range out[k].Incidents {
			out[k].Incidents[j].IncidentRef = refs[out[k].Incidents[j].ID]
		}
	}
	return out, total, nil
}

func role(asCause, asFactor bool) string {
	switch {
	case asCause && asFactor:
		return "cause+factor"
	case asCause:
		return "cause"
	}
	return "factor"
}
