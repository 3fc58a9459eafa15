package report

import (
	"slices"
	"strings"

	"gorm.io/gorm"
)

// similarDescriptions turns the near-identical groups that span more than
// one incident into recurrences: the largest (by incidents) first, at most
// limit, each with its most recent linked incidents; and how many there are.
func similarDescriptions(db *gorm.DB, h *history, limit, linked int) ([]Recurrence, int, error) {
	var anchors []textRecord
	var out []Recurrence
	for _, g := range clusterSimilar(h.texts, h.arena, h.wordHashes) {
		if rec := h.describe(g, linked); rec.Count > 1 {
			anchors = append(anchors, h.texts[g.anchor])
			out = append(out, rec)
		}
	}
	// Largest first; equal, the one that began earlier (groups are made in
	// the order of their anchors, and the sort is stable).
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return out[b].Count - out[a].Count })
	total := len(order)
	order = order[:min(limit, total)]
	top, topAnchors := make([]Recurrence, len(order)), make([]textRecord, len(order))
	for i, k := range order {
		top[i], topAnchors[i] = out[k], anchors[k]
	}
	return top, total, fillGroupDetails(db, topAnchors, top)
}

// describe sums up a group from its records: incidents, roles, services
// (as keys, named later), categories and the most recent linked incidents
// (ids, filled later).
func (h *history) describe(g similarGroup, linked int) Recurrence {
	rec := Recurrence{Kind: SimilarDescription, Services: []string{}, Incidents: []LinkedIncident{}}
	type roles struct{ cause, factor bool }
	byIncident := make(map[int64]roles, len(g.members))
	var order []int64 // chronological
	for _, m := range g.members {
		r := h.texts[m]
		got, seen := byIncident[r.incidentID]
		if !seen {
			order = append(order, r.incidentID)
		}
		if r.position < 0 {
			got.cause = true
		} else {
			got.factor = true
		}
		byIncident[r.incidentID] = got
		if s := h.services.values[r.service]; !slices.Contains(rec.Services, s) {
			rec.Services = append(rec.Services, s)
		}
		if r.category != noCategory {
			if k := h.categories.values[r.category]; !slices.Contains(rec.Categories, k) {
				rec.Categories = append(rec.Categories, k)
			}
		}
	}
	rec.Count = len(order)
	for _, id := range order {
		if byIncident[id].cause {
			rec.AsCause++
		}
		if byIncident[id].factor {
			rec.AsFactor++
		}
	}
	if len(rec.Services) == 1 {
		rec.Service = rec.Services[0]
	}
	for k := len(order) - 1; k >= 0 && len(rec.Incidents) < linked; k-- {
		id := order[k]
		rec.Incidents = append(rec.Incidents, LinkedIncident{IncidentRef: IncidentRef{ID: id},
			Role: role(byIncident[id].cause, byIncident[id].factor)})
	}
	return rec
}

// fillGroupDetails sets each group's Description to its anchor's text,
// its services from keys to display names, and the titles and dates of its
// linked incidents.
func fillGroupDetails(db *gorm.DB, anchors []textRecord, out []Recurrence) error {
	if len(anchors) == 0 {
		return nil
	}
	var conds []string
	var args []any
	var ids []int64
	for i, r := range anchors {
		conds = append(conds, "(?, ?)")
		args = append(args, r.incidentID, r.position)
		for _, l := range out[i].Incidents {
			ids = append(ids, l.ID)
		}
	}
	var texts []struct {
		IncidentID int64
		Position   int32
		Text       string
	}
	err := db.Raw(`
WITH anchors(incident_id, position) AS (VALUES `+strings.Join(conds, ", ")+`)
SELECT a.incident_id, a.position, COALESCE(f.description, i.cause_description) AS text
FROM anchors a
JOIN incidents AS i ON i.id = a.incident_id
LEFT JOIN findings f ON a.position >= 0 AND f.incident_id = a.incident_id AND f.kind = 'factor' AND f.position = a.position`,
		args...).Scan(&texts).Error
	if err != nil {
		return err
	}
	byAnchor := map[[2]int64]string{}
	for _, t := range texts {
		byAnchor[[2]int64{t.IncidentID, int64(t.Position)}] = t.Text
	}
	names, err := serviceNames(db)
	if err != nil {
		return err
	}
	refs, err := incidentRefs(db, ids)
	if err != nil {
		return err
	}
	for i, r := range anchors {
		rec := &out[i]
		rec.Description = byAnchor[[2]int64{r.incidentID, int64(r.position)}]
		for j, key := range rec.Services {
			rec.Services[j] = names[key]
		}
		if rec.Service != "" {
			rec.Service = rec.Services[0]
		}
		for j := range rec.Incidents {
			l := &rec.Incidents[j]
			l.IncidentRef = refs[l.ID]
		}
	}
	return nil
}
