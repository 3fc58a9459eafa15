package seed

import (
	"math/rand/v2"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

var (
	factorCounts = newWeights(22, 38, 27, 13) // 0–3 contributing factors
	// Detection gaps: alerts usually leave fewer gaps than other methods.
	gapCountsAlert = newWeights(35, 40, 18, 7)
	gapCountsOther = newWeights(10, 40, 32, 18)
)

// ref names one generated finding: its kind (cause or gap kind index) and
// which of the kind's findings was used, so its action item matches it.
type ref struct{ kind, idx int }

// findings sets the primary cause, contributing factors and detection gaps,
// and returns refs to the factors and gaps in order.
func (g *Generator) findings(d *draft, inc *incident.Incident) (factors, gaps []ref) {
	r := g.rng
	v := &g.v
	if d.cause >= 0 {
		k := &causeKinds[d.cause]
		inc.PrimaryCause = incident.Cause{Category: k.slug, Description: g.causeText(d)}
		if d.trig >= 0 {
			inc.PrimaryCause.Trigger = k.triggers[d.trig].text.render(v)
		}
		// A recurrence lists the factors it carries over first.
		if n := max(factorCounts.pick(r), len(d.carried)); n > 0 {
			factors = make([]ref, 0, n)
			for _, c := range d.carried {
				factors = append(factors, c.ref)
			}
			factors = moreDistinct(r, factorWeights, factors, n, d.cause)
			inc.ContributingFactors = make([]incident.Finding, len(factors))
			nCarried := len(d.carried)
			for i := range factors {
				fk := &causeKinds[factors[i].kind]
				if i >= nCarried {
					factors[i].idx = r.IntN(len(fk.factors))
					// Drawn from the family's key terms, a fresh factor of
					// a recurrence may be one of the family's: then it is
					// that factor again.
					if d.family >= 0 {
						if of, ok := g.pool[d.family].carriedFactor(factors[i]); ok {
							d.carried = append(d.carried, carried{ref: factors[i], of: of, at: i})
						}
					}
				}
				inc.ContributingFactors[i] = incident.Finding{Category: fk.slug, Description: fk.factors[factors[i].idx].desc.render(v)}
			}
		}
	}
	counts := gapCountsOther
	if incident.DetectionMethods[d.method] == incident.DetectedByAlert {
		counts = gapCountsAlert
	}
	if n := counts.pick(r); n > 0 {
		gaps = distinct(r, gapWeights, n, -1)
		inc.DetectionGaps = make([]incident.Finding, len(gaps))
		for i := range gaps {
			gk := &gapKinds[gaps[i].kind]
			gaps[i].idx = r.IntN(len(gk.findings))
			inc.DetectionGaps[i] = incident.Finding{Category: gk.slug, Description: gk.findings[gaps[i].idx].desc.render(v)}
		}
	}
	return factors, gaps
}

// distinct draws up to n refs of different kinds from w, never exclude.
func distinct(r *rand.Rand, w weights, n, exclude int) []ref {
	return moreDistinct(r, w, make([]ref, 0, n), n, exclude)
}

// moreDistinct adds refs of kinds not yet in out, drawn from w and never
// exclude, until out holds n (or the draws give up).
func moreDistinct(r *rand.Rand, w weights, out []ref, n, exclude int) []ref {
	for tries := 0; len(out) < n && tries < 4*n+4; tries++ {
		k := w.pick(r)
		if k == exclude || hasKind(out, k) {
			continue
		}
		out = append(out, ref{kind: k})
	}
	return out
}

func hasKind(list []ref, k int) bool {
	for _, x := range list {
		if x.kind == k {
			return true
		}
	}
	return false
}

// actionPolicy gives the due-date window in days after the start and the
// chance that an item of the kind ever gets done.
func actionPolicy(kind incident.ActionKind) (dueMin, dueMax int, doneChance float64) {
	switch kind {
	case incident.ActionPrevent:
		return 14, 45, 0.85
	case incident.ActionDetect:
		return 7, 30, 0.8
	case incident.ActionMitigate:
		return 7, 30, 0.75
	default:
		return 3, 21, 0.7
	}
}

// maxActionItems bounds the follow-ups of one incident.
const maxActionItems = 5

// actionItems builds 1–5 follow-ups: a fix for the primary cause, items for
// gaps and factors, and now and then a mitigation or process change.
func (g *Generator) actionItems(d *draft, inc *incident.Incident, factors, gaps []ref) []incident.ActionItem {
	r := g.rng
	v := &g.v
	items := make([]incident.ActionItem, 0, maxActionItems)
	team := d.svc.team
	if d.cause >= 0 && chance(r, 0.85) {
		k := &causeKinds[d.cause]
		owner := team
		if k.owner != "" && chance(r, 0.5) {
			owner = k.owner
		}
		fix := k.mechanisms[d.mech].fix
		if chance(r, 0.25) {
			fix = oneOf(r, k.prevents)
		}
		items = g.addItem(d, items, fix.render(v), incident.ActionPrevent, owner, "primary_cause")
	}
	for i, gk := range gaps {
		if len(items) < maxActionItems && chance(r, 0.65) {
			k := &gapKinds[gk.kind]
			owner := team
			if k.owner != "" && chance(r, 0.5) {
				owner = k.owner
			}
			items = g.addItem(d, items, k.findings[gk.idx].action.render(v), k.kind, owner, gapRefs[i])
		}
	}
	for i, f := range factors {
		if len(items) < maxActionItems && chance(r, 0.4) {
			k := &causeKinds[f.kind]
			items = g.addItem(d, items, k.factors[f.idx].action.render(v), incident.ActionPrevent, team, factorRefs[i])
		}
	}
	if len(items) < maxActionItems && chance(r, 0.25) {
		addr := ""
		if d.cause >= 0 && chance(r, 0.5) {
			addr = "primary_cause"
		}
		items = g.addItem(d, items, oneOf(r, mitigateItems).render(v), incident.ActionMitigate, team, addr)
	}
	if len(items) == 0 || (len(items) < maxActionItems && chance(r, 0.3)) {
		owner := teamSRE
		if chance(r, 0.5) {
			owner = team
		}
		items = g.addItem(d, items, oneOf(r, processItems).render(v), incident.ActionProcess, owner, "")
	}
	return items
}

// addItem appends one action item with its due date, status and done time.
// Items get done some days after resolution; open incidents' items are not
// done yet; some items never get done and end up overdue or won't-do.
func (g *Generator) addItem(d *draft, items []incident.ActionItem, title string, kind incident.ActionKind, owner, addresses string) []incident.ActionItem {
	r := g.rng
	dueMin, dueMax, doneChance := actionPolicy(kind)
	due := d.ph.started.Add(time.Duration(between(r, dueMin, dueMax)) * day)
	a := incident.ActionItem{Title: title, Kind: kind, Owner: owner, DueDate: dateOnly(due), Addresses: addresses}
	base := g.now
	if d.hasRes {
		base = d.ph.resolved
	}
	if chance(r, doneChance) {
		done := base.Add(time.Hour + logNormal(r, 10*day, 0.9, 300*day))
		if !done.After(g.now) {
			a.Status = incident.ActionDone
			a.DoneAt = &done
		} else if chance(r, 0.5) {
			a.Status = incident.ActionInProgress
		} else {
			a.Status = incident.ActionOpen
		}
		return append(items, a)
	}
	switch {
	case g.now.Sub(due) > 60*day && chance(r, 0.4):
		a.Status = incident.ActionWontDo
	case chance(r, 0.3):
		a.Status = incident.ActionInProgress
	default:
		a.Status = incident.ActionOpen
	}
	return append(items, a)
}
