package report

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
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
	// RecurringCauses: categories that came back on the service, then
	// near-identical descriptions (see Report.Recurring).
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
func History(ctx context.Context, db *gorm.DB, key string, recent int) (*ServiceHistory, error) {
	if recent <= 0 {
		recent = DefaultRecent
	}
	p := (&Params{Service: key}).withDefaults()
	in := p.serviceScope()
	s := &ServiceHistory{}
	g, gctx := errgroup.WithContext(ctx)
	db = db.WithContext(gctx)
	g.Go(func() (err error) { s.Incidents, err = countIncidents(db, in); return err })
	g.Go(func() (err error) { s.RecentIncidents, err = recentIncidents(db, key, recent); return err })
	g.Go(func() (err error) {
		from, sc := in.over("incident_outage_types o", "o")
		s.ByOutageType, err = countBy(db, sc, from, "o.outage_type")
		return err
	})
	g.Go(func() (err error) {
		s.ByCauseCategory, err = countBy(db, in, incidentsOnly, orNone("i.cause_category"))
		return err
	})
	g.Go(func() (err error) { s.ByMonthAndOutageType, err = monthsByOutageType(db, in); return err })
	g.Go(func() error {
		bySeverity, err := readDurations(db, in, orNone("i.severity"))
		if err != nil {
			return err
		}
		s.TimeToResolve = overall(bySeverity)[resolve].summary()
		s.TimeToResolveBySeverity = groupList(bySeverity, resolve)
		sortBySeverity(s.TimeToResolveBySeverity)
		return nil
	})
	g.Go(func() error {
		h, err := readHistory(db, in)
		if err != nil {
			return err
		}
		same, _, err := recurringCategories(db, h, p.Groups, p.Linked)
		if err != nil {
			return err
		}
		similar, _, err := similarDescriptions(db, h, p.Groups, p.Linked)
		s.RecurringCauses = append(same, similar...)
		return err
	})
	g.Go(func() error {
		graph, err := readGraph(db)
		if err != nil {
			return err
		}
		s.DependsOnAll = graph.reach(key, graph.dependsOn)
		s.DependentsAll = graph.reach(key, graph.dependents)
		s.IndustriesAffected = graph.industriesHit(key, s.DependentsAll)
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return s, nil
}

func recentIncidents(db *gorm.DB, key string, limit int) ([]IncidentRef, error) {
	var rows []struct {
		ID                      int64
		Title, Severity, Status string
		StartedAt               *int64
	}
	err := db.Table(incidentsOnly).Select("i.id, i.title, i.severity, i.status, i.started_at").
		Where("i.service_key = ?", key).Order("i.sort_at DESC, i.id DESC").Limit(limit).Scan(&rows).Error
	out := make([]IncidentRef, len(rows))
	for k, r := range rows {
		out[k] = IncidentRef{ID: r.ID, Title: r.Title, Severity: r.Severity, Status: r.Status, StartedAt: timeOrNil(r.StartedAt)}
	}
	return out, err
}

// sortBySeverity orders groups SEV1 first, unset last.
func sortBySeverity(list []GroupDurations) {
	slices.SortFunc(list, func(a, b GroupDurations) int { return severityRank(a.Key) - severityRank(b.Key) })
}
