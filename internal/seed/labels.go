package seed

import (
	"strconv"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// tags: one or two from the cause, often the service's domain, and now and
// then a general label. Never duplicated, never empty.
func (g *Generator) tags(d *draft) []string {
	r := g.rng
	out := make([]string, 0, 5)
	add := func(t string) {
		for _, s := range out {
			if s == t {
				return
			}
		}
		out = append(out, t)
	}
	if d.cause >= 0 {
		ct := causeKinds[d.cause].tags
		add(oneOf(r, ct))
		if chance(r, 0.3) {
			add(oneOf(r, ct))
		}
	}
	if chance(r, 0.6) {
		add(d.svc.tag)
	}
	if d.sev <= 1 && chance(r, 0.3) {
		add("sla-breach")
	}
	if isWeekend(d.ph.started) && chance(r, 0.5) {
		add("weekend")
	}
	if chance(r, 0.2) {
		add(oneOf(r, generalTags))
	}
	if len(out) == 0 {
		add(d.svc.tag)
	}
	return out
}

// links point at the service dashboard, the ticket, the chat archive, the
// status page post for big incidents and sometimes the runbook, all on
// example.com domains.
func (g *Generator) links(d *draft) []incident.Link {
	r := g.rng
	num := strconv.Itoa(1000 + g.seq)
	out := make([]incident.Link, 0, 5)
	out = append(out, incident.Link{Title: "Incident ticket INC-" + num, URL: "https://tickets.example.com/browse/INC-" + num})
	if chance(r, 0.85) {
		out = append(out, incident.Link{Title: d.svc.name + " dashboard", URL: "https://grafana.example.com/d/" + d.svc.key + "-overview"})
	}
	if chance(r, 0.5) {
		out = append(out, incident.Link{Title: "Incident channel archive", URL: "https://chat.example.com/archives/incident-" + num})
	}
	if d.sev <= 1 && chance(r, 0.7) {
		out = append(out, incident.Link{Title: "Status page post", URL: "https://status.example.com/incidents/" + num})
	}
	if chance(r, 0.3) {
		out = append(out, incident.Link{Title: "Runbook", URL: "https://wiki.example.com/runbooks/" + d.svc.key})
	}
	return out
}
