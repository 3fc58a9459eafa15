package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Finding is one sentence for a manager, with the incidents behind it.
type Finding struct {
	Kind string  `json:"kind"`
	Text string  `json:"text"`
	IDs  []int64 `json:"ids"`
}

// Finding kinds, in the order a manager should look at them.
const (
	// A failure that came back with no preventive action item addressing
	// it, done or planned.
	FindingUnmitigatedRepeat = "unmitigated_repeat"
	// Incidents that came back after a preventive fix was marked done.
	FindingFixDidNotWork = "fix_did_not_work"
	// A detection gap listed again when a failure came back.
	FindingRecurringGap = "recurring_gap"
	// SEV1s that customers reported before our monitoring did.
	FindingCustomerFoundSEV1 = "customer_found_sev1"
	// A service and category failing well above their usual share.
	FindingHotspot = "hotspot"
)

// maxFindings caps the sentences; each kind has a share of them, in rank
// order, so that one kind cannot crowd out the others.
const maxFindings = 10

// findings writes the report's headline sentences, most urgent first.
func (h *history) findings(ctx context.Context, src Source, r *Report, fs []failure, names map[string]string) ([]Finding, error) {
	out := []Finding{}
	add := func(kind string, ids []int64, format string, args ...any) {
		if len(out) < maxFindings {
			out = append(out, Finding{Kind: kind, Text: fmt.Sprintf(format, args...), IDs: ids})
		}
	}
	serviceList := func(keys []string) string {
		shown := make([]string, len(keys))
		for k, key := range keys {
			shown[k] = orKey(names, key)
		}
		return strings.Join(shown, ", ")
	}

	// Failures that keep coming back with nothing done about them: those
	// that were the primary cause of the most incidents first (a factor
	// that comes back matters less than a cause), then the largest.
	var bare []int
	for k := range fs {
		if fs[k].fix == FixNone {
			bare = append(bare, k)
		}
	}
	slices.SortStableFunc(bare, func(a, b int) int { return fs[b].causes - fs[a].causes })
	shown := bare[:min(2, len(bare))]
	texts, err := h.describe(ctx, src, pick(fs, shown))
	if err != nil {
		return nil, err
	}
	for j, k := range shown {
		rec := &r.Recurring[k]
		add(FindingUnmitigatedRepeat, rec.IDs, "The same failure hit %s %s (latest %s) and no preventive action item addresses it: “%s”.",
			serviceList(rec.Services), times(len(rec.IDs)), day(h.lastStart(&fs[k])), quoted(texts[j], 120))
	}
	if rest := bare[len(shown):]; len(rest) > 0 {
		var latest []int64
		for _, k := range rest {
			latest = append(latest, r.Recurring[k].IDs[len(r.Recurring[k].IDs)-1])
		}
		slices.Sort(latest)
		latest = slices.Compact(latest)
		add(FindingUnmitigatedRepeat, latest, "%s came back with no preventive action item addressing %s (the latest incident of each).",
			plural(len(rest), "more failure"), itOrThem(len(rest)))
	}

	// Fixes that did not work.
	if ret := r.ReturnedAfterFix; ret.Count > 0 {
		add(FindingFixDidNotWork, ret.IDs, "%s came back after a preventive fix of %s failure was marked done.",
			plural(ret.Count, "incident"), theirOrIts(ret.Count))
		for _, x := range ret.Items[:min(1, len(ret.Items))] {
			add(FindingFixDidNotWork, []int64{x.Incident.ID, x.Repeats.ID}, "#%d on %s (%s) repeated #%d after “%s” was marked done on %s.",
				x.Incident.ID, x.Incident.Service, day(x.Incident.StartedAt), x.Repeats.ID, quoted(x.Fix.ActionItem, 80), x.Fix.DoneAt.Format(time.DateOnly))
		}
	}

	// Detection gaps that recur.
	for _, g := range r.Detection.RecurringGaps[:min(2, len(r.Detection.RecurringGaps))] {
		add(FindingRecurringGap, g.IDs, "A failure on %s came back and was missed the same way %s: %s.",
			serviceList(g.Services), times(len(g.IDs)), g.Category)
	}

	// SEV1s customers found.
	if ids, of := h.customerFound(incident.SEV1); len(ids) > 0 {
		add(FindingCustomerFoundSEV1, ids, "%d of %d SEV1s %s were found by customers rather than by our monitoring.",
			len(ids), of, r.windowPhrase())
	}

	// Hotspots.
	for _, hs := range r.Hotspots[:min(2, len(r.Hotspots))] {
		usual := "across the other services"
		if hs.Baseline == "service" {
			usual = "before the window"
		}
		trend := ""
		if hs.Trend != "" {
			trend = "; " + hs.Trend + " month on month"
		}
		add(FindingHotspot, hs.IDs, "%s: %s in %s of its incidents (%d of %d), against %s %s%s.",
			orKey(names, hs.Service), hs.Category, percent(hs.Incidents, hs.Of), hs.Incidents, hs.Of,
			percentRate(hs.BaselineShare), usual, trend)
	}
	return out, nil
}

// customerFound lists the incidents in scope of a severity that customers
// reported, and how many of that severity there are.
func (h *history) customerFound(sev incident.Severity) ([]int64, int) {
	s, ok1 := h.labels.lookup(string(sev))
	c, ok2 := h.labels.lookup(string(incident.DetectedByCustomer))
	if !ok1 {
		return nil, 0
	}
	var ids []int64
	of := 0
	for i := range h.incidents {
		inc := &h.incidents[i]
		if inc.inScope && inc.severity == s {
			of++
			if ok2 && inc.method == c {
				ids = append(ids, inc.id)
			}
		}
	}
	return ids, of
}

// lastStart is the start (else creation) of a failure's latest incident.
func (h *history) lastStart(f *failure) *time.Time {
	last := &h.incidents[f.incidents[len(f.incidents)-1]]
	t := time.Unix(last.sortAt, 0).UTC()
	return &t
}

// quoted is an excerpt to put in quotation marks inside a sentence: cut on
// a word, without its closing full stop.
func quoted(s string, n int) string { return strings.TrimRight(excerpt(s, n), ".") }

func pick(fs []failure, ks []int) []failure {
	out := make([]failure, len(ks))
	for j, k := range ks {
		out[j] = fs[k]
	}
	return out
}

// orKey is a service's display name, or its key when it has none.
func orKey(names map[string]string, key string) string {
	if n, ok := names[key]; ok {
		return n
	}
	return key
}

func times(n int) string {
	if n == 2 {
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

func itOrThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func theirOrIts(n int) string {
	if n == 1 {
		return "its"
	}
	return "their"
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
