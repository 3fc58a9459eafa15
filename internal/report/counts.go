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
	return countRows(db, in, from, label, "COUNT(*)")
}

// countFindings counts the incidents with findings of kind ("factor" or
// "gap") by category. An incident may list two findings of one category,
// so this one counts distinct incidents; the findings_report index holds
// each category's incident ids in order, which keeps that cheap.
func countFindings(db *gorm.DB, in scope, kind string) ([]Count, error) {
	from, s := in.over("findings f", "f")
	return countRows(db, s.and("f.kind = ?", kind), from, "f.category", "COUNT(DISTINCT f.incident_id)")
}

func countRows(db *gorm.DB, in scope, from, label, count string) ([]Count, error) {
	out := []Count{}
	err := db.Table(from).
		Select(label+" AS label, "+count+" AS n").
		Where(in.cond, in.args...).
		Group("label").
		Order("n DESC, label").
		Scan(&out).Error
	return out, err
}

// countSections returns the tasks that count incidents in SQL, each one
// GROUP BY. Lists over the incidents' own columns come two to a query,
// grouped by both columns and summed here (a few hundred rows), so the
// window is read twice rather than five times. by_service keys on the
// display name, unique because keys derive from names. The incident total
// and the detection totals are sums of these lists (every incident has
// exactly one severity and one detection method), so they cost no query
// of their own.
func countSections(db *gorm.DB, in scope, r *Report) []task {
	overChild := func(dst *[]Count, child, alias, label string) task {
		from, s := in.over(child, alias)
		return func() (err error) {
			*dst, err = countBy(db, s, from, label)
			return err
		}
	}
	return []task{
		func() error { return serviceMonthSection(db, in, r) },
		func() error { return severitySection(db, in, r) },
		overChild(&r.ByOutageType, "incident_outage_types o", "o", "o.outage_type"),
		overChild(&r.ByTag, "incident_tags t", "t", "t.tag"),
		func() (err error) { r.ByFactorCategory, err = countFindings(db, in, "factor"); return err },
		func() (err error) { r.ByGapCategory, err = countFindings(db, in, "gap"); return err },
	}
}

const incidentsOnly = "incidents AS i"

// countIncidents counts the incidents in scope.
func countIncidents(db *gorm.DB, in scope) (int, error) {
	var n int64
	err := db.Table(incidentsOnly).Where(in.cond, in.args...).Count(&n).Error
	return int(n), err
}

// severitySection counts incidents by severity, detection method and
// cause category, and how many of each severity customers found.
func severitySection(db *gorm.DB, in scope, r *Report) error {
	var rows []struct {
		Severity, Method, Cause string
		N                       int
	}
	err := db.Table(incidentsOnly).
		Select(orNone("i.severity")+" AS severity, i.detection_method AS method, "+
			orNone("i.cause_category")+" AS cause, COUNT(*) AS n").
		Where(in.cond, in.args...).
		Group("severity, method, cause").
		Scan(&rows).Error
	if err != nil {
		return err
	}
	var severity, method, cause tally
	customer := map[string]int{}
	for _, row := range rows {
		severity.add(row.Severity, row.N)
		method.add(row.Method, row.N)
		cause.add(row.Cause, row.N)
		if row.Method == string(incident.DetectedByCustomer) {
			customer[row.Severity] += row.N
		}
	}
	r.BySeverity, r.ByDetectionMethod, r.ByCauseCategory = severity.counts(), method.counts(), cause.counts()
	r.Detection.BySeverity = make([]SeverityDetection, len(r.BySeverity))
	for k, c := range r.BySeverity {
		r.Detection.BySeverity[k] = SeverityDetection{Severity: c.Key, Incidents: c.Count, CustomerReported: customer[c.Key]}
	}
	// by_severity is by count (the contract); this one reads SEV1 first.
	slices.SortFunc(r.Detection.BySeverity, func(a, b SeverityDetection) int {
		return severityRank(a.Severity) - severityRank(b.Severity)
	})
	return nil
}

// serviceMonthSection counts incidents by service and by month of start;
// those with no start count for their service only.
func serviceMonthSection(db *gorm.DB, in scope, r *Report) error {
	var rows []struct {
		Service string
		Month   *string
		N       int
	}
	err := db.Table("incidents AS i JOIN services s ON s.key = i.service_key").
		Select("s.name AS service, "+monthOf("i.started_at")+" AS month, COUNT(*) AS n").
		Where(in.cond, in.args...).
		Group("service, month").
		Scan(&rows).Error
	if err != nil {
		return err
	}
	var service, month tally
	for _, row := range rows {
		service.add(row.Service, row.N)
		if row.Month != nil {
			month.add(*row.Month, row.N)
		}
	}
	r.ByService, r.ByMonth = service.counts(), month.counts()
	return nil
}

// tally sums counts by key.
type tally map[string]int

func (t *tally) add(key string, n int) {
	if *t == nil {
		*t = tally{}
	}
	(*t)[key] += n
}

// counts is the tally as a by_* list.
func (t tally) counts() []Count {
	out := make([]Count, 0, len(t))
	for key, n := range t {
		out = append(out, Count{Key: key, Count: n})
	}
	sortCounts(out)
	return out
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
