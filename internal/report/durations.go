package report

import (
	"context"
	"slices"
	"strings"
)

// Durations summarises one duration over a set of incidents. Medians and
// percentiles, never a bare mean: incident durations have long tails.
type Durations struct {
	Count         int      `json:"count"`
	MedianMinutes *float64 `json:"median_minutes"`
	P90Minutes    *float64 `json:"p90_minutes"`
	Missing       int      `json:"missing"`
	Inconsistent  int      `json:"inconsistent"`
}

// GroupDurations is a Durations for one value of a grouping column.
type GroupDurations struct {
	Key string `json:"key"`
	Durations
}

// Ranks, 1-based, of the values a summary needs among n sorted values: the
// two middle ones (the same one when n is odd) and the nearest-rank p90,
// ⌈0.9·n⌉.
func medianRanks(n int) (lo, hi int) { return (n + 1) / 2, (n + 2) / 2 }
func p90Rank(n int) int              { return (9*n + 9) / 10 }

// sample collects one duration over incidents.
type sample struct {
	seconds               []int64
	missing, inconsistent int
}

func (s *sample) add(d Elapsed) {
	switch {
	case !d.Known:
		s.missing++
	case d.Seconds < 0:
		s.inconsistent++
	default:
		s.seconds = append(s.seconds, d.Seconds)
	}
}

func (s *sample) merge(o *sample) {
	s.seconds = append(s.seconds, o.seconds...)
	s.missing += o.missing
	s.inconsistent += o.inconsistent
}

// summary sorts the sample and reads the median and p90 off it.
func (s *sample) summary() Durations {
	d := Durations{Count: len(s.seconds), Missing: s.missing, Inconsistent: s.inconsistent}
	if d.Count == 0 {
		return d
	}
	slices.Sort(s.seconds)
	at := func(rank int) float64 { return float64(s.seconds[rank-1]) / 60 }
	lo, hi := medianRanks(d.Count)
	median, p90 := (at(lo)+at(hi))/2, at(p90Rank(d.Count))
	d.MedianMinutes, d.P90Minutes = &median, &p90
	return d
}

// The three durations, in the order of Phases.
const (
	detect = iota
	mitigate
	resolve
	metrics
)

// durationGroups holds the samples of each (detection method, severity).
type durationGroups map[string]map[string]*[metrics]sample

// readDurations streams the durations of the incidents in scope, split by
// detection method and severity (an unset severity under none).
func readDurations(ctx context.Context, src Source, in Scope) (durationGroups, error) {
	out := durationGroups{}
	err := src.EachDuration(ctx, in, func(d *DurationRow) {
		bySeverity := out[string(d.Method)]
		if bySeverity == nil {
			bySeverity = map[string]*[metrics]sample{}
			out[string(d.Method)] = bySeverity
		}
		severity := d.Severity
		if len(severity) == 0 {
			severity = []byte(none)
		}
		s := bySeverity[string(severity)]
		if s == nil {
			s = &[metrics]sample{}
			bySeverity[string(severity)] = s
		}
		for m := range metrics {
			s[m].add(d.Phases[m])
		}
	})
	return out, err
}

// byMethod and bySeverity merge the groups over the other column.
func (g durationGroups) byMethod() map[string]*[metrics]sample {
	return g.merged(func(method, _ string) string { return method })
}

func (g durationGroups) bySeverity() map[string]*[metrics]sample {
	return g.merged(func(_, severity string) string { return severity })
}

// merged merges the groups by the key that key picks of the two columns.
func (g durationGroups) merged(key func(method, severity string) string) map[string]*[metrics]sample {
	out := map[string]*[metrics]sample{}
	for method, bySeverity := range g {
		for severity, s := range bySeverity {
			mergeInto(out, key(method, severity), s)
		}
	}
	return out
}

// mergeInto adds the samples s to those of key in groups.
func mergeInto(groups map[string]*[metrics]sample, key string, s *[metrics]sample) {
	g := groups[key]
	if g == nil {
		g = &[metrics]sample{}
		groups[key] = g
	}
	for m := range metrics {
		g[m].merge(&s[m])
	}
}

// overall merges the groups into one sample per metric.
func overall(groups map[string]*[metrics]sample) *[metrics]sample {
	var all [metrics]sample
	for m := range metrics {
		n := 0
		for _, s := range groups {
			n += len(s[m].seconds)
		}
		all[m].seconds = make([]int64, 0, n)
	}
	for _, s := range groups {
		for m := range metrics {
			all[m].merge(&s[m])
		}
	}
	return &all
}

// groupList summarises metric m per group, ordered like the by_* lists:
// incidents with the duration known, then key.
func groupList(groups map[string]*[metrics]sample, m int) []GroupDurations {
	out := make([]GroupDurations, 0, len(groups))
	for k, s := range groups {
		out = append(out, GroupDurations{Key: k, Durations: s[m].summary()})
	}
	slices.SortFunc(out, func(a, b GroupDurations) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// durationSection fills the three durations, time to detect by method and
// time to resolve by severity from one stream.
func durationSection(ctx context.Context, src Source, in Scope, r *Report) error {
	groups, err := readDurations(ctx, src, in)
	if err != nil {
		return err
	}
	byMethod := groups.byMethod()
	r.Detection.TimeToDetectByMethod = groupList(byMethod, detect)
	r.TimeToResolveBySeverity = groupList(groups.bySeverity(), resolve)
	sortBySeverity(r.TimeToResolveBySeverity)
	all := overall(byMethod)
	r.TimeToDetect, r.TimeToMitigate, r.TimeToResolve = all[detect].summary(), all[mitigate].summary(), all[resolve].summary()
	return nil
}
