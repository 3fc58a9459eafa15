package report

import (
	"slices"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// none is the key under which incidents without a severity or a primary
// cause are counted. Slugs are lowercase-with-dashes, so it cannot collide
// with a category.
const none = "(none)"

// orNone labels an empty column as none.
func orNone(column string) string {
	return "CASE WHEN " + column + " = '' THEN '" + none + "' ELSE " + column + " END"
}

// monthOf is the "YYYY-MM" of a unix-seconds column, in UTC.
func monthOf(column string) string { return "strftime('%Y-%m', " + column + ", 'unixepoch')" }

// over returns the FROM clause and scope for a query over a child table of
// incidents (e.g. "incident_tags t", alias t). When the scope selects
// every incident the join is left out: it could only confirm what the
// foreign key already guarantees. Otherwise CROSS JOIN, which SQLite
// reads as "this order", makes the incidents in the window the outer loop
// and each child a primary-key lookup: without table statistics the
// planner takes a one-sided window (since only) for a quarter of the
// table and prefers to scan the child table instead, ten times slower.
func (s scope) over(child, alias string) (string, scope) {
	if s.everything() {
		return child, s
	}
	return "incidents AS i CROSS JOIN " + child + " ON " + alias + ".incident_id = i.id", s
}

// countBy counts rows by the SQL expression label over the rows of from
// that the scope keeps. Each source has one row per incident and value:
// incidents themselves, outage types (their primary key) and tags (made
// unique per incident by incident.Normalize on every write), so COUNT(*)
// counts incidents; COUNT(DISTINCT) would cost ten times as much.
func countBy(db *gorm.DB, in scope, from, label string) ([]Count, error) {
	out := []Count{}
	err := db.Table(from).
		Select(label+" AS label, COUNT(*) AS n").
		Where(in.cond, in.args...).
		Group("label").
		Order("n DESC, label").
		Scan(&out).Error
	return out, err
}

// countSections returns one task per by_* list that SQL counts, each one
// GROUP BY. by_service keys on the display name, unique because keys derive
// from names. The incident total and the detection totals are sums of these
// lists (every incident has exactly one severity and one detection method),
// so they cost no query of their own; factor and gap categories are counted
// in the pattern pass (see history).
func countSections(db *gorm.DB, in scope, r *Report) []task {
	fill := func(dst *[]Count, in scope, from, label string) task {
		return func() (err error) {
			*dst, err = countBy(db, in, from, label)
			return err
		}
	}
	overChild := func(dst *[]Count, child, alias, label string) task {
		from, s := in.over(child, alias)
		return fill(dst, s, from, label)
	}
	return []task{
		fill(&r.ByService, in, "incidents AS i JOIN services s ON s.key = i.service_key", "s.name"),
		func() error { return severitySection(db, in, r) },
		fill(&r.ByCauseCategory, in, incidentsOnly, orNone("i.cause_category")),
		fill(&r.ByDetectionMethod, in, incidentsOnly, "i.detection_method"),
		fill(&r.ByMonth, in.and("i.started_at IS NOT NULL"), incidentsOnly, monthOf("i.started_at")),
		overChild(&r.ByOutageType, "incident_outage_types o", "o", "o.outage_type"),
		overChild(&r.ByTag, "incident_tags t", "t", "t.tag"),
	}
}

const incidentsOnly = "incidents AS i"

// countIncidents counts the incidents in scope.
func countIncidents(db *gorm.DB, in scope) (int, error) {
	var n int64
	err := db.Table(incidentsOnly).Where(in.cond, in.args...).Count(&n).Error
	return int(n), err
}

// severitySection counts incidents by severity and, in the same pass, how
// many of each customers found.
func severitySection(db *gorm.DB, in scope, r *Report) error {
	var rows []struct {
		Label    string
		N        int
		Customer int
	}
	err := db.Table(incidentsOnly).
		Select(orNone("i.severity")+" AS label, COUNT(*) AS n, "+
			"SUM(CASE WHEN i.detection_method = ? THEN 1 ELSE 0 END) AS customer", incident.DetectedByCustomer).
		Where(in.cond, in.args...).
		Group("label").Order("n DESC, label").
		Scan(&rows).Error
	r.BySeverity = make([]Count, len(rows))
	r.Detection.BySeverity = make([]SeverityDetection, len(rows))
	for k, row := range rows {
		r.BySeverity[k] = Count{Key: row.Label, Count: row.N}
		r.Detection.BySeverity[k] = SeverityDetection{Severity: row.Label, Incidents: row.N, CustomerReported: row.Customer}
	}
	// by_severity is by count (the contract); this one reads SEV1 first.
	slices.SortFunc(r.Detection.BySeverity, func(a, b SeverityDetection) int {
		return severityRank(a.Severity) - severityRank(b.Severity)
	})
	return err
}

// serviceName returns the display name of the service named by nameOrKey.
// An unknown service is a bad parameter: an empty report would read as
// "no incidents" when the name was merely misspelt.
func serviceName(db *gorm.DB, nameOrKey string) (string, error) {
	var names []string
	err := db.Table("services").Where("key = ?", incident.ServiceKey(nameOrKey)).Pluck("name", &names).Error
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", &incident.Error{Code: incident.EMALFORMED, Message: "The service filter names no known service.",
			Fields: map[string]string{"service": "no service is called " + quote(nameOrKey)}}
	}
	return names[0], nil
}

// severityRank orders severities SEV1 first, unset last.
func severityRank(s string) int {
	for i, sev := range incident.Severities {
		if string(sev) == s {
			return i
		}
	}
	return len(incident.Severities)
}
