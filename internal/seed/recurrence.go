package seed

import (
	"slices"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Recurrence is one planted recurrence, the ground truth that pattern
// reports are measured against: the incident at position Incident of the
// sequence (1-based, in the order Next returns them) repeats the failure of
// the one at position Repeats, the latest earlier incident of its family.
// AfterFix says whether it started after a preventive action item that
// addresses the failure's cause, on an earlier incident of the family, was
// marked done: the fix did not work.
type Recurrence struct {
	Incident, Repeats int
	AfterFix          bool
}

// family is a failure that may come back. Its first incident fixed the
// service that failed, the mechanism and its key terms (the component, the
// config key, table, flag, queue or dependency involved, the error in the
// logs); each recurrence describes the same failure again the way a second
// post-mortem would, in wording of its own, with other figures and hosts,
// its sentences in another order, and filed on the same service or one
// related to it by a dependency.
type family struct {
	origin  int // catalogue index of the service that failed
	cause   int
	mech    int
	detail  int
	compIdx int
	trig    int
	conseq  int
	evid    int
	parts   []int      // the first description's parts after the mechanism
	factors []ref      // the contributing factors its incidents listed
	v       slotValues // the key terms, as the first incident drew them
	members []member   // its incidents so far, in order
	end     time.Time  // when the latest incident was resolved; the next starts after it
	// causeFix is when the first preventive fix of the cause was marked
	// done on an incident of the family; factorFix the same for each of
	// factors, on the incidents that carried it. Zero when none is done.
	causeFix  time.Time
	factorFix []time.Time
}

const (
	// recurChance is the share of incidents that repeat an earlier failure.
	recurChance = 0.16
	// afterFixChance is the share of those placed after the failure's
	// preventive fix was done (the fix did not work).
	afterFixChance = 0.6
	// relatedChance is the share of recurrences filed on a service related
	// to the one that failed: a dependency, or a service that depends on it.
	relatedChance = 0.2
	// keepChance is how often a recurrence keeps each sentence of the
	// earlier write-up (with edits); addChance how often it adds one.
	keepChance = 0.7
	addChance  = 0.6
	// carryChance is how often a recurrence lists again each contributing
	// factor its family listed before: the conditions that let the failure
	// happen are often still there.
	carryChance = 0.35
	// familyChance is the chance that a fresh incident's failure is kept for
	// recurrences; with maxFamilies it sets how often one failure returns
	// (typically two or three times while it stays in the pool).
	familyChance = 0.05
	maxFamilies  = 512
	// recurMargin keeps recurrences far enough from now that detection
	// (capped at two days) has happened and no shift moves them back
	// before the earlier incident.
	recurMargin = 3 * 24 * time.Hour
	day         = 24 * time.Hour
)

// recur turns d into a recurrence of a remembered failure, when the dice
// say so and there is room between that failure's latest incident and now.
func (g *Generator) recur(d *draft) bool {
	r := g.rng
	if len(g.pool) == 0 || !chance(r, recurChance) {
		return false
	}
	fi := r.IntN(len(g.pool))
	f := &g.pool[fi]
	// After the cause's fix was done (it did not work), or before it.
	lo, hi := f.end.Add(day), g.now.Add(-recurMargin)
	if fix := f.causeFix; !fix.IsZero() {
		if chance(r, afterFixChance) {
			lo = later(lo, fix.Add(time.Duration(1+r.IntN(30))*day))
		} else if fix.Before(hi) {
			hi = fix
		}
	}
	if !lo.Before(hi) {
		return false
	}
	gap := time.Duration(r.ExpFloat64() * float64(60*day))
	if window := hi.Sub(lo); gap >= window {
		gap = time.Duration(r.Int64N(int64(window)))
	}
	d.family = fi
	d.svcIdx = f.origin
	if related := catalogue[f.origin].related; len(related) > 0 && chance(r, relatedChance) {
		d.svcIdx = oneOf(r, related)
	}
	d.svc = &catalogue[d.svcIdx]
	d.cause, d.mech, d.trig, d.compIdx = f.cause, f.mech, f.trig, f.compIdx
	g.copyEdit(d, f)
	d.carried = d.carried[:0]
	for k, fr := range f.factors {
		if len(d.carried) < len(factorRefs) && chance(r, carryChance) {
			d.carried = append(d.carried, carried{ref: fr, of: k, at: len(d.carried)})
		}
	}
	d.ph.started = lo.Add(gap).Truncate(time.Second)

	// The key terms stay; part of the wording, the figures, the pod and
	// the surrounding sentences are new.
	g.v = f.v
	g.v.edit = r.Uint64() | 1
	origin := &catalogue[f.origin]
	if d.svc != origin {
		g.setService(d.svc)
		g.v.s[slotComp] = origin.name + " " + origin.components[f.compIdx]
	}
	g.fillNumbers()
	g.newPod(origin.compSlugs[f.compIdx])
	return true
}

// copyEdit writes a recurrence's cause as a second post-mortem would when
// its author starts from the first one: each sentence after the mechanism
// is kept or replaced by another of its kind (the context sentences kept
// or dropped), one may be added, and the order is shuffled. The mechanism
// and the error in the logs stay.
func (g *Generator) copyEdit(d *draft, f *family) {
	r := g.rng
	k := &causeKinds[d.cause]
	d.detail, d.conseq, d.evid = f.detail, f.conseq, f.evid
	if !chance(r, keepChance) {
		d.detail = r.IntN(len(k.details))
	}
	if !chance(r, keepChance) {
		d.conseq = r.IntN(len(consequences))
	}
	if !chance(r, keepChance) {
		d.evid = r.IntN(len(evidence))
	}
	d.parts = d.parts[:0]
	for _, p := range f.parts {
		if p < partContext || chance(r, keepChance) {
			d.parts = append(d.parts, p)
		}
	}
	if p := partContext + r.IntN(len(causeContext)); chance(r, addChance) && !slices.Contains(d.parts, p) {
		d.parts = append(d.parts, p)
	}
	r.Shuffle(len(d.parts), func(i, j int) { d.parts[i], d.parts[j] = d.parts[j], d.parts[i] })
}

// member is an incident of a family: its sequence position and service.
type member struct{ pos, svcIdx int }

// carried is a contributing factor a recurrence lists again: the family's
// factor number of, as a ref, at position at of the incident's factors.
type carried struct {
	ref
	of, at int
}

// repeats is the latest incident of the family on the same service as a
// recurrence on svcIdx, or one related to it. The first incident always
// is: a recurrence is filed on its service or a related one.
func (f *family) repeats(svcIdx int) int {
	for k := len(f.members) - 1; k > 0; k-- {
		if m := f.members[k]; m.svcIdx == svcIdx || slices.Contains(catalogue[m.svcIdx].related, svcIdx) {
			return m.pos
		}
	}
	return f.members[0].pos
}

// carriedFactor reports which of the family's factors a recurrence's fresh
// factor (drawn from the family's key terms) happens to be, if any: then
// it is the same factor listed again.
func (f *family) carriedFactor(fr ref) (int, bool) {
	for k, x := range f.factors {
		if x == fr {
			return k, true
		}
	}
	return 0, false
}

// settle records what the finished incident means for the failures kept
// for recurrence: a recurrence joins its family's history (and the ground
// truth); a fresh incident may start a family of its own.
func (g *Generator) settle(d *draft, inc *incident.Incident, factors []ref) {
	if d.family < 0 {
		g.remember(d, inc, factors)
		return
	}
	f := &g.pool[d.family]
	start := *inc.StartedAt
	fixed := fixedBefore(f.causeFix, start)
	for _, c := range d.carried {
		fixed = fixed || fixedBefore(f.factorFix[c.of], start)
	}
	g.planted = append(g.planted, Recurrence{Incident: g.seq, Repeats: f.repeats(d.svcIdx), AfterFix: fixed})
	f.members = append(f.members, member{pos: g.seq, svcIdx: d.svcIdx})
	f.end = g.now
	if inc.ResolvedAt != nil {
		f.end = *inc.ResolvedAt
	}
	f.causeFix = earliest(f.causeFix, fixDone(inc, "primary_cause"))
	// Factors listed again update their fix; new ones join the family's.
	for i, fr := range factors {
		k := slices.IndexFunc(d.carried, func(c carried) bool { return c.at == i })
		if k >= 0 {
			of := d.carried[k].of
			f.factorFix[of] = earliest(f.factorFix[of], fixDone(inc, factorRefs[i]))
		} else if _, known := f.carriedFactor(fr); !known {
			f.factors = append(f.factors, fr)
			f.factorFix = append(f.factorFix, fixDone(inc, factorRefs[i]))
		}
	}
}

// remember may keep a fresh, resolved incident's failure for later
// recurrences.
func (g *Generator) remember(d *draft, inc *incident.Incident, factors []ref) {
	r := g.rng
	if d.cause < 0 || !d.hasRes || causeKinds[d.cause].slug == "unknown" || !chance(r, familyChance) {
		return
	}
	f := family{
		origin: d.svcIdx, cause: d.cause, mech: d.mech, detail: d.detail, compIdx: d.compIdx, trig: d.trig,
		conseq: d.conseq, evid: d.evid, parts: slices.Clone(d.parts), factors: slices.Clone(factors),
		v: g.v, members: []member{{pos: g.seq, svcIdx: d.svcIdx}}, end: d.ph.resolved, causeFix: fixDone(inc, "primary_cause"),
		factorFix: make([]time.Time, len(factors)),
	}
	for j := range factors {
		f.factorFix[j] = fixDone(inc, factorRefs[j])
	}
	if len(g.pool) < maxFamilies {
		g.pool = append(g.pool, f)
	} else {
		g.pool[r.IntN(maxFamilies)] = f
	}
}

// fixDone is when a preventive action item of the incident that addresses
// the given cause or factor was marked done, or zero.
func fixDone(inc *incident.Incident, addresses string) time.Time {
	for _, a := range inc.ActionItems {
		if a.Kind == incident.ActionPrevent && a.Addresses == addresses && a.Status == incident.ActionDone && a.DoneAt != nil {
			return *a.DoneAt
		}
	}
	return time.Time{}
}

// fixedBefore reports whether a fix done at fix (zero: never) was done
// before start.
func fixedBefore(fix, start time.Time) bool { return !fix.IsZero() && fix.Before(start) }

// earliest is the earlier of two times, zero meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Recurrences returns the recurrences planted so far, in sequence order.
func (g *Generator) Recurrences() []Recurrence { return g.planted }
