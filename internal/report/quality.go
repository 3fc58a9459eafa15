package report

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// DataQuality lists the incidents whose timestamps keep them out of some
// figures, so that none is dropped without a trace. Lists are complete.
type DataQuality struct {
	// WithoutStart: no started_at. With no window they are in the counts
	// (but in no month and no duration); with a window they cannot be
	// placed and are in no figure, only here.
	WithoutStart Problems `json:"without_start"`
	// MissingTimestamps: resolved incidents lacking detected_at,
	// mitigated_at or resolved_at.
	MissingTimestamps Problems `json:"missing_timestamps"`
	// Inconsistent: timestamps out of order, or a resolved_at on an
	// incident that is not resolved.
	Inconsistent Problems `json:"inconsistent"`
}

// Problems is a list of incidents with what is wrong with each.
type Problems struct {
	Count     int       `json:"count"`
	Incidents []Problem `json:"incidents"`
}

// Problem is one incident and what is wrong with its data.
type Problem struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	Problem string `json:"problem"`
}

// dataQuality checks the incidents in the window and, under a window, the
// service's incidents without a start.
func dataQuality(ctx context.Context, src Source, p *Params) (DataQuality, error) {
	withoutStartCounted := p.Since == nil && p.Until == nil
	q := DataQuality{
		WithoutStart:      Problems{Incidents: []Problem{}},
		MissingTimestamps: Problems{Incidents: []Problem{}},
		Inconsistent:      Problems{Incidents: []Problem{}},
	}
	var ids []int64
	add := func(list *Problems, id int64, problem string) {
		list.Count++
		list.Incidents = append(list.Incidents, Problem{ID: id, Problem: problem})
		ids = append(ids, id)
	}
	check := func(row *TimestampRow) {
		if row.Stamps[0] == nil {
			problem := "no started_at"
			if !withoutStartCounted {
				problem += "; outside every figure of a windowed report"
			}
			add(&q.WithoutStart, row.ID, problem)
		}
		if missing := missingStamps(row.Status, row.Stamps); missing != "" {
			add(&q.MissingTimestamps, row.ID, missing)
		}
		if wrong := inconsistency(row.Status, row.Stamps); wrong != "" {
			add(&q.Inconsistent, row.ID, wrong)
		}
	}
	// The incidents counted and, under a window, those without a start: two
	// queries, as "in the window OR without a start" would keep the
	// database from using its index for either.
	scopes := []Scope{p.windowScope()}
	if !withoutStartCounted {
		scopes = append(scopes, Scope{Services: p.services(), WithoutStart: true})
	}
	for _, in := range scopes {
		if err := src.EachTimestampProblem(ctx, in, check); err != nil {
			return DataQuality{}, err
		}
	}
	refs, err := src.IncidentRefs(ctx, ids)
	if err != nil {
		return DataQuality{}, err
	}
	for _, list := range []*Problems{&q.WithoutStart, &q.MissingTimestamps, &q.Inconsistent} {
		slices.SortFunc(list.Incidents, func(a, b Problem) int { return cmp.Compare(a.ID, b.ID) })
		for k := range list.Incidents {
			list.Incidents[k].Title = refs[list.Incidents[k].ID].Title
		}
	}
	return q, nil
}

var stampNames = [4]string{"started_at", "detected_at", "mitigated_at", "resolved_at"}

// missingStamps names the later timestamps a resolved incident lacks.
func missingStamps(status string, stamps [4]*int64) string {
	if status != "resolved" {
		return ""
	}
	var missing []string
	for k := 1; k < len(stamps); k++ {
		if stamps[k] == nil {
			missing = append(missing, stampNames[k])
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "resolved without " + strings.Join(missing, ", ")
}

// inconsistency says what contradicts what, or "".
func inconsistency(status string, stamps [4]*int64) string {
	var wrong []string
	for later := 1; later < len(stamps); later++ {
		for earlier := 0; earlier < later; earlier++ {
			if stamps[later] != nil && stamps[earlier] != nil && *stamps[later] < *stamps[earlier] {
				wrong = append(wrong, stampNames[later]+" before "+stampNames[earlier])
			}
		}
	}
	if stamps[3] != nil && status != "resolved" {
		wrong = append(wrong, "resolved_at set but status is "+status)
	}
	return strings.Join(wrong, "; ")
}
