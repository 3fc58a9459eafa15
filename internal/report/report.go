package report

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
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

	// Recurring lists every failure that came back (near-identical causes
	// or factors on the same service or related ones), the most in the
	// window first; ReturnedAfterFix the incidents that came back after a
	// preventive fix of their failure was done; Hotspots the services and
	// categories failing well above their usual share.
	Recurring        []Recurrence `json:"recurring"`
	ReturnedAfterFix Returns      `json:"returned_after_fix"`
	Hotspots         []Hotspot    `json:"hotspots"`
	Detection        Detection    `json:"detection"`
	ActionItems      ActionItems  `json:"action_items"`
	// FailureModes is what the catalogue's failure modes say of the
	// window: the known ones that materialised, those unmitigated, those
	// that came back while marked mitigated, and the incidents that link
	// none.
	FailureModes FailureModes `json:"failure_modes"`
	DataQuality  DataQuality  `json:"data_quality"`

	// Findings are at most ten sentences, most urgent first, each with the
	// incidents behind it.
	Findings []Finding `json:"findings"`

	names map[string]string // display names by service key, for the markdown
}

// Window is the report's range on started_at; null bounds are open.
type Window struct {
	Since *time.Time `json:"since"`
	Until *time.Time `json:"until"`
}

// Count is one entry of a by_* list.
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
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
// concurrently, each on its own connection of the source. Each reads its
// own snapshot, so a write landing during a report may show in one figure
// and not yet in another: the price of using every core, which a review
// document can pay.
func Build(ctx context.Context, src Source, params Params) (*Report, error) {
	if err := params.check(); err != nil {
		return nil, err
	}
	p := params.withDefaults()
	r := &Report{Window: Window{Since: p.Since, Until: p.Until}, AsOf: p.asOf()}
	if p.Service != "" {
		name, err := serviceName(ctx, src, p.Service)
		if err != nil {
			return nil, err
		}
		r.Service = name
	}
	// The catalogue is small, and the pattern pass needs the relations.
	catalogue, err := src.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	graph := newGraph(catalogue)
	r.names = catalogue.Names

	g, gctx := errgroup.WithContext(ctx)
	in := p.windowScope()
	var hist *history
	var found []failure
	tasks := []task{
		// The pattern pass is the longest; it starts first and the
		// aggregate queries fill the other cores around it.
		func() (err error) {
			hist, err = readHistory(gctx, src, p.passScope(graph), p.inWindow)
			if err != nil {
				return err
			}
			found, err = hist.withModeFailures(gctx, src, p.passScope(graph), hist.failures(newMatcher(hist, hist.related(graph))))
			return err
		},
		func() (err error) { r.FailureModes, err = failureModeReport(gctx, src, in); return err },
		func() error { return durationSection(gctx, src, in, r) },
		func() (err error) { r.ByMonthAndOutageType, err = monthsByOutageType(gctx, src, in); return err },
		func() (err error) { r.ActionItems, err = actionItems(gctx, src, in, p.asOf()); return err },
		func() (err error) { r.DataQuality, err = dataQuality(gctx, src, &p); return err },
	}
	tasks = append(tasks, countSections(gctx, src, in, r)...)
	for _, t := range tasks {
		g.Go(t)
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if r.Recurring, err = hist.recurrences(ctx, src, found, p.Groups); err != nil {
		return nil, err
	}
	if r.ReturnedAfterFix, err = hist.returnsSection(ctx, src, hist.returnsAfterFix(found), p.Groups); err != nil {
		return nil, err
	}
	r.Hotspots = hist.hotspots(&p)
	r.Detection.RecurringGaps = hist.recurringGaps(found, r.Recurring)
	r.finishTotals()
	if r.Findings, err = hist.findings(ctx, src, r, found, catalogue.Names); err != nil {
		return nil, err
	}
	return r, nil
}

// passScope is what the pattern pass reads: the history up to the window's
// end, of the filtered service and the services related to it.
func (p *Params) passScope(graph *serviceGraph) Scope {
	pass := Scope{Until: p.Until}
	if p.Service != "" {
		key := p.services()[0]
		pass.Services = append([]string{key}, graph.neighbours(key)...)
	}
	return pass
}

// related lists, by service of the history, the services a description may
// recur on: the service itself and those it depends on or that depend on
// it, as they appear in the history.
func (h *history) related(graph *serviceGraph) [][]uint32 {
	out := make([][]uint32, len(h.services.values))
	for s, key := range h.services.values {
		out[s] = append(out[s], uint32(s))
		for _, n := range graph.neighbours(key) {
			if k, ok := h.services.lookup(n); ok && int(k) != s {
				out[s] = append(out[s], k)
			}
		}
	}
	return out
}
