package report

import (
	"database/sql"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Returns are the incidents that came back on the same service with the
// same primary cause category after a preventive action item for that cause
// on an earlier incident was marked done: the fix did not hold.
type Returns struct {
	Count int `json:"count"`
	// ByServiceAndCause counts them per service and cause category, the
	// most first (at most Params.Groups): where fixes keep failing.
	ByServiceAndCause []ReturnPair `json:"by_service_and_cause"`
	Items             []Return     `json:"items"` // most recent first, at most Params.Groups
}

// ReturnPair is how many incidents came back after a fix on one service
// with one cause category.
type ReturnPair struct {
	Service   string `json:"service"`
	Category  string `json:"category"`
	Incidents int    `json:"incidents"`
}

// Return is one incident that came back after a fix.
type Return struct {
	Incident IncidentRef `json:"incident"`
	Service  string      `json:"service"`
	Category string      `json:"category"`
	Fix      Fix         `json:"fix"`
}

// Fix is the preventive action item that was done before the incident came
// back (the last one done before it started).
type Fix struct {
	Incident   IncidentRef `json:"incident"`
	ActionItem string      `json:"action_item"`
	DoneAt     time.Time   `json:"done_at"`
}

// The fixes of a cause are the preventive action items marked done that
// address the primary cause, or do not say what they address (one that
// names a factor or a gap fixes something else). They are not limited to
// the window: a fix done before the window began that failed within it is
// exactly what the report is for.
//
// fixTimesSQL reads them from the action_items_fixes index alone, and
// fixedIncidentsSQL the service and cause of every incident from the
// incidents_report index; Go joins the two on the incident id. Joining in
// SQL would cost a search of the incidents table per fix.
const (
	fixTimesSQL = `
SELECT a.incident_id, a.done_at FROM action_items a
WHERE a.kind = 'prevent' AND a.status = 'done' AND a.addresses IN ('primary_cause', '')
	AND a.done_at IS NOT NULL`
	fixedIncidentsSQL = `
SELECT i.id, i.service_key, i.cause_category FROM incidents AS i
WHERE %s AND i.cause_category <> ''`
)

// fixDetailSQL finds the fix done at a given time on a service and cause
// category, for the few returns a report lists.
const fixDetailSQL = `
SELECT a.incident_id, a.title
FROM action_items a JOIN incidents AS e ON e.id = a.incident_id
WHERE a.kind = 'prevent' AND a.status = 'done' AND a.done_at = ?
	AND a.addresses IN ('primary_cause', '') AND e.service_key = ? AND e.cause_category = ?
ORDER BY a.incident_id DESC, a.position
LIMIT 1`

// fixes holds, per service and cause category, when its fixes were done,
// in order.
type fixes struct {
	services, categories interned
	times                map[[2]uint32][]int64
}

// at returns the fix times of a service key and category.
func (f *fixes) at(service, category string) []int64 {
	s, ok1 := f.services.index[service]
	c, ok2 := f.categories.index[category]
	if !ok1 || !ok2 {
		return nil
	}
	return f.times[[2]uint32{s, c}]
}

// readFixes reads the fix times of the services in scope.
func readFixes(db *gorm.DB, p *Params) (*fixes, error) {
	type cause struct{ service, category uint32 }
	f := &fixes{times: map[[2]uint32][]int64{}}
	causes := map[int64]cause{}
	service := p.serviceScope()
	var id, at int64
	var key, category sql.RawBytes
	err := eachRow(db, fmt.Sprintf(fixedIncidentsSQL, service.cond), service.args, []any{&id, &key, &category}, func() {
		causes[id] = cause{f.services.id(key), f.categories.id(category)}
	})
	if err != nil {
		return nil, err
	}
	err = eachRow(db, fixTimesSQL, nil, []any{&id, &at}, func() {
		if c, ok := causes[id]; ok {
			k := [2]uint32{c.service, c.category}
			f.times[k] = append(f.times[k], at)
		}
	})
	for _, list := range f.times {
		slices.Sort(list)
	}
	return f, err
}

// returnsAfterFix finds the incidents in scope with a start and a primary
// cause for which a fix on the same service and category was done strictly
// before they started, and reports the latest such fix. One binary search
// in the fix times of that (service, category) per incident: n log n, where
// a join of incidents with earlier incidents would grow with the square of
// the incidents per pair. The most recent returns come first.
func returnsAfterFix(db *gorm.DB, h *history, all *fixes, limit int) (Returns, error) {
	type match struct {
		incident int
		fixedAt  int64
	}
	var found []match
	for k, inc := range h.incidents {
		if !inc.startedAt.Valid || inc.cause == noCategory {
			continue
		}
		times := all.at(h.services.values[inc.service], h.categories.values[inc.cause])
		// The first fix done at or after the start; the one before it is
		// the latest done strictly before.
		if i, _ := slices.BinarySearch(times, inc.startedAt.Int64); i > 0 {
			found = append(found, match{k, times[i-1]})
		}
	}
	slices.SortFunc(found, func(a, b match) int {
		x, y := h.incidents[a.incident], h.incidents[b.incident]
		if x.startedAt.Int64 != y.startedAt.Int64 {
			return cmpInt(y.startedAt.Int64, x.startedAt.Int64)
		}
		return cmpInt(y.id, x.id)
	})
	out := Returns{Count: len(found), Items: []Return{}, ByServiceAndCause: []ReturnPair{}}
	pairs := map[[2]uint32]int{}
	for _, m := range found {
		inc := h.incidents[m.incident]
		pairs[[2]uint32{inc.service, inc.cause}]++
	}
	names, err := serviceNames(db)
	if err != nil {
		return Returns{}, err
	}
	for k, n := range pairs {
		out.ByServiceAndCause = append(out.ByServiceAndCause,
			ReturnPair{Service: names[h.services.values[k[0]]], Category: h.categories.values[k[1]], Incidents: n})
	}
	slices.SortFunc(out.ByServiceAndCause, func(a, b ReturnPair) int {
		switch {
		case a.Incidents != b.Incidents:
			return b.Incidents - a.Incidents
		case a.Service != b.Service:
			return compareStrings(a.Service, b.Service)
		}
		return compareStrings(a.Category, b.Category)
	})
	out.ByServiceAndCause = out.ByServiceAndCause[:min(limit, len(out.ByServiceAndCause))]
	found = found[:min(limit, len(found))]
	var ids []int64
	details := make([]struct {
		IncidentID int64
		Title      string
	}, len(found))
	for k, m := range found {
		inc := h.incidents[m.incident]
		err := db.Raw(fixDetailSQL, m.fixedAt, h.services.values[inc.service], h.categories.values[inc.cause]).
			Scan(&details[k]).Error
		if err != nil {
			return Returns{}, err
		}
		ids = append(ids, inc.id, details[k].IncidentID)
	}
	refs, err := incidentRefs(db, ids)
	if err != nil {
		return Returns{}, err
	}
	for k, m := range found {
		inc := h.incidents[m.incident]
		ref := refs[inc.id]
		out.Items = append(out.Items, Return{Incident: ref, Service: ref.Service, Category: h.categories.values[inc.cause],
			Fix: Fix{Incident: refs[details[k].IncidentID], ActionItem: details[k].Title, DoneAt: time.Unix(m.fixedAt, 0).UTC()}})
	}
	return out, nil
}
