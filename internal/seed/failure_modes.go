package seed

import (
	"hash/fnv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// modeTemplate is a failure mode the synthetic catalogue gives a service,
// by the cause category of the incidents that materialise it.
type modeTemplate struct {
	category, slug, title, detection, mitigation string
}

// modeTemplates are the ways a synthetic service is known to fail; each
// service gets two of them (see FailureModes). {comp} is the service's
// first component.
var modeTemplates = []modeTemplate{
	{"config-change", "bad-config-push", "A bad configuration push reaches every instance at once",
		"Error rate per instance after each configuration rollout.", "Roll configuration out in stages with an automatic halt."},
	{"deployment", "faulty-release", "A faulty release of the {comp} ships to all traffic",
		"Canary error rate and latency against the stable fleet.", "Canary releases with automatic rollback."},
	{"resource-exhaustion", "resource-exhaustion", "The {comp} runs out of connections, memory or disk",
		"Saturation alerts at 80% of each pool and volume.", "Bounded pools and caches, with load shedding."},
	{"dependency", "dependency-failure", "A service it calls fails or slows down",
		"Upstream latency and error budgets per dependency.", "Timeouts, circuit breakers and a degraded mode."},
	{"capacity", "capacity-shortfall", "Traffic outgrows the {comp}'s capacity",
		"Headroom below 30% at the daily peak.", "Quarterly load tests at twice peak; autoscaling ceilings reviewed."},
	{"database", "database-contention", "Its database stalls on lock contention or a bad query plan",
		"Lock waits and p99 query time per statement.", "Statement timeouts and reviewed migrations."},
	{"software-bug", "unhandled-input", "An input nobody expected takes the {comp} down",
		"Crash loops and panics per release.", "Fuzzing of the input paths; graceful rejection of malformed requests."},
}

// linkShare is the share of the incidents whose cause matches one of their
// service's modes that link it: the rest, and every incident of another
// cause, are what the catalogue did not foresee.
const linkShare = 0.7

// FailureModes is a catalogue of failure modes for the synthetic services:
// two for each, by the cause categories of its incidents, with a status
// history over the years before now: a third still unmitigated, a third
// marked mitigated a year ago (so that some materialise again after it), a
// third accepted. Import it before filing the incidents LinkFailureModes
// links.
func FailureModes(now time.Time) *incident.Catalog {
	now = now.UTC().Truncate(24 * time.Hour)
	written := now.AddDate(-4, 0, 0)
	cat := &incident.Catalog{}
	for i, s := range catalogue {
		svc := incident.CatalogService{Service: incident.Service{Key: s.key, Name: s.name}}
		for k, t := range serviceModes(i) {
			m := incident.FailureMode{ServiceKey: s.key, Slug: t.slug, Title: strings.ReplaceAll(t.title, "{comp}", s.components[0]),
				Detection: t.detection, Mitigation: t.mitigation, Version: 1, CreatedAt: written,
				History: []incident.StatusChange{{Status: incident.ModeUnmitigated, At: written, By: s.team}}}
			switch (i + k) % 3 {
			case 1:
				m.History = append(m.History, incident.StatusChange{Status: incident.ModeMitigated, At: now.AddDate(-1, 0, 0), By: s.team})
			case 2:
				m.History = append(m.History, incident.StatusChange{Status: incident.ModeAccepted, At: now.AddDate(-2, 0, 0), By: s.team})
			}
			last := m.History[len(m.History)-1]
			m.Status, m.StatusChangedAt, m.UpdatedAt = last.Status, last.At, last.At
			if len(m.History) > 1 {
				m.Version = 2
			}
			svc.FailureModes = append(svc.FailureModes, m)
		}
		cat.Services = append(cat.Services, svc)
	}
	return cat
}

// serviceModes are the two templates of the i-th service of the catalogue.
func serviceModes(i int) []modeTemplate {
	n := len(modeTemplates)
	return []modeTemplate{modeTemplates[i%n], modeTemplates[(i+3)%n]}
}

// LinkFailureModes links each incident to its service's failure mode for
// its primary cause category, for linkShare of them. Which ones is decided
// by a hash of the incident's title and start, not by the generator's
// random sequence, so that linking changes no other field of the data.
func LinkFailureModes(incs []*incident.Incident) {
	modes := map[string]map[string]string{} // service key → cause category → slug
	for i, s := range catalogue {
		modes[s.key] = map[string]string{}
		for _, t := range serviceModes(i) {
			modes[s.key][t.category] = t.slug
		}
	}
	for _, inc := range incs {
		slug, ok := modes[inc.ServiceKey][inc.PrimaryCause.Category]
		if !ok {
			continue
		}
		h := fnv.New64a()
		h.Write([]byte(inc.Title))
		if inc.StartedAt != nil {
			h.Write([]byte(inc.StartedAt.Format(time.RFC3339)))
		}
		if float64(h.Sum64()%1000) < linkShare*1000 {
			inc.FailureModes = []string{slug}
		}
	}
}
