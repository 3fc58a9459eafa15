package seed

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// pcgStream is the fixed second word of the PCG state; the seed is the first.
const pcgStream = 0x61667465726d6174 // "aftermat"

// Generator produces realistic synthetic incidents, reproducibly from a seed.
// It is not safe for concurrent use; give each goroutine its own.
type Generator struct {
	rng  *rand.Rand
	now  time.Time
	seq  int
	pool []family // earlier failures that may come back; see recurrence.go
	v    slotValues
	// planted lists the recurrences generated so far (the ground truth).
	planted []Recurrence
}

// NewGenerator returns a generator whose incidents start within the three
// years before now. The same seed and now give the same sequence; pass a
// fixed now for reproducible output.
func NewGenerator(seed uint64, now time.Time) *Generator {
	return &Generator{
		rng: rand.New(rand.NewPCG(seed, pcgStream)),
		now: now.UTC().Truncate(time.Second),
	}
}

// Batch returns the next n incidents, as Store.CreateIncidents takes them.
func (g *Generator) Batch(n int) []*incident.Incident {
	out := make([]*incident.Incident, n)
	for i := range out {
		inc := g.Next()
		out[i] = &inc
	}
	return out
}

// draft carries the choices made for one incident while it is assembled.
type draft struct {
	svc       *service
	svcIdx    int
	compIdx   int
	cause     int // index into causeKinds; -1 while the cause is unknown
	mech      int
	detail    int
	conseq    int   // index into consequences
	evid      int   // index into evidence
	parts     []int // the cause description's parts after its mechanism, in order (see drawExtras)
	trig      int   // index into the kind's triggers; -1 for none
	sev       int   // index into incident.Severities
	method    int   // index into incident.DetectionMethods
	ph        phases
	status    incident.Status
	hasMit    bool                // mitigated_at is known
	hasRes    bool                // resolved_at is known
	family    int                 // index into Generator.pool for a recurrence; -1 for a fresh incident
	carried   []carried           // the family's factors a recurrence lists again
	outage    incident.OutageType // main outage type
	cascading bool
}

var (
	severityWeights = newWeights(5, 20, 45, 30)
	// Indexed like incident.DetectionMethods.
	methodWeights = newWeights(55, 20, 10, 6, 7, 2)
	// Main outage type by severity: regional, global, partial.
	outageWeights = [4]weights{
		newWeights(30, 45, 25),
		newWeights(40, 15, 45),
		newWeights(30, 5, 65),
		newWeights(18, 2, 80),
	}
	mainOutages = []incident.OutageType{incident.OutageRegional, incident.OutageGlobal, incident.OutagePartial}
	// Median affected users by severity.
	usersMedian = [4]float64{250000, 40000, 5000, 600}
)

// Next returns the next incident of the sequence. It is in canonical form
// (Normalize leaves it unchanged) and passes ValidateFiled against the
// default vocabulary. ID, Version and the created/updated times are left for
// the store to set.
func (g *Generator) Next() incident.Incident {
	g.seq++
	r := g.rng
	v := &g.v
	d := draft{trig: -1, family: -1}
	if !g.recur(&d) {
		g.fresh(&d)
	}
	d.sev = severityWeights.pick(r)
	d.method = methodWeights.pick(r)
	d.ph = samplePhases(r, d.ph.started, d.sev, d.method)
	d.ph.shiftBefore(r, g.now)
	d.status = sampleStatus(r, &d.ph, g.now)
	d.hasMit = d.status == incident.StatusMonitoring || d.status == incident.StatusResolved
	d.hasRes = d.status == incident.StatusResolved
	// A fresh failure is often still unexplained while it is investigated;
	// one seen before is recognised, and its cause written down at once.
	if d.status == incident.StatusInvestigating && d.family < 0 && chance(r, 0.7) {
		d.cause = -1
	}
	d.outage = mainOutages[outageWeights[d.sev].pick(r)]
	d.cascading = chance(r, g.cascadingChance(&d))
	g.fillNarrativeSlots(&d)

	inc := incident.Incident{
		Service:             d.svc.name,
		ServiceKey:          d.svc.key,
		Component:           v.s[slotComp],
		Severity:            incident.Severities[d.sev],
		Status:              d.status,
		DetectionMethod:     incident.DetectionMethods[d.method],
		OutageTypes:         g.outageTypes(&d),
		ContributingFactors: []incident.Finding{},
		DetectionGaps:       []incident.Finding{},
		FailureModes:        []string{},
	}
	g.setTimestamps(&d, &inc)
	inc.Title = g.title(&d)
	inc.Summary = g.summary(&d)
	inc.Description = g.description(&d)
	inc.Impact = g.impact(&d)
	factorKinds, gapIdx := g.findings(&d, &inc)
	inc.ActionItems = g.actionItems(&d, &inc, factorKinds, gapIdx)
	inc.Timeline = g.timeline(&d)
	inc.Lessons = g.lessons(&d, &inc)
	inc.Tags = g.tags(&d)
	inc.Links = g.links(&d)
	age := g.now.Sub(d.ph.started)
	inc.PostmortemStatus = samplePostmortemStatus(r, d.status, age)
	if d.hasRes && age > 30*24*time.Hour && chance(r, missingShare) {
		dropTimestamps(r, &inc)
	}
	g.settle(&d, &inc, factorKinds)
	return inc
}

// fresh picks a new service, cause and start time.
func (g *Generator) fresh(d *draft) {
	r := g.rng
	d.svcIdx = serviceWeights.pick(r)
	d.svc = &catalogue[d.svcIdx]
	d.cause = causeWeights.pick(r)
	if d.svc.proneKind >= 0 && chance(r, proneChance) {
		d.cause = d.svc.proneKind
	}
	k := &causeKinds[d.cause]
	d.mech = r.IntN(len(k.mechanisms))
	d.detail = r.IntN(len(k.details))
	d.conseq = r.IntN(len(consequences))
	d.evid = r.IntN(len(evidence))
	if t := k.mechTriggers[d.mech]; t >= 0 && chance(r, 0.8) {
		d.trig = t
	}
	d.ph.started = sampleStart(r, g.now)
	g.fillCauseSlots(d)
	g.drawExtras(d)
}

// fillCauseSlots draws the values the cause texts refer to. A recurrence
// copies them from the earlier incident instead.
func (g *Generator) fillCauseSlots(d *draft) {
	r := g.rng
	v := &g.v
	s := d.svc
	g.setService(s)
	v.words, v.edit = r.Uint64(), 0
	c := r.IntN(len(s.components))
	d.compIdx = c
	v.s[slotComp] = s.components[c]
	v.s[slotErr] = oneOf(r, causeKinds[d.cause].errors)
	switch {
	case len(s.dependsOn) > 0 && (len(s.vendors) == 0 || chance(r, 0.55)):
		v.s[slotDep] = oneOf(r, s.dependsOn)
	case len(s.vendors) > 0:
		v.s[slotDep] = oneOf(r, s.vendors)
	default:
		v.s[slotDep] = oneOf(r, genericVendors)
	}
	v.s[slotRegion] = oneOf(r, regions)
	v.s[slotKey] = oneOf(r, configKeys)
	v.s[slotFlag] = oneOf(r, featureFlags)
	v.s[slotTable] = oneOf(r, tables)
	v.s[slotQueue] = oneOf(r, queues)
	v.s[slotEndpoint] = oneOf(r, endpoints)
	v.s[slotJob] = oneOf(r, jobs)
	g.fillNumbers()
	g.newPod(s.compSlugs[c])
}

// setService sets the slots that name the service an incident is filed on.
func (g *Generator) setService(s *service) {
	v := &g.v
	v.s[slotSvc] = s.name
	v.s[slotTeam] = s.team
	v.s[slotDoes] = s.does
	v.s[slotAction] = s.action
}

// podAlphabet is the one Kubernetes uses for generated name suffixes.
const podAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// newPod names a pod of the component, as "charge-worker-7c9d8f5b4-x2k4q".
// A recurrence gets a new pod: the same failure on another instance.
func (g *Generator) newPod(compSlug string) {
	x := g.rng.Uint64()
	b := make([]byte, 0, len(compSlug)+16)
	b = append(b, compSlug...)
	b = append(b, '-')
	for range 9 {
		b = append(b, podAlphabet[x%uint64(len(podAlphabet))])
		x /= uint64(len(podAlphabet))
	}
	b = append(b, '-')
	for range 5 {
		b = append(b, podAlphabet[x%uint64(len(podAlphabet))])
		x /= uint64(len(podAlphabet))
	}
	g.v.s[slotPod] = string(b)
}

// fillNumbers draws the numeric slots; a recurrence redraws only these, so
// its cause reads the same with slightly different figures.
func (g *Generator) fillNumbers() {
	r := g.rng
	v := &g.v
	v.s[slotN] = strconv.Itoa(between(r, 2, 40))
	v.s[slotM] = strconv.Itoa(between(r, 5, 90))
	v.s[slotPct] = strconv.Itoa(between(r, 5, 95))
	v.s[slotVer] = version(between(r, 1, 9), r.IntN(40), r.IntN(20))
}

// fillNarrativeSlots sets the slots that depend on severity, status and
// timing.
func (g *Generator) fillNarrativeSlots(d *draft) {
	r := g.rng
	v := &g.v
	v.s[slotSev] = string(incident.Severities[d.sev])
	sym := oneOf(r, symptoms)
	if d.outage == incident.OutageGlobal && d.sev <= 1 && chance(r, 0.6) {
		sym = fullOutage
	}
	v.s[slotSym], v.s[slotSymC], v.s[slotSymNP] = sym.text, sym.title, sym.phrase
	v.s[slotShort], v.s[slotTrig] = "", ""
	if d.cause >= 0 {
		k := &causeKinds[d.cause]
		v.s[slotShort] = k.mechanisms[d.mech].short
		if d.trig >= 0 {
			v.s[slotTrig] = k.triggers[d.trig].short
		}
	}
	end := g.now
	if d.hasMit {
		end = d.ph.mitigated
	}
	dur := humanise(end.Sub(d.ph.started))
	if !d.hasMit {
		dur += " so far"
	}
	v.s[slotDur] = dur
	v.s[slotDate] = dateOnly(d.ph.started)
	v.s[slotTTD] = humanise(d.ph.detected.Sub(d.ph.started))
}

// cascadingChance: failures of shared dependencies and exhausted resources
// spread more often, and SEV1s are often SEV1s because they spread.
func (g *Generator) cascadingChance(d *draft) float64 {
	p := 0.06
	if d.cause >= 0 {
		switch causeKinds[d.cause].slug {
		case "dependency", "resource-exhaustion", "capacity", "database":
			p += 0.12
		}
	}
	if d.sev == 0 {
		p += 0.1
	}
	return p
}

// outageTypes returns the set in canonical order (as incident.OutageTypes).
func (g *Generator) outageTypes(d *draft) []incident.OutageType {
	out := make([]incident.OutageType, 0, 3)
	regional := d.outage == incident.OutageRegional ||
		(d.outage == incident.OutagePartial && chance(g.rng, 0.08))
	if regional {
		out = append(out, incident.OutageRegional)
	}
	if d.outage == incident.OutageGlobal {
		out = append(out, incident.OutageGlobal)
	}
	if d.outage == incident.OutagePartial {
		out = append(out, incident.OutagePartial)
	}
	if d.cascading {
		out = append(out, incident.OutageCascading)
	}
	return out
}

// setTimestamps exposes the phases the status allows: an open incident has
// no resolved_at, and one still being investigated or identified has no
// mitigated_at.
func (g *Generator) setTimestamps(d *draft, inc *incident.Incident) {
	ts := new([4]time.Time)
	ts[0], ts[1] = d.ph.started, d.ph.detected
	inc.StartedAt, inc.DetectedAt = &ts[0], &ts[1]
	if d.hasMit {
		ts[2] = d.ph.mitigated
		inc.MitigatedAt = &ts[2]
	}
	if d.hasRes {
		ts[3] = d.ph.resolved
		inc.ResolvedAt = &ts[3]
	}
}
