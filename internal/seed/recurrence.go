package seed

import (
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// family is an earlier incident whose cause may come back: on the same
// service, in the same category, with a near-identical description.
type family struct {
	svcIdx  int
	cause   int
	mech    int
	detail  int
	conseq  int
	evid    int
	compIdx int
	trig    int
	v       slotValues
	end     time.Time // when the earlier incident was resolved
	fixDone time.Time // when its preventive fix was marked done; zero if never
}

const (
	// recurChance is the share of incidents that repeat an earlier cause.
	recurChance = 0.16
	// afterFixChance is the share of those placed after the earlier
	// incident's preventive fix was done (the fix did not work).
	afterFixChance = 0.6
	// familyChance is the chance that a fresh incident's cause is kept for
	// recurrences; with maxFamilies it sets how often one cause returns
	// (typically two or three times while it stays in the pool).
	familyChance = 0.05
	maxFamilies  = 512
	// recurMargin keeps recurrences far enough from now that detection
	// (capped at two days) has happened and no shift moves them back
	// before the earlier incident.
	recurMargin = 3 * 24 * time.Hour
	day         = 24 * time.Hour
)

// recur turns d into a recurrence of a remembered cause, when the dice say
// so and there is room between that cause and now.
func (g *Generator) recur(d *draft) bool {
	r := g.rng
	if len(g.pool) == 0 || !chance(r, recurChance) {
		return false
	}
	f := &g.pool[r.IntN(len(g.pool))]
	lo := f.end.Add(day)
	if !f.fixDone.IsZero() && chance(r, afterFixChance) {
		lo = f.fixDone.Add(time.Duration(1+r.IntN(30)) * day)
	}
	hi := g.now.Add(-recurMargin)
	if !lo.Before(hi) {
		return false
	}
	gap := time.Duration(r.ExpFloat64() * float64(60*day))
	if window := hi.Sub(lo); gap >= window {
		gap = time.Duration(r.Int64N(int64(window)))
	}
	d.recurrence = true
	d.svcIdx, d.svc = f.svcIdx, &catalogue[f.svcIdx]
	d.cause, d.mech, d.detail, d.conseq, d.evid, d.trig = f.cause, f.mech, f.detail, f.conseq, f.evid, f.trig
	d.compIdx = f.compIdx
	d.ph.started = lo.Add(gap).Truncate(time.Second)
	g.v = f.v
	g.fillNumbers()
	g.newPod(d.svc.compSlugs[d.compIdx])
	return true
}

// remember may keep a fresh, resolved incident's cause for later
// recurrences, with the time its preventive fix was done.
func (g *Generator) remember(d *draft, inc *incident.Incident) {
	r := g.rng
	if d.cause < 0 || !d.hasRes || causeKinds[d.cause].slug == "unknown" || !chance(r, familyChance) {
		return
	}
	f := family{
		svcIdx: d.svcIdx, cause: d.cause, mech: d.mech, detail: d.detail, conseq: d.conseq, evid: d.evid,
		compIdx: d.compIdx, trig: d.trig,
		v: g.v, end: d.ph.resolved,
	}
	for _, a := range inc.ActionItems {
		if a.Kind == incident.ActionPrevent && a.Addresses == "primary_cause" && a.DoneAt != nil {
			f.fixDone = *a.DoneAt
			break
		}
	}
	if len(g.pool) < maxFamilies {
		g.pool = append(g.pool, f)
	} else {
		g.pool[r.IntN(maxFamilies)] = f
	}
}
