package web

import (
	"slices"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/report"
)

func TestChartScales(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 1, 5: 5, 6: 10, 11: 20, 20: 20, 21: 50, 99: 100, 101: 200} {
		if got := niceCeiling(n); got != want {
			t.Errorf("niceCeiling(%d) = %d, want %d", n, got, want)
		}
	}
	for top, want := range map[int][]int{1: {0, 1}, 4: {0, 1, 2, 3, 4}, 5: {0, 1, 2, 3, 4, 5}, 20: {0, 5, 10, 15, 20}, 50: {0, 10, 20, 30, 40, 50}} {
		if got := ticks(top); !slices.Equal(got, want) {
			t.Errorf("ticks(%d) = %v, want %v", top, got, want)
		}
	}
	if got := monthRange("2024-11", "2025-02"); !slices.Equal(got, []string{"2024-11", "2024-12", "2025-01", "2025-02"}) {
		t.Errorf("monthRange = %v", got)
	}
}

// TestCountChart: bars are as long as their counts say, the largest
// filling the plot, and the table holds the same numbers.
func TestCountChart(t *testing.T) {
	c := countChart("x", "X", "", []report.Count{{Key: "capacity", Count: 8}, {Key: "deployment", Count: 2}, {Key: "time", Count: 1}}, 2)
	if len(c.Bars) != 2 || c.Bars[0].W != hBarArea || c.Bars[1].W != float64(hBarArea)/4 {
		t.Fatalf("bars %+v", c.Bars)
	}
	if !slices.Equal(c.Rows[1], []string{"deployment", "2"}) || len(c.Rows) != 2 {
		t.Fatalf("table %v", c.Rows)
	}
}

// TestMonthlyChart: months without incidents are gaps on the axis and
// out of the table; each month's stack is as tall as its counts.
func TestMonthlyChart(t *testing.T) {
	c := monthlyChart("m", "M", []report.MonthCount{
		{Month: "2025-01", Key: "global", Count: 3}, {Month: "2025-01", Key: "partial", Count: 1},
		{Month: "2025-03", Key: "(none)", Count: 2},
	})
	if len(c.Rows) != 2 || !slices.Equal(c.Rows[0], []string{"2025-01", "0", "3", "1", "0", "0"}) {
		t.Fatalf("table %v", c.Rows)
	}
	var h float64
	for _, b := range c.Bars[:2] {
		h += b.H
	}
	if len(c.Bars) != 3 || h != mPlot || c.Bars[2].H != mPlot/2 || c.Bars[2].X <= c.Bars[0].X {
		t.Fatalf("bars %+v", c.Bars)
	}
}
