package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/aftermath-sre/aftermath/internal/report"
)

// The Store is the source of pattern reports: it answers report.Source's
// aggregates and streams over the reader pool, in the SQL of its dialect.
var _ report.Source = (*Store)(nil)

// reportScope is a report.Scope as an SQL condition on incidents under the
// alias i, with its arguments.
type reportScope struct {
	report.Scope
	cond string
	args []any
}

func scopeOf(in report.Scope) reportScope {
	s := reportScope{Scope: in, cond: "1 = 1"}
	and := func(cond string, args ...any) {
		s.cond += " AND " + cond
		s.args = append(s.args, args...)
	}
	switch len(in.Services) {
	case 0:
	case 1:
		and("i.service_key = ?", in.Services[0])
	default:
		and("i.service_key IN ?", in.Services)
	}
	if in.Since != nil {
		and("i.started_at >= ?", in.Since.Unix())
	}
	if in.Until != nil {
		and("i.started_at < ?", in.Until.Unix())
	}
	if in.WithoutStart {
		and("i.started_at IS NULL")
	}
	return s
}

// incidents is the FROM clause that reads the scope's incidents row by row.
func (s reportScope) incidents(d reportDialect) string {
	if s.Windowed() {
		return d.windowed
	}
	return "incidents AS i"
}

// over is the FROM clause for a child table of the scope's incidents. When
// the scope selects every incident the join is left out: it could only
// confirm what the foreign key already guarantees.
func (s reportScope) over(d reportDialect, child, alias string) string {
	if s.Everything() {
		return child
	}
	return d.joinChild(child, alias)
}

func (s *Store) dialect() reportDialect { return s.engine.reportSQL() }

// ServiceName returns the display name of the service with the key.
func (s *Store) ServiceName(ctx context.Context, key string) (string, bool, error) {
	var names []string
	err := s.reader.WithContext(ctx).Table("services").Where("key = ?", key).Pluck("name", &names).Error
	if err != nil || len(names) == 0 {
		return "", false, err
	}
	return names[0], true, nil
}

// Catalogue returns every service with its dependencies and industries.
func (s *Store) Catalogue(ctx context.Context) (*report.Catalogue, error) {
	db := s.reader.WithContext(ctx)
	c := &report.Catalogue{Names: map[string]string{}, DependsOn: map[string][]string{}, Industries: map[string][]string{}}
	var names []struct{ Key, Name string }
	if err := db.Table("services").Select("key, name").Scan(&names).Error; err != nil {
		return nil, err
	}
	for _, n := range names {
		c.Names[n.Key] = n.Name
	}
	var edges []dependencyRow
	if err := db.Order("service_key, depends_on_key").Find(&edges).Error; err != nil {
		return nil, err
	}
	for _, e := range edges {
		c.DependsOn[e.ServiceKey] = append(c.DependsOn[e.ServiceKey], e.DependsOnKey)
	}
	var inds []industryRow
	if err := db.Order("service_key, position").Find(&inds).Error; err != nil {
		return nil, err
	}
	for _, i := range inds {
		c.Industries[i.ServiceKey] = append(c.Industries[i.ServiceKey], i.Industry)
	}
	return c, nil
}

// CountIncidents counts the incidents in the scope.
func (s *Store) CountIncidents(ctx context.Context, in report.Scope) (int, error) {
	sc := scopeOf(in)
	var n int64
	err := s.reader.WithContext(ctx).Table("incidents AS i").Where(sc.cond, sc.args...).Count(&n).Error
	return int(n), err
}

// CountByServiceAndMonth counts incidents by service and month of start in
// one GROUP BY.
func (s *Store) CountByServiceAndMonth(ctx context.Context, in report.Scope) ([]report.ServiceMonthCount, error) {
	sc := scopeOf(in)
	var rows []struct {
		Service string
		Month   *string
		N       int
	}
	err := s.reader.WithContext(ctx).Table("incidents AS i JOIN services s ON s.key = i.service_key").
		Select("s.name AS service, "+s.dialect().month("i.started_at")+" AS month, COUNT(*) AS n").
		Where(sc.cond, sc.args...).
		Group("service, month").
		Scan(&rows).Error
	out := make([]report.ServiceMonthCount, len(rows))
	for k, r := range rows {
		out[k] = report.ServiceMonthCount{Service: r.Service, N: r.N}
		if r.Month != nil {
			out[k].Month = *r.Month
		}
	}
	return out, err
}

// CountBySeverityMethodAndCause counts incidents by three of their columns
// in one GROUP BY, answered from the incidents_report index.
func (s *Store) CountBySeverityMethodAndCause(ctx context.Context, in report.Scope) ([]report.SeverityMethodCauseCount, error) {
	sc := scopeOf(in)
	var rows []report.SeverityMethodCauseCount
	err := s.reader.WithContext(ctx).Table("incidents AS i").
		Select("i.severity AS severity, i.detection_method AS method, i.cause_category AS cause, COUNT(*) AS n").
		Where(sc.cond, sc.args...).
		Group("severity, method, cause").
		Scan(&rows).Error
	return rows, err
}

// CountOutageTypes counts incidents by outage type. Outage types are the
// child table's primary key with the incident, so COUNT(*) counts
// incidents; COUNT(DISTINCT) would cost ten times as much.
func (s *Store) CountOutageTypes(ctx context.Context, in report.Scope) ([]report.Count, error) {
	sc := scopeOf(in)
	return s.countRows(ctx, sc, sc.over(s.dialect(), "incident_outage_types o", "o"), "o.outage_type", "COUNT(*)")
}

// CountTags counts incidents by tag; incident.Normalize makes tags unique
// per incident on every write, so COUNT(*) counts incidents.
func (s *Store) CountTags(ctx context.Context, in report.Scope) ([]report.Count, error) {
	sc := scopeOf(in)
	return s.countRows(ctx, sc, sc.over(s.dialect(), "incident_tags t", "t"), "t.tag", "COUNT(*)")
}

// CountFindingCategories counts the incidents with findings of a kind by
// category. An incident may list two findings of one category, so this
// one counts distinct incidents; the findings_report index holds each
// category's incident ids in order, which keeps that cheap.
func (s *Store) CountFindingCategories(ctx context.Context, in report.Scope, kind string) ([]report.Count, error) {
	sc := scopeOf(in)
	from := sc.over(s.dialect(), "findings f", "f")
	sc.cond += " AND f.kind = ?"
	sc.args = append(sc.args, kind)
	return s.countRows(ctx, sc, from, "f.category", "COUNT(DISTINCT f.incident_id)")
}

func (s *Store) countRows(ctx context.Context, sc reportScope, from, label, count string) ([]report.Count, error) {
	var rows []struct {
		Label string
		N     int
	}
	err := s.reader.WithContext(ctx).Table(from).
		Select(label+" AS label, "+count+" AS n").
		Where(sc.cond, sc.args...).
		Group("label").
		Order("n DESC, label").
		Scan(&rows).Error
	out := make([]report.Count, len(rows))
	for k, r := range rows {
		out[k] = report.Count{Key: r.Label, Count: r.N}
	}
	return out, err
}

// CountActionItems counts in one pass, from the action_items_status index
// when the scope is everything. Due dates are YYYY-MM-DD text, so the
// comparison with the reference day is a string comparison.
func (s *Store) CountActionItems(ctx context.Context, in report.Scope, asOf string) (report.ActionItems, error) {
	sc := scopeOf(in)
	var a report.ActionItems
	err := s.reader.WithContext(ctx).Table(sc.over(s.dialect(), "action_items a", "a")).
		Select(`COUNT(*) AS total,
			SUM(CASE WHEN a.status IN ('open', 'in_progress') THEN 1 ELSE 0 END) AS open,
			SUM(CASE WHEN a.status = 'in_progress' THEN 1 ELSE 0 END) AS in_progress,
			SUM(CASE WHEN a.status IN ('open', 'in_progress') AND a.due_date <> '' AND a.due_date < ? THEN 1 ELSE 0 END) AS overdue,
			SUM(CASE WHEN a.status = 'done' THEN 1 ELSE 0 END) AS done,
			SUM(CASE WHEN a.status = 'wont_do' THEN 1 ELSE 0 END) AS wont_do,
			SUM(CASE WHEN a.status IN ('open', 'in_progress') AND a.kind = 'prevent' THEN 1 ELSE 0 END) AS open_preventive`, asOf).
		Where(sc.cond, sc.args...).
		Scan(&a).Error
	return a, err
}

// durationsSQL computes each incident's three durations, NULL where a
// timestamp is unknown. Percentiles need the values themselves, so the
// report receives this one narrow stream and sorts it: three integers and
// two short group labels per incident, against a window function per metric
// that would make the database materialise and sort the rows once per
// metric.
const durationsSQL = `
SELECT i.detection_method, i.severity,
	i.detected_at - i.started_at,
	i.mitigated_at - i.started_at,
	i.resolved_at - i.started_at
FROM incidents AS i WHERE %s`

// EachDuration streams the durations of the incidents in the scope.
func (s *Store) EachDuration(ctx context.Context, in report.Scope, row func(*report.DurationRow)) error {
	sc := scopeOf(in)
	var method, severity sql.RawBytes
	var d [3]sql.NullInt64
	var out report.DurationRow
	return s.eachRow(ctx, fmt.Sprintf(durationsSQL, sc.cond), sc.args, []any{&method, &severity, &d[0], &d[1], &d[2]}, func() {
		out.Method, out.Severity = method, severity
		for k := range d {
			out.Phases[k] = report.Elapsed{Seconds: d[k].Int64, Known: d[k].Valid}
		}
		row(&out)
	})
}

// CountByMonthAndOutageType counts incidents by month of start and outage
// type in one GROUP BY; the order is made here, the same on every backend
// whatever its collation.
func (s *Store) CountByMonthAndOutageType(ctx context.Context, in report.Scope) ([]report.MonthCount, error) {
	sc := scopeOf(in)
	out := []report.MonthCount{}
	err := s.reader.WithContext(ctx).Table(sc.incidents(s.dialect())+" LEFT JOIN incident_outage_types o ON o.incident_id = i.id").
		Select(s.dialect().month("i.started_at")+" AS month, COALESCE(o.outage_type, '') AS key, COUNT(*) AS count").
		Where(sc.cond, sc.args...).
		Where("i.started_at IS NOT NULL").
		Group("month, key").
		Scan(&out).Error
	slices.SortFunc(out, func(a, b report.MonthCount) int {
		return cmp.Or(strings.Compare(a.Month, b.Month), strings.Compare(a.Key, b.Key))
	})
	return out, err
}

// timestampProblemsSQL selects the incidents with a timestamp problem; it
// reads only columns of the incidents_report index.
const timestampProblemsSQL = `
SELECT i.id, i.status, i.started_at, i.detected_at, i.mitigated_at, i.resolved_at
FROM %s
WHERE %s AND (
	i.started_at IS NULL
	OR (i.status = 'resolved' AND (i.detected_at IS NULL OR i.mitigated_at IS NULL OR i.resolved_at IS NULL))
	OR (i.resolved_at IS NOT NULL AND i.status <> 'resolved')
	OR i.detected_at < i.started_at OR i.mitigated_at < i.started_at OR i.resolved_at < i.started_at
	OR i.mitigated_at < i.detected_at OR i.resolved_at < i.detected_at OR i.resolved_at < i.mitigated_at)
ORDER BY i.id`

// EachTimestampProblem streams the incidents whose timestamps are missing
// or out of order.
func (s *Store) EachTimestampProblem(ctx context.Context, in report.Scope, row func(*report.TimestampRow)) error {
	sc := scopeOf(in)
	var r report.TimestampRow
	return s.eachRow(ctx, fmt.Sprintf(timestampProblemsSQL, sc.incidents(s.dialect()), sc.cond), sc.args,
		[]any{&r.ID, &r.Status, &r.Stamps[0], &r.Stamps[1], &r.Stamps[2], &r.Stamps[3]}, func() { row(&r) })
}

const (
	// incidentPassSQL reads the narrow columns pattern detection needs;
	// with no ORDER BY, so that the database never holds every text.
	incidentPassSQL = `
SELECT i.id, i.sort_at, i.started_at, i.service_key, i.severity, i.detection_method, i.cause_category, i.cause_description
FROM %s WHERE %s`
	// findingPassSQL reads factors with their descriptions and gaps
	// without (they are never compared).
	findingPassSQL = `
SELECT f.incident_id, f.kind = 'gap', f.position, f.category, CASE WHEN f.kind = 'factor' THEN f.description ELSE '' END
FROM %s WHERE %s`
)

// EachIncident streams the incidents in the scope with their causes.
func (s *Store) EachIncident(ctx context.Context, in report.Scope, row func(*report.IncidentRow)) error {
	sc := scopeOf(in)
	var r report.IncidentRow
	var started sql.NullInt64
	var service, severity, method, category, text sql.RawBytes
	return s.eachRow(ctx, fmt.Sprintf(incidentPassSQL, sc.incidents(s.dialect()), sc.cond), sc.args,
		[]any{&r.ID, &r.SortAt, &started, &service, &severity, &method, &category, &text}, func() {
			r.StartedAt = report.Elapsed{Seconds: started.Int64, Known: started.Valid}
			r.ServiceKey, r.Severity, r.DetectionMethod, r.CauseCategory, r.CauseDescription = service, severity, method, category, text
			row(&r)
		})
}

// EachFinding streams the contributing factors and detection gaps of the
// incidents in the scope.
func (s *Store) EachFinding(ctx context.Context, in report.Scope, row func(*report.FindingRow)) error {
	sc := scopeOf(in)
	var r report.FindingRow
	var category, text sql.RawBytes
	return s.eachRow(ctx, fmt.Sprintf(findingPassSQL, sc.over(s.dialect(), "findings f", "f"), sc.cond), sc.args,
		[]any{&r.IncidentID, &r.Gap, &r.Position, &category, &text}, func() {
			r.Category, r.Description = category, text
			row(&r)
		})
}

// fixesSQL reads the preventive items that name what they address and
// are not won't-do from the action_items_fixes index alone; the report
// keeps those of its incidents (joining in SQL would cost a search of the
// incidents table per fix). With a service filter, the incidents' own
// index narrows it first.
const (
	fixesSQL = `
SELECT a.incident_id, a.addresses, a.status = 'done', a.done_at FROM action_items a
WHERE a.kind = 'prevent' AND a.status IN ('open', 'in_progress', 'done') AND a.addresses <> ''`
	serviceFixesSQL = `
SELECT a.incident_id, a.addresses, a.status = 'done', a.done_at
FROM incidents AS i JOIN action_items a ON a.incident_id = i.id
WHERE %s AND a.kind = 'prevent' AND a.status IN ('open', 'in_progress', 'done') AND a.addresses <> ''`
)

// EachFix streams the preventive fixes of the scope's services.
func (s *Store) EachFix(ctx context.Context, in report.Scope, row func(*report.FixRow)) error {
	query, args := fixesSQL, []any(nil)
	if len(in.Services) > 0 {
		sc := scopeOf(report.Scope{Services: in.Services})
		query, args = fmt.Sprintf(serviceFixesSQL, sc.cond), sc.args
	}
	var r report.FixRow
	var addresses sql.RawBytes
	var doneAt sql.NullInt64
	return s.eachRow(ctx, query, args, []any{&r.IncidentID, &addresses, &r.Done, &doneAt}, func() {
		r.Addresses, r.DoneAt = addresses, doneAt.Int64
		r.Done = r.Done && doneAt.Valid
		row(&r)
	})
}

// refBatch bounds the ids bound in one IN list (SQLite allows 32,766
// parameters per statement).
const refBatch = 500

// IncidentRefs reads the id, title, service name, severity, status and
// start of the given incidents.
func (s *Store) IncidentRefs(ctx context.Context, ids []int64) (map[int64]report.IncidentRef, error) {
	out := make(map[int64]report.IncidentRef, len(ids))
	err := batches(len(ids), refBatch, func(lo, hi int) error {
		var rows []refRow
		err := s.reader.WithContext(ctx).Table("incidents AS i JOIN services s ON s.key = i.service_key").
			Select("i.id, i.title, s.name, i.severity, i.status, i.started_at").
			Where("i.id IN ?", ids[lo:hi]).
			Scan(&rows).Error
		for _, r := range rows {
			out[r.ID] = r.ref()
		}
		return err
	})
	return out, err
}

// batches calls f on each run of at most size of n items.
func batches(n, size int, f func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += size {
		if err := f(lo, min(lo+size, n)); err != nil {
			return err
		}
	}
	return nil
}

// anyTuple is the condition that a row has the values of one of n tuples
// of the columns: "(a = ? AND b = ?) OR (a = ? AND b = ?)".
func anyTuple(n int, columns ...string) string {
	one := "(" + strings.Join(columns, " = ? AND ") + " = ?)"
	return strings.TrimSuffix(strings.Repeat(one+" OR ", n), " OR ")
}

// RecentIncidents lists a service's latest incidents, newest first,
// walking the incidents_service index.
func (s *Store) RecentIncidents(ctx context.Context, serviceKey string, limit int) ([]report.IncidentRef, error) {
	var rows []refRow
	err := s.reader.WithContext(ctx).Table("incidents AS i").Select("i.id, i.title, i.severity, i.status, i.started_at").
		Where("i.service_key = ?", serviceKey).Order("i.sort_at DESC, i.id DESC").Limit(limit).Scan(&rows).Error
	out := make([]report.IncidentRef, len(rows))
	for k, r := range rows {
		out[k] = r.ref()
	}
	return out, err
}

type refRow struct {
	ID                            int64
	Title, Name, Severity, Status string
	StartedAt                     *int64
}

func (r refRow) ref() report.IncidentRef {
	return report.IncidentRef{ID: r.ID, Title: r.Title, Service: r.Name, Severity: r.Severity, Status: r.Status,
		StartedAt: timeOrNil(r.StartedAt)}
}

// Descriptions reads the texts of the given causes and factors: causes
// from the incidents, factors from findings, each by primary key.
func (s *Store) Descriptions(ctx context.Context, texts []report.TextRef) (map[report.TextRef]string, error) {
	out := make(map[report.TextRef]string, len(texts))
	var causes []int64
	var factors []report.TextRef
	for _, t := range texts {
		if t.Position < 0 {
			causes = append(causes, t.IncidentID)
		} else {
			factors = append(factors, t)
		}
	}
	db := s.reader.WithContext(ctx)
	err := batches(len(causes), refBatch, func(lo, hi int) error {
		var rows []struct {
			ID               int64
			CauseDescription string
		}
		err := db.Table("incidents").Select("id, cause_description").Where("id IN ?", causes[lo:hi]).Scan(&rows).Error
		for _, r := range rows {
			out[report.TextRef{IncidentID: r.ID, Position: -1}] = r.CauseDescription
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	err = batches(len(factors), refBatch/2, func(lo, hi int) error {
		var args []any
		for _, f := range factors[lo:hi] {
			args = append(args, f.IncidentID, f.Position)
		}
		var rows []struct {
			IncidentID  int64
			Position    int32
			Description string
		}
		err := db.Table("findings").Select("incident_id, position, description").
			Where("kind = 'factor' AND ("+anyTuple(hi-lo, "incident_id", "position")+")", args...).Scan(&rows).Error
		for _, r := range rows {
			out[report.TextRef{IncidentID: r.IncidentID, Position: r.Position}] = r.Description
		}
		return err
	})
	return out, err
}

// FixTitles reads the titles of the given done preventive items: of each
// incident, the first item (by position) addressing the text that was done
// at the time given.
func (s *Store) FixTitles(ctx context.Context, fixes []report.FixRef) (map[report.FixRef]string, error) {
	out := make(map[report.FixRef]string, len(fixes))
	db := s.reader.WithContext(ctx)
	err := batches(len(fixes), refBatch/3, func(lo, hi int) error {
		var args []any
		for _, f := range fixes[lo:hi] {
			args = append(args, f.IncidentID, f.Addresses, f.DoneAt)
		}
		var rows []struct {
			IncidentID int64
			Addresses  string
			DoneAt     int64
			Title      string
		}
		err := db.Table("action_items").Select("incident_id, addresses, done_at, title").
			Where("kind = 'prevent' AND status = 'done' AND ("+anyTuple(hi-lo, "incident_id", "addresses", "done_at")+")", args...).
			Order("incident_id, position").Scan(&rows).Error
		for _, r := range rows {
			k := report.FixRef{IncidentID: r.IncidentID, Addresses: r.Addresses, DoneAt: r.DoneAt}
			if _, ok := out[k]; !ok {
				out[k] = r.Title
			}
		}
		return err
	})
	return out, err
}

// eachRow runs a query and calls row after scanning each row into dest.
func (s *Store) eachRow(ctx context.Context, query string, args []any, dest []any, row func()) error {
	rows, err := s.reader.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		row()
	}
	return rows.Err()
}
