package report

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"
)

// DefaultRecent is how many recent incidents a service history lists.
const DefaultRecent = 10

// ServiceHistory is the history and patterns of one service, and what
// depends on it. Its JSON fields extend the service's own (key, name,
// depends_on, dependents, industries) in GET /api/v1/services/{key}.
type ServiceHistory struct {
	Incidents       int           `json:"incidents"`
	RecentIncidents []IncidentRef `json:"recent_incidents"`
	ByOutageType    []Count       `json:"by_outage_type"`
	ByCauseCategory []Count       `json:"by_cause_category"`
	// ByMonthAndOutageType: as in the pattern report.
	ByMonthAndOutageType []MonthCount `json:"by_month_and_outage_type"`
	TimeToResolve        Durations    `json:"time_to_resolve"`
	// TimeToResolveBySeverity has one entry per severity with incidents.
	TimeToResolveBySeverity []GroupDurations `json:"time_to_resolve_by_severity"`
	// RecurringCauses are the failures that came back on the service (see
	// Report.Recurring).
	RecurringCauses []Recurrence `json:"recurring_causes"`
	// DependsOnAll is every service this one needs, directly (depth 1) or
	// through others; DependentsAll every service that needs it: the blast
	// radius of an outage. IndustriesAffected are the industries of the
	// service and of all its dependents.
	DependsOnAll       []ServiceLink  `json:"depends_on_all"`
	DependentsAll      []ServiceLink  `json:"dependents_all"`
	IndustriesAffected []IndustryLink `json:"industries_affected"`
}

// History computes the history of the service with the given key (the
// caller has checked that it exists). recent caps the recent incidents;
// 0 means DefaultRecent.
func History(ctx context.Context, src Source, key string, recent int) (*ServiceHistory, error) {
	if recent <= 0 {
		recent = DefaultRecent
	}
	p := (&Params{Service: key}).withDefaults()
	in := p.windowScope()
	catalogue, err := src.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	graph := newGraph(catalogue)
	s := &ServiceHistory{}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { s.RecentIncidents, err = src.RecentIncidents(gctx, key, recent); return err })
	g.Go(func() (err error) { s.ByOutageType, err = src.CountOutageTypes(gctx, in); return err })
	g.Go(func() error {
		rows, err := src.CountBySeverityMethodAndCause(gctx, in)
		var cause tally
		for _, row := range rows {
			cause.add(orNone(row.Cause), row.N)
			s.Incidents += row.N
		}
		s.ByCauseCategory = cause.counts()
		return err
	})
	g.Go(func() (err error) { s.ByMonthAndOutageType, err = monthsByOutageType(gctx, src, in); return err })
	g.Go(func() error {
		groups, err := readDurations(gctx, src, in)
		if err != nil {
			return err
		}
		bySeverity := groups.bySeverity()
		s.TimeToResolve = overall(bySeverity)[resolve].summary()
		s.TimeToResolveBySeverity = groupList(bySeverity, resolve)
		sortBySeverity(s.TimeToResolveBySeverity)
		return nil
	})
	g.Go(func() error {
		h, err := readHistory(gctx, src, p.passScope(graph), p.inWindow)
		if err != nil {
			return err
		}
		found, err := h.withModeFailures(gctx, src, p.passScope(graph), h.failures(newMatcher(h, h.related(graph))))
		if err != nil {
			return err
		}
		s.RecurringCauses, err = h.recurrences(gctx, src, found, p.Groups)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	s.DependsOnAll = graph.reach(key, graph.dependsOn)
	s.DependentsAll = graph.reach(key, graph.dependents)
	s.IndustriesAffected = graph.industriesHit(key, s.DependentsAll)
	return s, nil
}

// sortBySeverity orders groups SEV1 first, unset last.
func sortBySeverity(list []GroupDurations) {
	slices.SortFunc(list, func(a, b GroupDurations) int { return severityRank(a.Key) - severityRank(b.Key) })
}
