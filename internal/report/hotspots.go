package report

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
)

// Hotspot is a service and category failing well above their usual rate
// in the window: the category (as primary cause or contributing factor)
// of a larger share of the service's incidents than usual.
type Hotspot struct {
	Service  string `json:"service"` // key
	Category string `json:"category"`
	// Incidents of the service in the window have the category, of Of.
	Incidents int     `json:"incidents"`
	Of        int     `json:"of"`
	Share     float64 `json:"share"`
	// Baseline is what "usual" is measured on: "service", the service's
	// own incidents before the window, when it had at least
	// minHotspotBaseline of them; else "fleet", the other services'
	// incidents in the window.
	Baseline          string  `json:"baseline"`
	BaselineIncidents int     `json:"baseline_incidents"`
	BaselineOf        int     `json:"baseline_of"`
	BaselineShare     float64 `json:"baseline_share"`
	// Ratio is Share over the usual share (with half an incident added to
	// the baseline's count, so that none is never infinitely exceeded);
	// PValue the one-sided binomial
	// test of the count against the usual share, before the correction
	// for the number of pairs tested.
	Ratio  float64 `json:"ratio"`
	PValue float64 `json:"p_value"`
	// Trend is "rising", "falling" or "steady" over Months, or "" when the
	// counts are too small to tell (see trendOf).
	Trend  string  `json:"trend"`
	Months []Count `json:"months"` // incidents of the pair per month, oldest first
	IDs    []int64 `json:"ids"`    // its incidents in the window, oldest first
}

// A pair is a hotspot when it has at least minHotspotCount incidents in
// the window, its share is at least minHotspotRatio times the usual one,
// and the probability of at least that many under the usual share is below
// hotspotAlpha divided by the number of pairs tested (Bonferroni): over a
// hundred pairs, a fleet whose services all fail alike shows a hotspot in
// fewer than one report in a hundred.
const (
	minHotspotCount    = 5
	minHotspotRatio    = 1.5
	minHotspotBaseline = 20
	hotspotAlpha       = 0.01
	// A trend needs trendMinMonths and trendMinCount incidents in the halves
	// compared, and a two-sided p below trendAlpha.
	trendMinMonths = 4
	trendMinCount  = 10
	trendAlpha     = 0.05
	trendMonths    = 12 // the least a trend looks back
)

// pairCount is one service and category's incidents.
type pairCount struct {
	service, category uint32
	inWindow, before  int
	ids               []int64
}

// hotspots compares each service's categories in the window with their
// usual share. p bounds the window and gives the reference time.
func (h *history) hotspots(p *Params) []Hotspot {
	pairs := map[[2]uint32]*pairCount{}
	inWindow, before := map[uint32]int{}, map[uint32]int{}
	categoryTotal := map[uint32]int{}
	total := 0
	fi := 0
	var cats []uint32
	for i := range h.incidents {
		inc := &h.incidents[i]
		cats = h.categoriesOf(cats[:0], i, &fi)
		earlier := !inc.inScope && p.Since != nil && inc.started && inc.startedAt < p.Since.Unix() && h.serviceInFilter(inc.service, p)
		switch {
		case inc.inScope:
			inWindow[inc.service]++
			total++
		case earlier:
			before[inc.service]++
		default:
			continue
		}
		for _, c := range cats {
			pc := pairs[[2]uint32{inc.service, c}]
			if pc == nil {
				pc = &pairCount{service: inc.service, category: c}
				pairs[[2]uint32{inc.service, c}] = pc
			}
			if inc.inScope {
				pc.inWindow++
				pc.ids = append(pc.ids, inc.id)
				categoryTotal[c]++
			} else {
				pc.before++
			}
		}
	}

	type candidate struct {
		*pairCount
		baseline         string
		baseK, baseN     int
		share, baseShare float64
		ratio, pValue    float64
	}
	// Every pair with enough incidents and a baseline is tested; Bonferroni
	// divides by all of them, not only by those above the ratio.
	var tested []candidate
	considered := 0
	for _, pc := range pairs {
		if pc.inWindow < minHotspotCount {
			continue
		}
		c := candidate{pairCount: pc}
		switch n := inWindow[pc.service]; {
		case before[pc.service] >= minHotspotBaseline:
			c.baseline, c.baseK, c.baseN = "service", pc.before, before[pc.service]
		case total-n >= minHotspotBaseline:
			c.baseline, c.baseK, c.baseN = "fleet", categoryTotal[pc.category]-pc.inWindow, total-n
		default:
			continue
		}
		considered++
		n := inWindow[pc.service]
		c.share = float64(pc.inWindow) / float64(n)
		c.baseShare = float64(c.baseK) / float64(c.baseN)
		// Half an incident either way keeps a usual share of zero from
		// making any count significant.
		p0 := (float64(c.baseK) + 0.5) / (float64(c.baseN) + 1)
		c.pValue, c.ratio = binomialUpperTail(pc.inWindow, n, p0), c.share/p0
		if c.ratio >= minHotspotRatio {
			tested = append(tested, c)
		}
	}
	var out []Hotspot
	months := h.trendMonths(p)
	for _, c := range tested {
		if c.pValue >= hotspotAlpha/float64(considered) {
			continue
		}
		series := h.monthly(c.service, c.category, months, p)
		slices.Sort(c.ids)
		hs := Hotspot{
			Service: h.services.values[c.service], Category: h.categories.values[c.category],
			Incidents: c.inWindow, Of: inWindow[c.service], Share: c.share,
			Baseline: c.baseline, BaselineIncidents: c.baseK, BaselineOf: c.baseN, BaselineShare: c.baseShare,
			Ratio: c.ratio, PValue: c.pValue,
			Trend: trendOf(series, months.partialLast), Months: series, IDs: c.ids,
		}
		out = append(out, hs)
	}
	slices.SortFunc(out, func(a, b Hotspot) int {
		switch {
		case a.PValue != b.PValue:
			return cmp.Compare(a.PValue, b.PValue)
		case a.Ratio != b.Ratio:
			return cmp.Compare(b.Ratio, a.Ratio)
		case a.Service != b.Service:
			return strings.Compare(a.Service, b.Service)
		}
		return strings.Compare(a.Category, b.Category)
	})
	if out == nil {
		out = []Hotspot{}
	}
	return out
}

// serviceInFilter reports whether a service is the report's (or any, with
// no filter): the pass also reads related services.
func (h *history) serviceInFilter(service uint32, p *Params) bool {
	return p.Service == "" || h.services.values[service] == p.services()[0]
}

// categoriesOf appends the distinct cause and factor categories of
// incident i; *fi walks h.factors, which is sorted by incident.
func (h *history) categoriesOf(dst []uint32, i int, fi *int) []uint32 {
	if c := h.incidents[i].cause; c != noCategory {
		dst = append(dst, c)
	}
	for ; *fi < len(h.factors) && int(h.factors[*fi].incident) < i; *fi++ {
	}
	for ; *fi < len(h.factors) && int(h.factors[*fi].incident) == i; *fi++ {
		if c := h.factors[*fi].category; !slices.Contains(dst, c) {
			dst = append(dst, c)
		}
	}
	return dst
}

// monthSpan is the months a trend covers, as "YYYY-MM", oldest first;
// partialLast says the last one is not over at the window's end.
type monthSpan struct {
	keys        []string
	partialLast bool
}

// trendMonths covers the window's months, reaching back to trendMonths
// months before its end when it is shorter: a monthly review's trend is
// that of the past year. Without bounds, the months of the incidents in
// scope.
func (h *history) trendMonths(p *Params) monthSpan {
	var first, last time.Time
	end := p.Now
	if p.Until != nil {
		end = *p.Until
	}
	for i := range h.incidents {
		inc := &h.incidents[i]
		if !inc.inScope || !inc.started {
			continue
		}
		at := time.Unix(inc.startedAt, 0).UTC()
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	if last.IsZero() {
		return monthSpan{}
	}
	if p.Since != nil {
		first = *p.Since
	}
	if p.Until != nil {
		last = p.Until.Add(-time.Second)
	}
	start, stop := monthStart(first), monthStart(last)
	if earliest := stop.AddDate(0, 1-trendMonths, 0); start.After(earliest) {
		start = earliest
	}
	var span monthSpan
	for m := start; !m.After(stop); m = m.AddDate(0, 1, 0) {
		span.keys = append(span.keys, m.Format("2006-01"))
	}
	span.partialLast = end.Before(stop.AddDate(0, 1, 0))
	return span
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// monthly counts the incidents of a service with a category per month of
// the span, in the window and before it.
func (h *history) monthly(service, category uint32, span monthSpan, p *Params) []Count {
	out := make([]Count, len(span.keys))
	at := map[string]int{}
	for k, m := range span.keys {
		out[k].Key = m
		at[m] = k
	}
	fi := 0
	var cats []uint32
	for i := range h.incidents {
		inc := &h.incidents[i]
		cats = h.categoriesOf(cats[:0], i, &fi)
		if inc.service != service || !inc.started || !slices.Contains(cats, category) {
			continue
		}
		if p.Until != nil && inc.startedAt >= p.Until.Unix() {
			continue
		}
		if k, ok := at[time.Unix(inc.startedAt, 0).UTC().Format("2006-01")]; ok {
			out[k].Count++
		}
	}
	return out
}

// trendOf compares the first half of the months with the second (the
// middle month of an odd number, and a month not over yet, left out):
// with the total count n, the second half's count is Binomial(n, ½) when
// nothing changes, and a two-sided p below trendAlpha is a trend. Fewer
// than trendMinCount incidents or trendMinMonths months are not called a
// trend.
func trendOf(months []Count, partialLast bool) string {
	if partialLast && len(months) > 0 {
		months = months[:len(months)-1]
	}
	half := len(months) / 2
	if len(months) < trendMinMonths {
		return ""
	}
	x1, x2 := 0, 0
	for _, m := range months[:half] {
		x1 += m.Count
	}
	for _, m := range months[len(months)-half:] {
		x2 += m.Count
	}
	n := x1 + x2
	if n < trendMinCount {
		return ""
	}
	lo := binomialUpperTail(n-min(x1, x2), n, 0.5) // P(X ≤ min) by symmetry
	if p := math.Min(1, 2*lo); p >= trendAlpha || x1 == x2 {
		return "steady"
	}
	if x2 > x1 {
		return "rising"
	}
	return "falling"
}

// binomialUpperTail is P(X ≥ k) for X ~ Binomial(n, p), summed in log
// space from k upwards while the terms matter.
func binomialUpperTail(k, n int, p float64) float64 {
	switch {
	case k <= 0:
		return 1
	case k > n:
		return 0
	case p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	lgN, _ := math.Lgamma(float64(n + 1))
	logP, logQ := math.Log(p), math.Log1p(-p)
	term := func(j int) float64 {
		a, _ := math.Lgamma(float64(j + 1))
		b, _ := math.Lgamma(float64(n - j + 1))
		return math.Exp(lgN - a - b + float64(j)*logP + float64(n-j)*logQ)
	}
	sum := 0.0
	for j := k; j <= n; j++ {
		t := term(j)
		sum += t
		// Past the mode the terms only shrink.
		if float64(j) > float64(n)*p && t < sum*1e-16 {
			break
		}
	}
	return math.Min(1, sum)
}
