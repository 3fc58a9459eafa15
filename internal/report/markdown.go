package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Lengths of the lists the markdown document shows; the JSON has more.
const (
	mdTopCounts  = 12 // rows of a by_* table before "others"
	mdGroups     = 10 // recurrences, returns and hotspots
	mdLinked     = 6  // incidents linked per finding or recurrence
	mdIncidentID = 20 // ids listed in a data-quality line
	mdExcerpt    = 160
)

// IncidentPath is where the web pages show an incident; the markdown links
// each incident it names there.
func IncidentPath(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }

// WriteMarkdown writes the report as a review document: findings first,
// then tables. User text is escaped so that it cannot break a table or
// start a block of its own.
func WriteMarkdown(w io.Writer, r *Report) error {
	b := bufio.NewWriter(w)
	m := &mdWriter{b: b}
	m.title(r)
	m.findings(r)
	m.glance(r)
	m.durations(r)
	m.where(r)
	m.why(r)
	m.recurring(r)
	m.returns(r)
	m.hotspots(r)
	m.failureModes(r)
	m.detection(r)
	m.actions(r)
	m.quality(r)
	return b.Flush()
}

type mdWriter struct{ b *bufio.Writer }

func (m *mdWriter) line(format string, args ...any) {
	fmt.Fprintf(m.b, format, args...)
	m.b.WriteByte('\n')
}

func (m *mdWriter) heading(level int, text string) {
	m.line("\n%s %s\n", strings.Repeat("#", level), text)
}

// table writes a header and rows; cells are escaped.
func (m *mdWriter) table(header []string, rows [][]string) {
	m.row(header)
	sep := make([]string, len(header))
	for k := range sep {
		sep[k] = "---"
	}
	m.line("| %s |", strings.Join(sep, " | "))
	for _, r := range rows {
		m.row(r)
	}
	m.line("")
}

func (m *mdWriter) row(cells []string) {
	escaped := make([]string, len(cells))
	for k, c := range cells {
		escaped[k] = cell(c)
	}
	m.line("| %s |", strings.Join(escaped, " | "))
}

// cell makes user text safe in a table cell: one line, pipes escaped.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, "|", `\|`)
}

// inline makes user text safe as a line of its own: one line, and a
// leading character that would start a heading, quote or list escaped.
func inline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s != "" && strings.ContainsRune("#>-+*=|`", rune(s[0])) {
		s = `\` + s
	}
	return s
}

func (m *mdWriter) title(r *Report) {
	scope := "all services"
	if r.Service != "" {
		scope = r.Service
	}
	m.line("# Reliability review: %s, %s", inline(scope), r.windowPhrase())
	m.line("")
	m.line("%s. Durations are from the start of impact; median and p90 (nearest rank) in minutes, hours or days. Overdue as of %s.",
		plural(r.Incidents, "incident"), r.AsOf)
}

func (m *mdWriter) findings(r *Report) {
	m.heading(2, "Findings")
	if r.Incidents == 0 {
		m.line("No incidents %s.", r.windowPhrase())
		return
	}
	if len(r.Findings) == 0 {
		m.line("Nothing stands out: no failure came back, no fix failed, and no service failed above its usual rate.")
		return
	}
	for _, f := range r.Findings {
		m.line("- %s %s", inline(f.Text), links(f.IDs))
	}
}

// links lists incidents as markdown links to their pages, the first
// mdLinked of them.
func links(ids []int64) string {
	shown := ids[:min(mdLinked, len(ids))]
	parts := make([]string, len(shown))
	for k, id := range shown {
		parts[k] = fmt.Sprintf("[#%d](%s)", id, IncidentPath(id))
	}
	out := "(" + strings.Join(parts, ", ")
	if more := len(ids) - len(shown); more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	return out + ")"
}

func (m *mdWriter) glance(r *Report) {
	m.heading(2, "At a glance")
	sev := map[string]int{}
	for _, c := range r.BySeverity {
		sev[c.Key] = c.Count
	}
	m.table(
		[]string{"Incidents", "SEV1", "SEV2", "Found by customers", "Median time to detect", "Median time to resolve", "Open action items", "Overdue"},
		[][]string{{
			fmt.Sprint(r.Incidents), fmt.Sprint(sev["SEV1"]), fmt.Sprint(sev["SEV2"]),
			fmt.Sprintf("%d (%s)", r.Detection.CustomerReported, percent(r.Detection.CustomerReported, r.Incidents)),
			minutesOrDash(r.TimeToDetect.MedianMinutes), minutesOrDash(r.TimeToResolve.MedianMinutes),
			fmt.Sprint(r.ActionItems.Open), fmt.Sprint(r.ActionItems.Overdue),
		}})
}

func (m *mdWriter) durations(r *Report) {
	m.heading(2, "Time to detect, mitigate and resolve")
	var rows [][]string
	for _, d := range []struct {
		name string
		d    Durations
	}{{"Detect", r.TimeToDetect}, {"Mitigate", r.TimeToMitigate}, {"Resolve", r.TimeToResolve}} {
		rows = append(rows, []string{d.name, fmt.Sprint(d.d.Count), minutesOrDash(d.d.MedianMinutes), minutesOrDash(d.d.P90Minutes),
			fmt.Sprint(d.d.Missing), fmt.Sprint(d.d.Inconsistent)})
	}
	m.table([]string{"Time to", "Incidents", "Median", "p90", "Missing timestamps", "Out of order"}, rows)
}

func (m *mdWriter) where(r *Report) {
	m.heading(2, "Where it failed")
	m.counts("Service", r.ByService, r.Incidents)
	m.counts("Severity", r.BySeverity, r.Incidents)
	m.counts("Outage type", r.ByOutageType, r.Incidents)
	months := slices.Clone(r.ByMonth)
	slices.SortFunc(months, func(a, b Count) int { return strings.Compare(a.Key, b.Key) })
	if len(months) > 0 {
		var rows [][]string
		for _, c := range months {
			rows = append(rows, []string{c.Key, fmt.Sprint(c.Count), bar(c.Count, months)})
		}
		m.table([]string{"Month", "Incidents", ""}, rows)
	}
}

func (m *mdWriter) why(r *Report) {
	m.heading(2, "Why")
	m.counts("Primary cause", r.ByCauseCategory, r.Incidents)
	m.counts("Contributing factor", r.ByFactorCategory, r.Incidents)
	m.counts("Tag", r.ByTag, r.Incidents)
}

// counts writes a by_* list as a table: the top rows, then the rest summed.
func (m *mdWriter) counts(name string, list []Count, total int) {
	if len(list) == 0 {
		return
	}
	var rows [][]string
	for _, c := range list[:min(mdTopCounts, len(list))] {
		rows = append(rows, []string{c.Key, fmt.Sprint(c.Count), percent(c.Count, total)})
	}
	if rest := list[min(mdTopCounts, len(list)):]; len(rest) > 0 {
		n := 0
		for _, c := range rest {
			n += c.Count
		}
		rows = append(rows, []string{fmt.Sprintf("%d others", len(rest)), fmt.Sprint(n), ""})
	}
	m.table([]string{name, "Incidents", "Share"}, rows)
}

func (m *mdWriter) recurring(r *Report) {
	m.heading(2, "What keeps coming back")
	if len(r.Recurring) == 0 {
		m.line("No cause or factor was described near-identically in more than one incident on one service or on services that depend on each other.")
		return
	}
	m.line("The same failure again: near-identical causes or factors on one service or on services that depend on each other, or incidents that link the same failure mode. %s in all.",
		plural(len(r.Recurring), "failure"))
	m.line("")
	for k, rec := range r.Recurring[:min(mdGroups, len(r.Recurring))] {
		m.line("%d. **%s** on %s (%s); preventive fix: %s. %s",
			k+1, plural(len(rec.IDs), "incident"), cell(r.serviceNames(rec.Services)), cell(strings.Join(rec.Categories, ", ")),
			rec.Fix, links(latest(rec.IDs)))
		if rec.FailureMode != "" {
			m.line("   The incidents link one failure mode: `%s`.", rec.FailureMode)
		}
		if rec.Description != "" {
			m.line("   > %s", inline(excerpt(rec.Description, mdExcerpt)))
		}
	}
	m.line("")
	m.more(min(mdGroups, len(r.Recurring)), len(r.Recurring))
}

// latest is a list of ids newest first.
func latest(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

// serviceNames shows service keys by display name.
func (r *Report) serviceNames(keys []string) string {
	shown := make([]string, len(keys))
	for k, key := range keys {
		shown[k] = orKey(r.names, key)
	}
	return strings.Join(shown, ", ")
}

func (m *mdWriter) more(shown, total int) {
	if total > shown {
		m.line("The %d largest of %d; the JSON report (/api/v1/reports/patterns) lists them all.", shown, total)
		m.line("")
	}
}

func ref(r IncidentRef) string {
	return fmt.Sprintf("[#%d](%s) %s (%s)", r.ID, IncidentPath(r.ID), excerpt(r.Title, 80), day(r.StartedAt))
}

func day(t *time.Time) string {
	if t == nil {
		return "start unknown"
	}
	return t.Format(time.DateOnly)
}

func (m *mdWriter) returns(r *Report) {
	m.heading(2, "Did the fix work?")
	ret := r.ReturnedAfterFix
	if ret.Count == 0 {
		m.line("No failure came back after a preventive fix of it was marked done.")
		return
	}
	m.line("%d of %d incidents repeat a failure after a preventive action item addressing it, on an earlier incident, was marked done. The latest:",
		ret.Count, r.Incidents)
	m.line("")
	var rows [][]string
	for _, x := range ret.Items[:min(mdGroups, len(ret.Items))] {
		rows = append(rows, []string{ref(x.Incident), x.Incident.Service, ref(x.Repeats), x.Fix.ActionItem, x.Fix.DoneAt.Format(time.DateOnly)})
	}
	m.table([]string{"Incident", "Service", "Repeats", "Fix marked done", "Done"}, rows)
}

func (m *mdWriter) hotspots(r *Report) {
	m.heading(2, "Hotspots")
	if len(r.Hotspots) == 0 {
		m.line("No service had a category in a clearly larger share of its incidents than usual (at least %d incidents, %.1f× the usual share, and a binomial test significant at %.0f%% after correcting for every pair tested).",
			minHotspotCount, minHotspotRatio, 100*hotspotAlpha)
		return
	}
	m.line("Categories (as cause or contributing factor) in a clearly larger share of a service's incidents than usual: at least %d incidents, %.1f× the usual share, and a one-sided binomial test significant at %.0f%% after correcting for every pair tested. Usual is the service's own history before the window when it has %d incidents there, else the other services in the window.",
		minHotspotCount, minHotspotRatio, 100*hotspotAlpha, minHotspotBaseline)
	m.line("")
	var rows [][]string
	for _, h := range r.Hotspots[:min(mdGroups, len(r.Hotspots))] {
		trend := h.Trend
		if trend == "" {
			trend = "too few to tell"
		}
		rows = append(rows, []string{orKey(r.names, h.Service), h.Category, fmt.Sprintf("%d of %d", h.Incidents, h.Of),
			percent(h.Incidents, h.Of), fmt.Sprintf("%s (%s)", percentRate(h.BaselineShare), h.Baseline),
			fmt.Sprintf("%.1f×", h.Ratio), fmt.Sprintf("%.1g", h.PValue), trend, links(latest(h.IDs))})
	}
	m.table([]string{"Service", "Category", "Incidents", "Share", "Usual", "Ratio", "p", "Trend", "Latest"}, rows)
}

func (m *mdWriter) detection(r *Report) {
	m.heading(2, "How we found out")
	d := r.Detection
	m.line("%d of %d incidents (%s) were reported by customers; alerts caught %d (%s).",
		d.CustomerReported, r.Incidents, percent(d.CustomerReported, r.Incidents), d.Alert, percent(d.Alert, r.Incidents))
	m.line("")
	if len(d.BySeverity) > 0 {
		var rows [][]string
		for _, s := range d.BySeverity {
			rows = append(rows, []string{s.Severity, fmt.Sprint(s.Incidents), fmt.Sprint(s.CustomerReported), percent(s.CustomerReported, s.Incidents)})
		}
		m.table([]string{"Severity", "Incidents", "Found by customers", "Share"}, rows)
	}
	if len(d.TimeToDetectByMethod) > 0 {
		var rows [][]string
		for _, g := range d.TimeToDetectByMethod {
			rows = append(rows, []string{g.Key, fmt.Sprint(g.Count), minutesOrDash(g.MedianMinutes), minutesOrDash(g.P90Minutes), fmt.Sprint(g.Missing)})
		}
		m.table([]string{"Detected by", "Incidents timed", "Median time to detect", "p90", "Missing timestamps"}, rows)
	}
	m.heading(3, "Why it wasn't caught sooner")
	m.counts("Detection gap", r.ByGapCategory, r.Incidents)
	if gaps := d.RecurringGaps; len(gaps) > 0 {
		m.line("Missed the same way again, when a failure came back:")
		m.line("")
		var rows [][]string
		for _, g := range gaps[:min(mdGroups, len(gaps))] {
			rows = append(rows, []string{g.Category, r.serviceNames(g.Services), fmt.Sprint(len(g.IDs)), links(g.IDs)})
		}
		m.table([]string{"Detection gap", "Services", "Incidents", "Which"}, rows)
	}
}

func (m *mdWriter) actions(r *Report) {
	m.heading(2, "Action items")
	a := r.ActionItems
	m.table([]string{"Total", "Open", "In progress", "Overdue", "Open preventive", "Done", "Won't do", "Completion rate"},
		[][]string{{fmt.Sprint(a.Total), fmt.Sprint(a.Open), fmt.Sprint(a.InProgress), fmt.Sprint(a.Overdue),
			fmt.Sprint(a.OpenPreventive), fmt.Sprint(a.Done), fmt.Sprint(a.WontDo), percentRate(a.CompletionRate)}})
	m.line("Open includes in progress. Overdue: open with a due date before %s. Completion rate: done ÷ (all − won't do).", r.AsOf)
}

func (m *mdWriter) quality(r *Report) {
	m.heading(2, "Data quality")
	q := r.DataQuality
	if q.WithoutStart.Count+q.MissingTimestamps.Count+q.Inconsistent.Count == 0 {
		m.line("Every incident has consistent timestamps.")
		return
	}
	for _, p := range []struct {
		what string
		list Problems
	}{
		{"no start time", q.WithoutStart},
		{"no detection, mitigation or resolution time though resolved", q.MissingTimestamps},
		{"timestamps out of order", q.Inconsistent},
	} {
		if p.list.Count == 0 {
			continue
		}
		ids := make([]string, 0, mdIncidentID)
		for _, x := range p.list.Incidents[:min(mdIncidentID, len(p.list.Incidents))] {
			ids = append(ids, fmt.Sprintf("#%d", x.ID))
		}
		tail := ""
		if p.list.Count > len(ids) {
			tail = fmt.Sprintf(" and %d more (all in the JSON report)", p.list.Count-len(ids))
		}
		m.line("- %s %s: %s%s.", hasHave(p.list.Count), p.what, strings.Join(ids, ", "), tail)
	}
}

func minutesOrDash(m *float64) string {
	if m == nil {
		return "–"
	}
	return humanMinutes(*m)
}

// bar draws a count as a run of blocks against the largest in the list.
func bar(n int, list []Count) string {
	most := 0
	for _, c := range list {
		most = max(most, c.Count)
	}
	if most == 0 {
		return ""
	}
	return strings.Repeat("█", max(1, n*20/most))
}
