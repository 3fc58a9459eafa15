package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// findings writes the report's headline sentences: each states a figure
// from the report and what it is out of. A sentence whose figure is zero or
// uninformative is left out.
func findings(r *Report) []string {
	var out []string
	say := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if r.Incidents == 0 {
		say("No incidents %s.", r.windowPhrase())
		return out
	}

	say("%s %s across %s%s.", plural(r.Incidents, "incident"), r.windowPhrase(),
		plural(len(r.ByService), "service"), severityPhrase(r.BySeverity))
	if len(r.ByService) > 1 {
		top := r.ByService[0]
		say("%s had the most incidents: %d of %d (%s).", top.Key, top.Count, r.Incidents, percent(top.Count, r.Incidents))
	}

	d := r.Detection
	for _, s := range d.BySeverity {
		if (s.Severity == string(incident.SEV1) || s.Severity == string(incident.SEV2)) && s.CustomerReported > 0 {
			say("%d of %d %ss were found by customers.", s.CustomerReported, s.Incidents, s.Severity)
		}
	}
	if d.CustomerReported > 0 {
		say("%d of %d incidents (%s) were reported by customers rather than caught by our alerts (alerts caught %d).",
			d.CustomerReported, r.Incidents, percent(d.CustomerReported, r.Incidents), d.Alert)
	}
	if c, a := methodMedian(d, incident.DetectedByCustomer), methodMedian(d, incident.DetectedByAlert); c != nil && a != nil {
		say("Median time to detect was %s when customers told us and %s when an alert fired.", humanMinutes(*c), humanMinutes(*a))
	}
	if len(d.TopGaps) > 0 {
		g := d.TopGaps[0]
		say("The most frequent detection gap was %s (%s).", g.Key, plural(g.Count, "incident"))
	}

	for _, rec := range r.Recurring[:min(3, len(r.Recurring))] {
		if rec.Kind != SameCategory {
			break
		}
		if rec.AsCause == rec.Count {
			say("%s had %d incidents caused by %s.", rec.Service, rec.Count, rec.Category)
		} else {
			say("%s had %d incidents with %s as cause or contributing factor (%d as the primary cause).",
				rec.Service, rec.Count, rec.Category, rec.AsCause)
		}
	}
	for _, rec := range r.Recurring {
		if rec.Kind == SimilarDescription {
			say("%d incidents on %s share a near-identical %s: “%s”.", rec.Count, strings.Join(rec.Services, ", "),
				roleNoun(rec), excerpt(rec.Description, 100))
			break
		}
	}
	if ret := r.ReturnedAfterFix; ret.Count > 0 {
		top := ret.ByServiceAndCause[0]
		say("%d of %d incidents came back on a service and cause for which a preventive fix had been marked done; most often %s with %s (%d).",
			ret.Count, r.Incidents, top.Service, top.Category, top.Incidents)
	}

	if t := r.TimeToResolve; t.Count > 0 {
		say("Time to resolve: median %s, p90 %s over %s (%d without both timestamps).",
			humanMinutes(*t.MedianMinutes), humanMinutes(*t.P90Minutes), plural(t.Count, "incident"), t.Missing)
	}
	if a := r.ActionItems; a.Total > 0 {
		say("%d of %d open action items are overdue as of %s; %s of action items are done (won't-do excluded).",
			a.Overdue, a.Open, r.AsOf, percentRate(a.CompletionRate))
	}
	q := r.DataQuality
	if n, m := q.WithoutStart.Count, q.Inconsistent.Count; n+m > 0 {
		say("%s no start time and %s inconsistent timestamps; see Data quality.",
			hasHave(n), hasHave(m))
	}
	return out
}

func (r *Report) windowPhrase() string {
	day := func(t *time.Time) string { return t.Format(time.DateOnly) }
	switch w := r.Window; {
	case w.Since != nil && w.Until != nil:
		return "from " + day(w.Since) + " to " + day(w.Until)
	case w.Since != nil:
		return "since " + day(w.Since)
	case w.Until != nil:
		return "before " + day(w.Until)
	}
	return "in all recorded history"
}

func severityPhrase(by []Count) string {
	var parts []string
	for _, sev := range incident.Severities {
		for _, c := range by {
			if c.Key == string(sev) && (sev == incident.SEV1 || sev == incident.SEV2) {
				parts = append(parts, fmt.Sprintf("%d %s", c.Count, sev))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, " and ")
}

func methodMedian(d Detection, method incident.DetectionMethod) *float64 {
	for _, g := range d.TimeToDetectByMethod {
		if g.Key == string(method) {
			return g.MedianMinutes
		}
	}
	return nil
}

func roleNoun(rec Recurrence) string {
	switch {
	case rec.AsFactor == 0:
		return "primary cause"
	case rec.AsCause == 0:
		return "contributing factor"
	}
	return "cause or factor"
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func hasHave(n int) string {
	if n == 1 {
		return "1 incident has"
	}
	return fmt.Sprintf("%d incidents have", n)
}

func percent(n, of int) string {
	if of == 0 {
		return "0%"
	}
	return percentRate(float64(n) / float64(of))
}

func percentRate(rate float64) string { return fmt.Sprintf("%.0f%%", math.Round(rate*100)) }

// humanMinutes shows a duration at the precision a reader wants: minutes
// under two hours, hours under two days, then days.
func humanMinutes(m float64) string {
	switch {
	case m < 120:
		return trimZero(fmt.Sprintf("%.1f", m)) + " min"
	case m < 48*60:
		return trimZero(fmt.Sprintf("%.1f", m/60)) + " h"
	}
	return trimZero(fmt.Sprintf("%.1f", m/(24*60))) + " d"
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// excerpt is the first line of s, cut at about n characters on a word.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		cut := string(r[:n])
		if i := strings.LastIndexByte(cut, ' '); i > n/2 {
			cut = cut[:i]
		}
		return strings.TrimRight(cut, " ,.;:") + "…"
	}
	return s
}
