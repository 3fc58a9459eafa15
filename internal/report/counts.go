package report

import (
	"context"
	"slices"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// none is the key under which incidents without a severity or a primary
// cause are counted. Slugs are lowercase-with-dashes, so it cannot collide
// with a category.
const none = "(none)"

// orNone labels an empty value as none.
func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// countSections returns the tasks that count incidents, each one
// aggregate of the source. Lists over the incidents' own columns come
// several to a query and are summed here (a few hundred rows), so the
// window is read twice rather than five times. The incident total and the
// detection totals are sums of these lists (every incident has exactly one
// severity and one detection method), so they cost no query of their own.
func countSections(ctx context.Context, src Source, in Scope, r *Report) []task {
	return []task{
		func() error { return serviceMonthSection(ctx, src, in, r) },
		func() error { return severitySection(ctx, src, in, r) },
		func() (err error) { r.ByOutageType, err = src.CountOutageTypes(ctx, in); return err },
		func() (err error) { r.ByTag, err = src.CountTags(ctx, in); return err },
		func() (err error) {
			r.ByFactorCategory, err = src.CountFindingCategories(ctx, in, "factor")
			return err
		},
		func() (err error) { r.ByGapCategory, err = src.CountFindingCategories(ctx, in, "gap"); return err },
	}
}

// severitySection counts incidents by severity, detection method and
// cause category, and how many of each severity customers found.
func severitySection(ctx context.Context, src Source, in Scope, r *Report) error {
	rows, err := src.CountBySeverityMethodAndCause(ctx, in)
	if err != nil {
		return err
	}
	var severity, method, cause tally
	customer := map[string]int{}
	for _, row := range rows {
		sev := orNone(row.Severity)
		severity.add(sev, row.N)
		method.add(row.Method, row.N)
		cause.add(orNone(row.Cause), row.N)
		if row.Method == string(incident.DetectedByCustomer) {
			customer[sev] += row.N
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
func serviceMonthSection(ctx context.Context, src Source, in Scope, r *Report) error {
	rows, err := src.CountByServiceAndMonth(ctx, in)
	if err != nil {
		return err
	}
	var service, month tally
	for _, row := range rows {
		service.add(row.Service, row.N)
		if row.Month != "" {
			month.add(row.Month, row.N)
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
func serviceName(ctx context.Context, src Source, nameOrKey string) (string, error) {
	name, ok, err := src.ServiceName(ctx, incident.ServiceKey(nameOrKey))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", &incident.Error{Code: incident.EMALFORMED, Message: "The service filter names no known service.",
			Fields: map[string]string{"service": "no service is called " + quote(nameOrKey)}}
	}
	return name, nil
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
