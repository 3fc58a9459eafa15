package seed

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// history is how far back started_at reaches from now.
const history = 3 * 365 * 24 * time.Hour

// recencyBias is the slope of the start-time density: with 1 the most recent
// day is twice as likely as the oldest.
const recencyBias = 1.0

// hourWeights skews start times towards working hours (UTC), when most
// changes ship.
var hourWeights = newWeights(1, 1, 1, 1, 1, 1, 1.5, 2, 3, 3.5, 3.5, 3.5, 3, 3.5, 3.5, 3.5, 3, 3, 2.5, 2, 1.5, 1.5, 1, 1)

// sampleStart draws started_at in (now-history, now], denser near now.
func sampleStart(r *rand.Rand, now time.Time) time.Time {
	// Inverse CDF of the density 1 + a·x on [0, 1], x = 1 being now.
	const a = recencyBias
	u := r.Float64()
	x := (math.Sqrt(1+2*a*u*(1+a/2)) - 1) / a
	age := time.Duration((1 - x) * float64(history))
	day := now.Add(-age).Truncate(24 * time.Hour)
	t := day.Add(time.Duration(hourWeights.pick(r))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
	for !t.Before(now) {
		t = t.Add(-24 * time.Hour)
	}
	return t
}

// logNormal draws a duration with the given median and spread (sigma of the
// underlying normal), rounded to whole seconds and capped at max.
func logNormal(r *rand.Rand, median time.Duration, sigma float64, max time.Duration) time.Duration {
	d := time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
	if d > max {
		d = max
	}
	return d.Round(time.Second)
}

// Scaling of each phase by severity: SEV1s are detected and fixed faster,
// SEV4s drag on.
var (
	detectScale   = [4]float64{0.6, 0.8, 1.0, 1.4}
	mitigateScale = [4]float64{0.6, 0.8, 1.0, 1.5}
	resolveScale  = [4]float64{0.7, 0.9, 1.0, 1.3}
)

// detectByMethod scales time to detect by how the incident was noticed,
// indexed like incident.DetectionMethods (alert, customer-report, staff,
// automated-test, external-monitor, unknown): alerts and tests are quick,
// customers and staff notice later.
var detectByMethod = [...]float64{0.7, 2.2, 1.6, 0.6, 0.9, 1.5}

// Medians and caps of the three phases.
const (
	detectMedian   = 10 * time.Minute
	detectCap      = 2 * 24 * time.Hour
	mitigateMedian = 25 * time.Minute // after detection
	mitigateCap    = 4 * 24 * time.Hour
	resolveMedian  = 2 * time.Hour // after mitigation
	resolveCap     = 10 * 24 * time.Hour
)

// phases holds an incident's true timestamps before any are dropped.
type phases struct {
	started, detected, mitigated, resolved time.Time
}

// samplePhases draws detection, mitigation and resolution after started.
func samplePhases(r *rand.Rand, started time.Time, sev, method int) phases {
	ttd := logNormal(r, time.Duration(float64(detectMedian)*detectScale[sev]*detectByMethod[method]), 1.1, detectCap)
	ttm := logNormal(r, time.Duration(float64(mitigateMedian)*mitigateScale[sev]), 1.0, mitigateCap)
	ttr := logNormal(r, time.Duration(float64(resolveMedian)*resolveScale[sev]), 1.2, resolveCap)
	p := phases{started: started}
	p.detected = started.Add(ttd)
	p.mitigated = p.detected.Add(ttm)
	p.resolved = p.mitigated.Add(ttr)
	return p
}

// shiftBefore moves all phases earlier so that detection has happened by
// now: an incident nobody has noticed yet is not in the tracker.
func (p *phases) shiftBefore(r *rand.Rand, now time.Time) {
	if p.detected.Before(now) {
		return
	}
	shift := p.detected.Sub(now) + time.Duration(60+r.IntN(1800))*time.Second
	p.started = p.started.Add(-shift)
	p.detected = p.detected.Add(-shift)
	p.mitigated = p.mitigated.Add(-shift)
	p.resolved = p.resolved.Add(-shift)
}

// openChance is the probability that an incident of this age is still open
// even though its true resolution time has passed: post-mortem trackers lag
// reality, and a few incidents stay in monitoring for days.
func openChance(age time.Duration) float64 {
	days := age.Hours() / 24
	return 0.5 * math.Exp(-days/7)
}

// ongoingLimit is the oldest an incident may be and still have unmitigated
// impact; older open incidents are mitigated and being monitored.
const ongoingLimit = 36 * time.Hour

// sampleStatus decides the lifecycle status at now.
func sampleStatus(r *rand.Rand, p *phases, now time.Time) incident.Status {
	age := now.Sub(p.started)
	if !p.resolved.After(now) && !chance(r, openChance(age)) {
		return incident.StatusResolved
	}
	if !p.mitigated.After(now) && age > ongoingLimit {
		return incident.StatusMonitoring
	}
	if !p.mitigated.After(now) {
		switch x := r.Float64(); {
		case x < 0.55:
			return incident.StatusMonitoring
		case x < 0.85:
			return incident.StatusIdentified
		default:
			return incident.StatusInvestigating
		}
	}
	if chance(r, 0.5) {
		return incident.StatusIdentified
	}
	return incident.StatusInvestigating
}

// samplePostmortemStatus: old resolved incidents are mostly published,
// recent ones still in draft or review, open ones in draft.
func samplePostmortemStatus(r *rand.Rand, status incident.Status, age time.Duration) incident.PostmortemStatus {
	if status != incident.StatusResolved {
		return incident.PostmortemDraft
	}
	var draft, review float64
	switch days := age.Hours() / 24; {
	case days > 30:
		draft, review = 0.05, 0.08
	case days > 7:
		draft, review = 0.25, 0.35
	default:
		draft, review = 0.6, 0.3
	}
	switch x := r.Float64(); {
	case x < draft:
		return incident.PostmortemDraft
	case x < draft+review:
		return incident.PostmortemInReview
	default:
		return incident.PostmortemPublished
	}
}

// missingShare is the share of older resolved incidents with gaps in their
// timestamps, as imported history has.
const missingShare = 0.03

// dropTimestamps removes some of the known timestamps the way historical
// data lacks them.
func dropTimestamps(r *rand.Rand, inc *incident.Incident) {
	switch x := r.Float64(); {
	case x < 0.35:
		inc.DetectedAt = nil
	case x < 0.7:
		inc.MitigatedAt = nil
	case x < 0.9:
		inc.DetectedAt, inc.MitigatedAt = nil, nil
	default:
		inc.ResolvedAt = nil
	}
}
