package report

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
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

func (s *sample) add(d sql.NullInt64) {
	switch {
	case !d.Valid:
		s.missing++
	case d.Int64 < 0:
		s.inconsistent++
	default:
		s.seconds = append(s.seconds, d.Int64)
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

// The three durations, in the order durationsSQL gives them.
const (
	detect = iota
	mitigate
	resolve
	metrics
)

// durationsSQL computes each incident's three durations, NULL where a
// timestamp is unknown. Percentiles need the values themselves, so Go
// receives this one narrow stream and sorts it: three integers and a short
// group label per incident, against a window function per metric that
// would make SQLite materialise and sort the rows once per metric.
const durationsSQL = `
SELECT %s AS grp,
	i.detected_at - i.started_at,
	i.mitigated_at - i.started_at,
	i.resolved_at - i.started_at
FROM incidents AS i WHERE %s`

// readDurations streams the durations of the incidents in scope, split by
// the SQL expression group.
func readDurations(db *gorm.DB, in scope, group string) (map[string]*[metrics]sample, error) {
	out := map[string]*[metrics]sample{}
	var key sql.RawBytes
	var d [metrics]sql.NullInt64
	err := eachRow(db, fmt.Sprintf(durationsSQL, group, in.cond), in.args, []any{&key, &d[0], &d[1], &d[2]}, func() {
		s := out[string(key)]
		if s == nil {
			s = &[metrics]sample{}
			out[string(key)] = s
		}
		for m := range metrics {
			s[m].add(d[m])
		}
	})
	return out, err
}

// overall merges the groups into one sample per metric.
func overall(groups map[string]*[metrics]sample) *[metrics]sample {
	var all [metrics]sample
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
		return compareStrings(a.Key, b.Key)
	})
	return out
}

// durationSection fills the three durations, time to detect by method and
// time to resolve by severity from one stream, grouped by both.
func durationSection(db *gorm.DB, in scope, r *Report) error {
	both, err := readDurations(db, in, "i.detection_method || '"+groupSeparator+"' || "+orNone("i.severity"))
	if err != nil {
		return err
	}
	byMethod, bySeverity := map[string]*[metrics]sample{}, map[string]*[metrics]sample{}
	for key, s := range both {
		method, severity, _ := strings.Cut(key, groupSeparator)
		mergeInto(byMethod, method, s)
		mergeInto(bySeverity, severity, s)
	}
	r.Detection.TimeToDetectByMethod = groupList(byMethod, detect)
	r.TimeToResolveBySeverity = groupList(bySeverity, resolve)
	sortBySeverity(r.TimeToResolveBySeverity)
	all := overall(byMethod)
	r.TimeToDetect, r.TimeToMitigate, r.TimeToResolve = all[detect].summary(), all[mitigate].summary(), all[resolve].summary()
	return nil
}

// groupSeparator joins two group labels in one key; neither a detection
// method nor a severity holds it.
const groupSeparator = "\x1f"

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
