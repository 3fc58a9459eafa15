package seed

import (
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// timeline tells the story in 3–8 entries, in time order, from the start of
// impact to resolution (or to now for an open incident): impact, detection,
// then escalations, diagnosis and updates, then mitigation and resolution
// when they have happened.
func (g *Generator) timeline(d *draft) []incident.TimelineEntry {
	r := g.rng
	v := &g.v
	fixed := 2
	if d.hasMit {
		fixed++
	}
	if d.hasRes {
		fixed++
	}
	total := between(r, max(3, fixed), 8)
	out := make([]incident.TimelineEntry, 0, total)
	out = append(out,
		incident.TimelineEntry{At: d.ph.started, Kind: kindImpact, Text: oneOf(r, tlImpact).render(v)},
		incident.TimelineEntry{At: d.ph.detected, Kind: kindDetection, Text: oneOf(r, tlDetection[d.method]).render(v)},
	)
	// Middle entries fall between detection and mitigation (or now).
	until := g.now
	if d.hasMit {
		until = d.ph.mitigated
	}
	span := int64(until.Sub(d.ph.detected) / time.Second)
	for len(out) < total-(fixed-2) {
		at := d.ph.detected.Add(time.Duration(r.Int64N(span+1)) * time.Second)
		e := incident.TimelineEntry{At: at}
		switch x := r.IntN(10); {
		case x < 4:
			e.Kind, e.Text = kindEscalation, oneOf(r, tlEscalation).render(v)
		case x < 7 && d.cause >= 0 && d.status != incident.StatusInvestigating:
			t := &tlDiagnosis[r.IntN(len(tlDiagnosis))]
			if t.has(slotTrig) && d.trig < 0 {
				t = &tlDiagnosis[0]
			}
			e.Kind, e.Text = kindDiagnosis, t.render(v)
		default:
			e.Kind, e.Text = kindUpdate, oneOf(r, tlUpdate).render(v)
		}
		out = append(out, e)
	}
	if d.hasMit {
		list := tlMitigationGeneric
		if d.cause >= 0 && chance(r, 0.7) {
			list = causeKinds[d.cause].mitigations
		}
		out = append(out, incident.TimelineEntry{At: d.ph.mitigated, Kind: kindMitigation, Text: oneOf(r, list).render(v)})
	}
	if d.hasRes {
		out = append(out, incident.TimelineEntry{At: d.ph.resolved, Kind: kindResolution, Text: oneOf(r, tlResolution).render(v)})
	}
	sortByTime(out)
	return out
}

// sortByTime is a stable insertion sort; timelines have at most 8 entries.
func sortByTime(es []incident.TimelineEntry) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].At.Before(es[j-1].At); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}
