package report

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
)

// Report is the pattern report. Its JSON names are the API contract
// (PRODUCT.md, "Pattern report"); fields beyond the contract's are additions.
type Report struct {
	Window  Window `json:"window"`
	Service string `json:"service,omitempty"` // the filter's display name
	AsOf    string `json:"as_of"`             // reference day for "overdue", YYYY-MM-DD

	Incidents int `json:"incidents"`

	ByService         []Count `json:"by_service"`
	BySeverity        []Count `json:"by_severity"`
	ByOutageType      []Count `json:"by_outage_type"`
	ByTag             []Count `json:"by_tag"`
	ByCauseCategory   []Count `json:"by_cause_category"`
	ByFactorCategory  []Count `json:"by_factor_category"`
	ByGapCategory     []Count `json:"by_gap_category"`
	ByDetectionMethod []Count `json:"by_detection_method"`
	ByMonth           []Count `json:"by_month"`
	// ByMonthAndOutageType splits by_month by outage type.
	ByMonthAndOutageType []MonthCount `json:"by_month_and_outage_type"`

	TimeToDetect   Durations `json:"time_to_detect"`
	TimeToMitigate Durations `json:"time_to_mitigate"`
	TimeToResolve  Durations `json:"time_to_resolve"`
	// TimeToResolveBySeverity has one entry per severity with incidents,
	// SEV1 first.
	TimeToResolveBySeverity []GroupDurations `json:"time_to_resolve_by_severity"`

	Recurring        []Recurrence   `json:"recurring"`
	RecurringGroups  RecurringTotal `json:"recurring_groups"`
	ReturnedAfterFix Returns        `json:"returned_after_fix"`
	Detection        Detection      `json:"detection"`
	ActionItems      ActionItems    `json:"action_items"`
	DataQuality      DataQuality    `json:"data_quality"`

	// Findings are short sentences with numbers, computed from the above.
	Findings []string `json:"findings"`
}

// Window is the report's range on started_at; null bounds are open.
type Window struct {
	Since *time.Time `json:"since"`
	Until *time.Time `json:"until"`
}

// Count is one entry of a by_* list.
type Count struct {
	Key   string `json:"key" gorm:"column:label"`
	Count int    `json:"count" gorm:"column:n"`
}

// IncidentRef names an incident in a list.
type IncidentRef struct {
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	Service   string     `json:"service,omitempty"`
	Severity  string     `json:"severity,omitempty"`
	Status    string     `json:"status,omitempty"`
	StartedAt *time.Time `json:"started_at"`
}

// Build computes the report. Its queries are independent; they run
// concurrently on the reader pool, each on its own connection. Each reads
// its own snapshot, so a write landing during a report may show in one
// figure and not yet in another: the price of using every core, which a
// review document can pay.
func Build(ctx context.Context, db *gorm.DB, params Params) (*Report, error) {
	if err := params.check(); err != nil {
		return nil, err
	}
	p := params.withDefaults()
	r := &Report{Window: Window{Since: p.Since, Until: p.Until}, AsOf: p.asOf()}
	if p.Service != "" {
		name, err := serviceName(db.WithContext(ctx), p.Service)
		if err != nil {
			return nil, err
		}
		r.Service = name
	}

	g, gctx := errgroup.WithContext(ctx)
	db = db.WithContext(gctx)
	in := p.windowScope()
	var sameCategory, similar []Recurrence
	var hist *history
	var fixed *fixes
	tasks := []task{
		// The pattern pass is the longest; it starts first and the
		// aggregate queries fill the other cores around it.
		func() error {
			h, err := readHistory(db, in)
			if err != nil {
				return err
			}
			hist = h
			if sameCategory, r.RecurringGroups.SameCategory, err = recurringCategories(db, h, p.Groups, p.Linked); err != nil {
				return err
			}
			if similar, r.RecurringGroups.SimilarDescription, err = similarDescriptions(db, h, p.Groups, p.Linked); err != nil {
				return err
			}
			return nil
		},
		// Fixes are read concurrently with the pass; returns need both.
		func() (err error) { fixed, err = readFixes(db, &p); return err },
		func() error { return durationSection(db, in, r) },
		func() (err error) { r.ByMonthAndOutageType, err = monthsByOutageType(db, in); return err },
		func() (err error) { r.ActionItems, err = actionItems(db, in, p.asOf()); return err },
		func() (err error) {
			r.DataQuality, err = dataQuality(db, &p, p.Since == nil && p.Until == nil)
			return err
		},
	}
	tasks = append(tasks, countSections(db, in, r)...)
	for _, t := range tasks {
		g.Go(t)
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var err error
	if r.ReturnedAfterFix, err = returnsAfterFix(db.WithContext(ctx), hist, fixed, p.Groups); err != nil {
		return nil, err
	}
	r.Recurring = append(sameCategory, similar...)
	r.finishTotals()
	r.Findings = findings(r)
	return r, nil
}
