package report

import (
	"testing"
)

// TestMedianAndP90 pins the definitions: the median of an even count is
// the mean of the two middle values; p90 is the nearest rank, the
// ⌈0.9·n⌉-th smallest value.
func TestMedianAndP90(t *testing.T) {
	tests := []struct {
		name        string
		minutes     []int64
		median, p90 float64 // ignored when count is 0
	}{
		{"one", []int64{7}, 7, 7},
		{"two: mean of both; p90 the larger", []int64{10, 20}, 15, 20},
		{"odd, unsorted", []int64{30, 10, 20}, 20, 30},
		{"even", []int64{1, 2, 3, 4}, 2.5, 4},
		{"ten: p90 is the ninth", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 100}, 5.5, 9},
		{"eleven: p90 is the tenth", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100}, 6, 10},
		{"twenty: p90 is the eighteenth", seq(1, 20), 10.5, 18},
		{"ties", []int64{5, 5, 5, 5, 9}, 5, 9},
		{"ties in the middle of an even count", []int64{1, 4, 4, 8}, 4, 8},
		{"zero durations", []int64{0, 0, 0}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sample
			for _, m := range tt.minutes {
				s.add(Elapsed{Seconds: m * 60, Known: true})
			}
			d := s.summary()
			if d.Count != len(tt.minutes) || *d.MedianMinutes != tt.median || *d.P90Minutes != tt.p90 {
				t.Errorf("count %d median %v p90 %v, want %d %v %v", d.Count, *d.MedianMinutes, *d.P90Minutes, len(tt.minutes), tt.median, tt.p90)
			}
		})
	}
}

func TestEmptySampleHasNoMedian(t *testing.T) {
	var s sample
	s.add(Elapsed{})                          // unknown
	s.add(Elapsed{Seconds: -60, Known: true}) // ends before it starts
	d := s.summary()
	if d.Count != 0 || d.MedianMinutes != nil || d.P90Minutes != nil || d.Missing != 1 || d.Inconsistent != 1 {
		t.Errorf("%+v", d)
	}
}

func seq(from, to int64) []int64 {
	var out []int64
	for v := from; v <= to; v++ {
		out = append(out, v)
	}
	return out
}
