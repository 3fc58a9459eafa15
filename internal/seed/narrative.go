package seed

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// title reads like a real incident title: "Elevated 5xx on payments-api
// after config push", "Checkout latency spike: connection pool exhausted".
func (g *Generator) title(d *draft) string {
	r := g.rng
	v := &g.v
	switch {
	case d.cause < 0:
		return oneOf(r, titleOpen).render(v)
	case d.outage == incident.OutageRegional && chance(r, 0.3):
		return oneOf(r, titleRegional).render(v)
	case d.trig >= 0 && chance(r, 0.35):
		return oneOf(r, titleWithTrigger).render(v)
	default:
		return oneOf(r, titleWithCause).render(v)
	}
}

// summary is two or three plain sentences.
func (g *Generator) summary(d *draft) string {
	v := &g.v
	var b strings.Builder
	b.Grow(200)
	b.WriteString(v.s[slotSymC])
	b.WriteString(" on ")
	b.WriteString(v.s[slotSvc])
	if d.outage == incident.OutageRegional {
		b.WriteString(" in ")
		b.WriteString(v.s[slotRegion])
	}
	b.WriteString(" for ")
	b.WriteString(v.s[slotDur])
	b.WriteString("; users could not reliably ")
	b.WriteString(v.s[slotAction])
	b.WriteString(". ")
	if d.cause < 0 {
		b.WriteString("The cause is still under investigation.")
	} else {
		b.WriteString("Primary cause: ")
		b.WriteString(v.s[slotShort])
		if d.trig >= 0 {
			b.WriteString(" (trigger: ")
			causeKinds[d.cause].triggers[d.trig].text.appendTo(&b, v)
			b.WriteString(")")
		}
		b.WriteString(".")
	}
	if d.cascading {
		b.WriteString(" The failure cascaded to dependent services.")
	}
	return b.String()
}

// causeText is the primary cause description: the mechanism, then one
// detail, what the logs showed, one consequence and up to two sentences of
// context, in an order drawn per incident. Each part is drawn on its own and
// worded per incident, so unrelated causes rarely read alike.
func (g *Generator) causeText(d *draft) string {
	var b strings.Builder
	b.Grow(560)
	g.appendCause(&b, d)
	return b.String()
}

func (g *Generator) appendCause(b *strings.Builder, d *draft) {
	k := &causeKinds[d.cause]
	k.mechanisms[d.mech].text.appendTo(b, &g.v)
	for _, p := range d.parts {
		b.WriteByte(' ')
		switch {
		case p == partDetail:
			k.details[d.detail].appendTo(b, &g.v)
		case p == partEvidence:
			evidence[d.evid].appendTo(b, &g.v)
		case p == partConsequence:
			consequences[d.conseq].appendTo(b, &g.v)
		default:
			causeContext[p-partContext].appendTo(b, &g.v)
		}
	}
}

// The parts of a cause description after its mechanism; partContext + k is
// causeContext[k].
const (
	partDetail = iota
	partEvidence
	partConsequence
	partContext
)

// contextCounts: how many sentences of context a cause description adds.
var contextCounts = newWeights(40, 40, 20)

// drawExtras picks the context sentences of the cause description and the
// order of its parts after the mechanism.
func (g *Generator) drawExtras(d *draft) {
	r := g.rng
	d.parts = append(d.parts[:0], partDetail, partEvidence, partConsequence)
	for n := contextCounts.pick(r); n > 0; n-- {
		if p := partContext + r.IntN(len(causeContext)); !slices.Contains(d.parts, p) {
			d.parts = append(d.parts, p)
		}
	}
	r.Shuffle(len(d.parts), func(i, j int) { d.parts[i], d.parts[j] = d.parts[j], d.parts[i] })
}

// description is a few markdown paragraphs, sometimes with a list.
func (g *Generator) description(d *draft) string {
	r := g.rng
	v := &g.v
	var b strings.Builder
	b.Grow(1200)
	oneOf(r, descOpeners).appendTo(&b, v)
	b.WriteString("\n\n")
	if d.cause < 0 {
		oneOf(r, descOpenUnknown).appendTo(&b, v)
	} else {
		g.appendCause(&b, d)
	}
	if chance(r, 0.5) {
		b.WriteString("\n\n")
		b.WriteString(descObservationsHeader)
		n := between(r, 2, 4)
		start := r.IntN(len(descObservations))
		for i := range n {
			if i > 0 {
				b.WriteByte('\n')
			}
			o := &descObservations[(start+i)%len(descObservations)]
			v.s[slotX] = strconv.Itoa(between(r, o.lo, o.hi))
			o.text.appendTo(&b, v)
		}
	}
	b.WriteString("\n\n")
	oneOf(r, descClosings).appendTo(&b, v)
	return b.String()
}

// impact describes who was hurt, with users and dependents when known.
func (g *Generator) impact(d *draft) incident.Impact {
	r := g.rng
	v := &g.v
	list := impactPartial
	switch d.outage {
	case incident.OutageRegional:
		list = impactRegional
	case incident.OutageGlobal:
		list = impactGlobal
	}
	t := oneOf(r, list)
	var b strings.Builder
	b.Grow(t.size + 160)
	t.appendTo(&b, v)
	if d.cascading {
		impactCascading.appendTo(&b, v)
	}
	im := incident.Impact{Description: b.String(), AffectedDependents: []string{}}
	if chance(r, 0.65) {
		u := int64(usersMedian[d.sev] * math.Exp(r.NormFloat64()))
		u = u/10*10 + 10 // reported numbers are round-ish and never zero
		im.AffectedUsers = &u
	}
	deps := d.svc.dependents
	n := [...]int{0, 1, 1, 2, 2, 3}[r.IntN(6)]
	if d.cascading && n == 0 {
		n = 1
	}
	if n > len(deps) {
		n = len(deps)
	}
	if n > 0 {
		im.AffectedDependents = make([]string, 0, n)
		start := r.IntN(len(deps))
		for i := range n {
			im.AffectedDependents = append(im.AffectedDependents, deps[(start+i)%len(deps)])
		}
	}
	return im
}

// lessons are written once the incident is resolved; open incidents have
// none yet.
func (g *Generator) lessons(d *draft, inc *incident.Incident) incident.Lessons {
	if !d.hasRes {
		return incident.Lessons{}
	}
	r := g.rng
	v := &g.v
	var l incident.Lessons
	l.WentWell = twoOf(r, lessonsWell, v)
	wrong := twoOf(r, lessonsWrong, v)
	if len(inc.DetectionGaps) > 0 && chance(r, 0.5) {
		wrong = inc.DetectionGaps[0].Description + " " + wrong
	}
	l.WentWrong = wrong
	if chance(r, 0.75) {
		l.GotLucky = oneOf(r, lessonsLucky).render(v)
	}
	return l
}

// twoOf renders one or two distinct templates of list as one paragraph.
func twoOf(r *rand.Rand, list []tmpl, v *slotValues) string {
	i := r.IntN(len(list))
	if r.IntN(2) == 0 {
		return list[i].render(v)
	}
	j := (i + 1 + r.IntN(len(list)-1)) % len(list)
	var b strings.Builder
	b.Grow(list[i].size + list[j].size + 48)
	list[i].appendTo(&b, v)
	b.WriteByte(' ')
	list[j].appendTo(&b, v)
	return b.String()
}

// isWeekend reports whether t falls on a Saturday or Sunday.
func isWeekend(t time.Time) bool {
	wd := t.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
