package report

import "fmt"

// failureModes writes what the report learns from the failure modes that
// incidents link: the known risks that materialised, those nobody has
// mitigated, mitigations that did not hold, and the incidents the
// catalogue did not foresee.
func (m *mdWriter) failureModes(r *Report) {
	fm := r.FailureModes
	m.heading(2, "Failure modes")
	if len(fm.Materialised) == 0 {
		m.line("No incident in the window is linked to a known failure mode.")
	} else {
		m.line("Known failure modes that materialised in the window, the most often first (%d of %d incidents are linked to one).",
			r.Incidents-fm.Uncatalogued, r.Incidents)
		m.line("")
		var rows [][]string
		for _, u := range fm.Materialised[:min(mdGroups, len(fm.Materialised))] {
			rows = append(rows, []string{orKey(r.names, u.ServiceKey), u.Title, u.ServiceKey + "/" + u.Slug, string(u.Status), fmt.Sprint(u.Count), links(latest(u.Incidents))})
		}
		m.table([]string{"Service", "Failure mode", "Reference", "Status", "Incidents", "Which"}, rows)
		m.more(min(mdGroups, len(fm.Materialised)), len(fm.Materialised))
	}
	if len(fm.Unmitigated) > 0 {
		m.heading(3, "Risks that are hurting")
		m.line("Materialised in the window and still marked unmitigated:")
		m.line("")
		for _, u := range fm.Unmitigated[:min(mdGroups, len(fm.Unmitigated))] {
			m.line("- **%s** (%s): %s %s", inline(u.Title), cell(orKey(r.names, u.ServiceKey)), plural(u.Count, "incident"), links(latest(u.Incidents)))
		}
		m.line("")
	}
	if len(fm.ReturnedAfterMitigation) > 0 {
		m.heading(3, "Mitigations that did not hold")
		m.line("Materialised in the window while marked mitigated:")
		m.line("")
		for _, x := range fm.ReturnedAfterMitigation[:min(mdGroups, len(fm.ReturnedAfterMitigation))] {
			m.line("- **%s** (%s), marked mitigated on %s: %s since %s", inline(x.Title), cell(orKey(r.names, x.ServiceKey)),
				x.MitigatedAt.Format("2006-01-02"), plural(x.Count, "incident"), links(latest(x.Incidents)))
		}
		m.line("")
	}
	m.heading(3, "Blind spots")
	if fm.Uncatalogued == 0 {
		m.line("Every incident in the window is linked to a known failure mode.")
		return
	}
	m.line("%d of %d incidents are linked to no known failure mode: what the catalogue did not foresee, by service.", fm.Uncatalogued, r.Incidents)
	m.line("")
	m.counts("Service", fm.UncataloguedByService, fm.Uncatalogued)
}
