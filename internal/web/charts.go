package web

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// Charts are drawn on the server as SVG (ui/templates/_charts.html) from
// the geometry computed here, so that they need no script, print as they
// show, and keep to the Content-Security-Policy: colours come from classes
// in the stylesheet, positions from attributes. Each chart's numbers are
// also in a table beside it, which is what a screen reader reads.

// chart is one figure: an SVG drawing and the table of its numbers.
type chart struct {
	ID, Title, Note string
	Width, Height   int
	Bars            []chartBar
	Labels          []chartText // category labels beside or under the bars
	Ticks           []chartTick
	Legend          []chartSeries
	// Table holds the numbers: a header row, then one row per category.
	Head []string
	Rows [][]string
	Wide bool // takes the page's full width
}

type chartBar struct {
	X, Y, W, H float64
	Class      string
	Title      string // the bar's tooltip
	Value      string // written at the bar's end, if set
	VX, VY     float64
}

type chartText struct {
	X, Y   float64
	Text   string
	Anchor string
}

type chartTick struct {
	X1, Y1, X2, Y2 float64 // the grid line
	TX, TY         float64 // where its label goes
	Label          string
	Anchor         string
}

type chartSeries struct{ Name, Class string }

// Empty reports whether the chart has nothing to draw.
func (c *chart) Empty() bool { return len(c.Rows) == 0 }

// Geometry of the horizontal bar charts, in SVG units.
const (
	hLabelWidth = 170
	hBarArea    = 330
	hValueRoom  = 70
	hRow        = 28
	hBar        = 18
	hTop        = 6
)

// countChart draws counts as horizontal bars, the largest first, at most
// limit of them.
func countChart(id, title, note string, counts []report.Count, limit int) *chart {
	c := &chart{ID: id, Title: title, Note: note, Head: []string{"Category", "Incidents"}}
	counts = counts[:min(limit, len(counts))]
	peak := 0
	for _, n := range counts {
		peak = max(peak, n.Count)
	}
	c.Width, c.Height = hLabelWidth+hBarArea+hValueRoom, hTop*2+hRow*len(counts)
	for i, n := range counts {
		y := float64(hTop + i*hRow)
		w := scale(float64(n.Count), float64(peak), hBarArea)
		c.Bars = append(c.Bars, chartBar{X: hLabelWidth, Y: y + (hRow-hBar)/2, W: w, H: hBar, Class: "bar",
			Title: fmt.Sprintf("%s: %s", label(n.Key), plural(n.Count, "incident")),
			Value: strconv.Itoa(n.Count), VX: hLabelWidth + w + 6, VY: y + hRow/2 + 4})
		c.Labels = append(c.Labels, chartText{X: hLabelWidth - 8, Y: y + hRow/2 + 4, Text: shorten(label(n.Key), 26), Anchor: "end"})
		c.Rows = append(c.Rows, []string{label(n.Key), formatNumber(n.Count)})
	}
	return c
}

// durationChart draws, per group (a severity), the median and the p90 of a
// duration as two bars.
func durationChart(id, title, note string, groups []report.GroupDurations) *chart {
	c := &chart{ID: id, Title: title, Note: note, Head: []string{"Severity", "Incidents", "Median", "p90"},
		Legend: []chartSeries{{"median", "bar-median"}, {"p90", "bar-p90"}}}
	peak := 0.0
	var shown []report.GroupDurations
	for _, g := range groups {
		if g.Count > 0 {
			shown = append(shown, g)
			peak = max(peak, *g.P90Minutes, *g.MedianMinutes)
		}
		c.Rows = append(c.Rows, []string{label(g.Key), formatNumber(g.Count), minutesText(g.MedianMinutes), minutesText(g.P90Minutes)})
	}
	const group = 2*hBar + 14
	c.Width, c.Height = hLabelWidth+hBarArea+hValueRoom, hTop*2+group*len(shown)
	for i, g := range shown {
		y := float64(hTop + i*group)
		for k, s := range []struct {
			v     float64
			class string
			name  string
		}{{*g.MedianMinutes, "bar-median", "median"}, {*g.P90Minutes, "bar-p90", "p90"}} {
			w := scale(s.v, peak, hBarArea)
			by := y + float64(k*hBar) + 4
			c.Bars = append(c.Bars, chartBar{X: hLabelWidth, Y: by, W: w, H: hBar - 2, Class: s.class,
				Title: fmt.Sprintf("%s %s: %s", g.Key, s.name, minutesText(&s.v)),
				Value: minutesText(&s.v), VX: hLabelWidth + w + 6, VY: by + hBar/2 + 3})
		}
		c.Labels = append(c.Labels, chartText{X: hLabelWidth - 8, Y: y + hBar + 8, Text: label(g.Key), Anchor: "end"})
	}
	return c
}

// The outage types in the order the monthly chart stacks them, and the
// class of each.
var outageSeries = []chartSeries{
	{string(incident.OutageRegional), "s-1"}, {string(incident.OutageGlobal), "s-2"},
	{string(incident.OutagePartial), "s-3"}, {string(incident.OutageCascading), "s-4"}, {"(none)", "s-5"},
}

// Geometry of the monthly chart.
const (
	mLeft, mRight, mTop, mBottom = 40, 10, 10, 30
	mPlot                        = 200
	mMinWidth                    = 1100
)

// monthlyChart stacks each month's incidents by outage type. Months
// without incidents are drawn as gaps, so that time reads evenly.
func monthlyChart(id, title string, counts []report.MonthCount) *chart {
	c := &chart{ID: id, Title: title, Wide: true, Legend: outageSeries,
		Note: "An incident with several outage types counts once under each."}
	c.Head = []string{"Month"}
	for _, s := range outageSeries {
		c.Head = append(c.Head, s.Name)
	}
	if len(counts) == 0 {
		return c
	}
	months := monthRange(counts[0].Month, counts[len(counts)-1].Month)
	cells := map[string]map[string]int{}
	for _, m := range counts {
		if cells[m.Month] == nil {
			cells[m.Month] = map[string]int{}
		}
		cells[m.Month][m.Key] += m.Count
	}
	peak := 0
	for _, m := range months {
		total := 0
		for _, n := range cells[m] {
			total += n
		}
		peak = max(peak, total)
	}
	top := niceCeiling(peak)
	band := max(4.0, float64(mMinWidth-mLeft-mRight)/float64(len(months)))
	c.Width = int(math.Ceil(mLeft + mRight + band*float64(len(months))))
	c.Height = mTop + mPlot + mBottom
	for _, v := range ticks(top) {
		y := mTop + mPlot - scale(float64(v), float64(top), mPlot)
		c.Ticks = append(c.Ticks, chartTick{X1: mLeft, Y1: y, X2: float64(c.Width - mRight), Y2: y,
			TX: mLeft - 6, TY: y + 4, Label: strconv.Itoa(v), Anchor: "end"})
	}
	every := max(1, int(math.Ceil(float64(len(months))*64/float64(c.Width-mLeft-mRight))))
	for i, m := range months {
		x := mLeft + band*float64(i)
		y := float64(mTop + mPlot)
		row := []string{m}
		for _, s := range outageSeries {
			n := cells[m][s.Name]
			row = append(row, strconv.Itoa(n))
			if n == 0 {
				continue
			}
			h := scale(float64(n), float64(top), mPlot)
			y -= h
			c.Bars = append(c.Bars, chartBar{X: x + band*0.12, Y: y, W: band * 0.76, H: h, Class: s.Class,
				Title: fmt.Sprintf("%s, %s: %d", m, s.Name, n)})
		}
		if len(cells[m]) > 0 {
			c.Rows = append(c.Rows, row)
		}
		if i%every == 0 {
			c.Labels = append(c.Labels, chartText{X: x + band/2, Y: float64(mTop + mPlot + 18), Text: m, Anchor: "middle"})
		}
	}
	return c
}

// monthRange lists the months from first to last, both "YYYY-MM".
func monthRange(first, last string) []string {
	from, err1 := time.Parse("2006-01", first)
	to, err2 := time.Parse("2006-01", last)
	if err1 != nil || err2 != nil || to.Before(from) {
		return []string{first}
	}
	var out []string
	for m := from; !m.After(to) && len(out) < 1200; m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}

// scale maps v in [0, peak] onto [0, length].
func scale(v, peak, length float64) float64 {
	if peak <= 0 {
		return 0
	}
	return math.Round(v/peak*length*10) / 10
}

// niceCeiling is the smallest of 1, 2 or 5 times a power of ten at or
// above n: the top of a count axis.
func niceCeiling(n int) int {
	if n <= 5 {
		return max(n, 1)
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// ticks are four or five whole-number grid lines up to top.
func ticks(top int) []int {
	step := max(1, top/4)
	if top%4 != 0 && top%5 == 0 {
		step = top / 5
	}
	var out []int
	for v := 0; v <= top; v += step {
		out = append(out, v)
	}
	return slices.Compact(out)
}

func minutesText(m *float64) string {
	if m == nil {
		return "—"
	}
	return formatDuration(time.Duration(*m * float64(time.Minute)))
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
