package report_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// TestReportMatchesAnIndependentCount files the hand-built dataset and
// checks every figure of the report against the same figure computed by
// plain loops over the incidents as filed, for several windows.
func TestReportMatchesAnIndependentCount(t *testing.T) {
	st, incs := fileDataset(t)
	mid := datasetStart.AddDate(0, 1, 10)
	late := datasetStart.AddDate(0, 3, 0)
	tests := []struct {
		name         string
		since, until *time.Time
		service      string
	}{
		{"everything", nil, nil, ""},
		{"a window", &mid, &late, ""},
		{"since only", &mid, nil, ""},
		{"one service", nil, nil, "payments-api"},
		{"one service in a window", &mid, &late, "Payments API"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := report.Params{Since: tt.since, Until: tt.until, Service: tt.service, Now: datasetNow, Groups: 100}
			got, err := report.Build(context.Background(), st, params)
			if err != nil {
				t.Fatal(err)
			}
			var in []*incident.Incident
			for i := range incs {
				if inWindow(&incs[i], tt.since, tt.until, tt.service) {
					in = append(in, &incs[i])
				}
			}
			if len(in) == 0 {
				t.Fatal("the window holds no incident; the test would prove nothing")
			}
			want := expectedReport(incs, in, tt.since, tt.until, tt.service)
			if got.Incidents != len(in) {
				t.Errorf("incidents = %d, want %d", got.Incidents, len(in))
			}
			checkCounts(t, "by_service", got.ByService, want.byService)
			checkCounts(t, "by_severity", got.BySeverity, want.bySeverity)
			checkCounts(t, "by_outage_type", got.ByOutageType, want.byOutageType)
			checkCounts(t, "by_tag", got.ByTag, want.byTag)
			checkCounts(t, "by_cause_category", got.ByCauseCategory, want.byCause)
			checkCounts(t, "by_factor_category", got.ByFactorCategory, want.byFactor)
			checkCounts(t, "by_gap_category", got.ByGapCategory, want.byGap)
			checkCounts(t, "by_detection_method", got.ByDetectionMethod, want.byMethod)
			checkCounts(t, "by_month", got.ByMonth, want.byMonth)
			checkPageFigures(t, got, in)
			checkDurations(t, "time_to_detect", got.TimeToDetect, want.detect)
			checkDurations(t, "time_to_mitigate", got.TimeToMitigate, want.mitigate)
			checkDurations(t, "time_to_resolve", got.TimeToResolve, want.resolve)
			for _, g := range got.Detection.TimeToDetectByMethod {
				checkDurations(t, "time_to_detect["+g.Key+"]", g.Durations, want.detectByMethod[g.Key])
			}
			if len(got.Detection.TimeToDetectByMethod) != len(want.detectByMethod) {
				t.Errorf("time_to_detect_by_method has %d methods, want %d", len(got.Detection.TimeToDetectByMethod), len(want.detectByMethod))
			}
			if got.ActionItems != want.actions {
				t.Errorf("action_items = %+v\nwant %+v", got.ActionItems, want.actions)
			}
			if d := got.Detection; d.CustomerReported != want.customers || d.Alert != want.alerts {
				t.Errorf("detection customer %d alert %d, want %d %d", d.CustomerReported, d.Alert, want.customers, want.alerts)
			}
			for _, s := range got.Detection.BySeverity {
				if w := want.customersBySeverity[s.Severity]; s.Incidents != w[0] || s.CustomerReported != w[1] {
					t.Errorf("detection %s: %d incidents, %d by customers; want %v", s.Severity, s.Incidents, s.CustomerReported, w)
				}
			}
			checkProblems(t, "without_start", got.DataQuality.WithoutStart, want.withoutStart)
			checkProblems(t, "missing_timestamps", got.DataQuality.MissingTimestamps, want.missingStamps)
			checkProblems(t, "inconsistent", got.DataQuality.Inconsistent, want.inconsistent)
			if got.AsOf != datasetNow.Format(time.DateOnly) {
				t.Errorf("as_of %s", got.AsOf)
			}
			checkFindings(t, got)
		})
	}
}

// TestDatasetCoversTheCases guards the dataset itself: if a change to it
// removed a case, the comparisons above would pass without testing it.
func TestDatasetCoversTheCases(t *testing.T) {
	_, incs := fileDataset(t)
	all := make([]*incident.Incident, len(incs))
	for i := range incs {
		all[i] = &incs[i]
	}
	w := expectedReport(incs, all, nil, nil, "")
	checks := map[string]bool{
		"an incident without a start":             len(w.withoutStart) > 0,
		"a resolved incident lacking a timestamp": len(w.missingStamps) > 0,
		"timestamps out of order":                 len(w.inconsistent) > 0,
		"an unset severity":                       slices.ContainsFunc(w.bySeverity, func(c report.Count) bool { return c.Key == "(none)" }),
		"an overdue item due on the reference day": slices.ContainsFunc(incs, func(inc incident.Incident) bool {
			return slices.ContainsFunc(inc.ActionItems, func(a incident.ActionItem) bool {
				return a.DueDate == datasetNow.Format(time.DateOnly) && a.Status.IsOpen()
			})
		}),
		"an overdue action item":                    w.actions.Overdue > 0,
		"an even number of durations":               w.resolve.Count%2 == 0 || w.detect.Count%2 == 0 || w.mitigate.Count%2 == 0,
		"customer-found incidents":                  w.customers > 0,
		"one incident with a factor category twice": w.byFactor[0].Count < countFactorRows(incs, w.byFactor[0].Key),
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("the dataset has no %s", name)
		}
	}
}

func countFactorRows(incs []incident.Incident, cat string) int {
	n := 0
	for _, inc := range incs {
		for _, f := range inc.ContributingFactors {
			if f.Category == cat {
				n++
			}
		}
	}
	return n
}

// checkFindings checks what every finding must be: at most ten, each a
// sentence with the incidents behind it, all of them in the report.
func checkFindings(t *testing.T, r *report.Report) {
	t.Helper()
	if len(r.Findings) > 10 {
		t.Errorf("%d findings, want at most 10", len(r.Findings))
	}
	for _, f := range r.Findings {
		if f.Text == "" || f.Kind == "" || len(f.IDs) == 0 {
			t.Errorf("finding %+v lacks its text, kind or incidents", f)
		}
	}
}

// expected holds the figures computed by loops.
type expected struct {
	byService, bySeverity, byOutageType, byTag, byCause, byFactor, byGap, byMethod, byMonth []report.Count
	detect, mitigate, resolve                                                               report.Durations
	detectByMethod                                                                          map[string]report.Durations
	actions                                                                                 report.ActionItems
	customers, alerts                                                                       int
	customersBySeverity                                                                     map[string][2]int
	withoutStart, missingStamps, inconsistent                                               []int64
}

func expectedReport(all []incident.Incident, in []*incident.Incident, since, until *time.Time, service string) expected {
	var w expected
	tally := func(counts map[string]int, key string) { counts[key]++ }
	maps := map[string]map[string]int{}
	for _, name := range []string{"service", "severity", "outage", "tag", "cause", "factor", "gap", "method", "month"} {
		maps[name] = map[string]int{}
	}
	orNone := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	durations := [3][]float64{}
	var missing, inconsistent [3]int
	byMethod := map[string][]float64{}
	byMethodMissing := map[string][2]int{}
	w.customersBySeverity = map[string][2]int{}
	asOf := datasetNow.Format(time.DateOnly)
	for _, inc := range in {
		tally(maps["service"], inc.Service)
		tally(maps["severity"], orNone(string(inc.Severity)))
		tally(maps["cause"], orNone(inc.PrimaryCause.Category))
		tally(maps["method"], string(inc.DetectionMethod))
		if inc.StartedAt != nil {
			tally(maps["month"], inc.StartedAt.Format("2006-01"))
		}
		for _, o := range inc.OutageTypes {
			tally(maps["outage"], string(o))
		}
		for _, tag := range inc.Tags {
			tally(maps["tag"], tag)
		}
		seen := map[string]bool{}
		for _, f := range inc.ContributingFactors {
			if !seen[f.Category] {
				seen[f.Category] = true
				tally(maps["factor"], f.Category)
			}
		}
		seen = map[string]bool{}
		for _, g := range inc.DetectionGaps {
			if !seen[g.Category] {
				seen[g.Category] = true
				tally(maps["gap"], g.Category)
			}
		}
		for m, end := range []*time.Time{inc.DetectedAt, inc.MitigatedAt, inc.ResolvedAt} {
			switch {
			case inc.StartedAt == nil || end == nil:
				missing[m]++
			case end.Before(*inc.StartedAt):
				inconsistent[m]++
			default:
				durations[m] = append(durations[m], end.Sub(*inc.StartedAt).Minutes())
			}
		}
		method := string(inc.DetectionMethod)
		switch {
		case inc.StartedAt == nil || inc.DetectedAt == nil:
			x := byMethodMissing[method]
			x[0]++
			byMethodMissing[method] = x
		case inc.DetectedAt.Before(*inc.StartedAt):
			x := byMethodMissing[method]
			x[1]++
			byMethodMissing[method] = x
		default:
			byMethod[method] = append(byMethod[method], inc.DetectedAt.Sub(*inc.StartedAt).Minutes())
		}
		sev := orNone(string(inc.Severity))
		c := w.customersBySeverity[sev]
		c[0]++
		if inc.DetectionMethod == incident.DetectedByCustomer {
			w.customers++
			c[1]++
		}
		w.customersBySeverity[sev] = c
		if inc.DetectionMethod == incident.DetectedByAlert {
			w.alerts++
		}
		for _, a := range inc.ActionItems {
			w.actions.Total++
			switch a.Status {
			case incident.ActionOpen, incident.ActionInProgress:
				w.actions.Open++
				if a.Status == incident.ActionInProgress {
					w.actions.InProgress++
				}
				if a.DueDate != "" && a.DueDate < asOf {
					w.actions.Overdue++
				}
				if a.Kind == incident.ActionPrevent {
					w.actions.OpenPreventive++
				}
			case incident.ActionDone:
				w.actions.Done++
			case incident.ActionWontDo:
				w.actions.WontDo++
			}
		}
	}
	if n := w.actions.Total - w.actions.WontDo; n > 0 {
		w.actions.CompletionRate = float64(w.actions.Done) / float64(n)
	}
	w.byService, w.bySeverity, w.byCause = sorted(maps["service"]), sorted(maps["severity"]), sorted(maps["cause"])
	w.byMethod, w.byMonth, w.byOutageType = sorted(maps["method"]), sorted(maps["month"]), sorted(maps["outage"])
	w.byTag, w.byFactor, w.byGap = sorted(maps["tag"]), sorted(maps["factor"]), sorted(maps["gap"])
	w.detect = summarise(durations[0], missing[0], inconsistent[0])
	w.mitigate = summarise(durations[1], missing[1], inconsistent[1])
	w.resolve = summarise(durations[2], missing[2], inconsistent[2])
	w.detectByMethod = map[string]report.Durations{}
	for method := range maps["method"] {
		x := byMethodMissing[method]
		w.detectByMethod[method] = summarise(byMethod[method], x[0], x[1])
	}

	// Data quality: the incidents counted, plus those without a start
	// when a window leaves them out.
	for i := range all {
		inc := &all[i]
		if !inWindow(inc, since, until, service) && !(inc.StartedAt == nil && inWindow(inc, nil, nil, service)) {
			continue
		}
		if inc.StartedAt == nil {
			w.withoutStart = append(w.withoutStart, inc.ID)
		}
		if inc.Status == incident.StatusResolved && (inc.DetectedAt == nil || inc.MitigatedAt == nil || inc.ResolvedAt == nil) {
			w.missingStamps = append(w.missingStamps, inc.ID)
		}
		stamps := []*time.Time{inc.StartedAt, inc.DetectedAt, inc.MitigatedAt, inc.ResolvedAt}
		bad := inc.ResolvedAt != nil && inc.Status != incident.StatusResolved
		for a := range stamps {
			for b := a + 1; b < len(stamps); b++ {
				if stamps[a] != nil && stamps[b] != nil && stamps[b].Before(*stamps[a]) {
					bad = true
				}
			}
		}
		if bad {
			w.inconsistent = append(w.inconsistent, inc.ID)
		}
	}
	return w
}

// sorted turns counts into a by_* list: count descending, then key.
func sorted(counts map[string]int) []report.Count {
	out := []report.Count{}
	for k, n := range counts {
		out = append(out, report.Count{Key: k, Count: n})
	}
	slices.SortFunc(out, func(a, b report.Count) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// summarise applies the definitions: the median of an even count is the
// mean of the two middle values; p90 is the ⌈0.9·n⌉-th smallest.
func summarise(minutes []float64, missing, inconsistent int) report.Durations {
	d := report.Durations{Count: len(minutes), Missing: missing, Inconsistent: inconsistent}
	if len(minutes) == 0 {
		return d
	}
	v := slices.Sorted(slices.Values(minutes))
	n := len(v)
	median := v[n/2]
	if n%2 == 0 {
		median = (v[n/2-1] + v[n/2]) / 2
	}
	p90 := v[int(math.Ceil(0.9*float64(n)))-1]
	d.MedianMinutes, d.P90Minutes = &median, &p90
	return d
}

func checkCounts(t *testing.T, name string, got, want []report.Count) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s =\n  %v\nwant\n  %v", name, got, want)
	}
}

func checkDurations(t *testing.T, name string, got, want report.Durations) {
	t.Helper()
	same := func(a, b *float64) bool {
		return (a == nil && b == nil) || (a != nil && b != nil && math.Abs(*a-*b) < 1e-9)
	}
	if got.Count != want.Count || got.Missing != want.Missing || got.Inconsistent != want.Inconsistent ||
		!same(got.MedianMinutes, want.MedianMinutes) || !same(got.P90Minutes, want.P90Minutes) {
		t.Errorf("%s = %s, want %s", name, durationText(got), durationText(want))
	}
}

func durationText(d report.Durations) string {
	f := func(p *float64) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("{count %d median %s p90 %s missing %d inconsistent %d}", d.Count, f(d.MedianMinutes), f(d.P90Minutes), d.Missing, d.Inconsistent)
}

func checkProblems(t *testing.T, name string, got report.Problems, want []int64) {
	t.Helper()
	var ids []int64
	for _, p := range got.Incidents {
		ids = append(ids, p.ID)
		if p.Problem == "" || p.Title == "" {
			t.Errorf("%s: #%d without its problem or title", name, p.ID)
		}
	}
	slices.Sort(want)
	if got.Count != len(want) || !slices.Equal(ids, want) {
		t.Errorf("%s = %d %v, want %v", name, got.Count, ids, want)
	}
}

// checkPageFigures checks the figures the reports page charts beyond the
// by_* lists: time to resolve by severity, and incidents per month by
// outage type, computed here by plain loops.
func checkPageFigures(t *testing.T, got *report.Report, in []*incident.Incident) {
	t.Helper()
	resolved := map[string][]float64{}
	missing := map[string][2]int{}
	months := map[report.MonthCount]int{}
	for _, inc := range in {
		sev := string(inc.Severity)
		if sev == "" {
			sev = "(none)"
		}
		m := missing[sev]
		switch {
		case inc.StartedAt == nil || inc.ResolvedAt == nil:
			m[0]++
		case inc.ResolvedAt.Before(*inc.StartedAt):
			m[1]++
		default:
			resolved[sev] = append(resolved[sev], inc.ResolvedAt.Sub(*inc.StartedAt).Minutes())
		}
		missing[sev] = m
		if inc.StartedAt == nil {
			continue
		}
		month := inc.StartedAt.UTC().Format("2006-01")
		if len(inc.OutageTypes) == 0 {
			months[report.MonthCount{Month: month, Key: "(none)"}]++
		}
		for _, o := range inc.OutageTypes {
			months[report.MonthCount{Month: month, Key: string(o)}]++
		}
	}
	if len(got.TimeToResolveBySeverity) != len(missing) {
		t.Errorf("time_to_resolve_by_severity has %d severities, want %d", len(got.TimeToResolveBySeverity), len(missing))
	}
	for k, g := range got.TimeToResolveBySeverity {
		checkDurations(t, "time_to_resolve["+g.Key+"]", g.Durations, summarise(resolved[g.Key], missing[g.Key][0], missing[g.Key][1]))
		rank := func(sev string) string { return strings.Replace(sev, "(none)", "SEV9", 1) }
		if k > 0 && rank(got.TimeToResolveBySeverity[k-1].Key) > rank(g.Key) {
			t.Errorf("time_to_resolve_by_severity is not SEV1 first: %v", got.TimeToResolveBySeverity)
		}
	}
	var want []report.MonthCount
	for mc, n := range months {
		want = append(want, report.MonthCount{Month: mc.Month, Key: mc.Key, Count: n})
	}
	slices.SortFunc(want, func(a, b report.MonthCount) int {
		return strings.Compare(a.Month+"/"+a.Key, b.Month+"/"+b.Key)
	})
	if !slices.Equal(got.ByMonthAndOutageType, want) {
		t.Errorf("by_month_and_outage_type =\n  %v\nwant\n  %v", got.ByMonthAndOutageType, want)
	}
}
