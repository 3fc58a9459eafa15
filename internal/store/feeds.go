package store

import (
	"cmp"
	"context"
	"slices"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// RecentlyChanged lists up to limit incidents by their last change, newest
// first (ties by id, newest first), of one service when serviceKey is set:
// what the feeds show. The incidents carry their fields and texts but not
// their lists (timeline, action items, ...).
func (s *Store) RecentlyChanged(ctx context.Context, serviceKey string, limit int) ([]incident.Incident, error) {
	var rows []incidentRow
	q := withServiceName(s.reader.WithContext(ctx)).Order("incidents.updated_at DESC, incidents.id DESC").Limit(limit)
	if serviceKey != "" {
		q = q.Where("incidents.service_key = ?", serviceKey)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]incident.Incident, len(rows))
	for i := range rows {
		inc, err := fromRow(&rows[i])
		if err != nil {
			return nil, err
		}
		out[i] = inc
	}
	return out, nil
}

// CurrentStatus reports the services with open incidents and the worst
// severity among them, from one query.
func (s *Store) CurrentStatus(ctx context.Context) (*incident.StatusReport, error) {
	var rows []struct {
		Key, Name string
		Severity  *string // the worst: "SEV1" sorts first; NULL when none has one
		N         int64
		Updated   int64
	}
	err := s.reader.WithContext(ctx).Table("incidents").
		Select("incidents.service_key AS key, services.name AS name, MIN(NULLIF(incidents.severity, '')) AS severity, "+
			"COUNT(*) AS n, MAX(incidents.updated_at) AS updated").
		Joins("JOIN services ON services.key = incidents.service_key").
		Where("incidents.status <> ?", incident.StatusResolved).
		Group("incidents.service_key, services.name").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	r := &incident.StatusReport{Services: []incident.ServiceStatus{}}
	var updated int64
	for _, row := range rows {
		var sev incident.Severity
		if row.Severity != nil {
			sev = incident.Severity(*row.Severity)
		}
		r.Services = append(r.Services, incident.ServiceStatus{Name: row.Name, Key: row.Key, Severity: sev, OpenIncidents: row.N})
		r.OpenIncidents += row.N
		if sev != "" && (r.Severity == "" || sev < r.Severity) {
			r.Severity = sev
		}
		updated = max(updated, row.Updated)
	}
	// Worst first, then by name: the order a status page lists them in.
	slices.SortFunc(r.Services, func(a, b incident.ServiceStatus) int {
		return cmp.Or(cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Key, b.Key))
	})
	r.Indicator = incident.IndicatorOf(r.OpenIncidents, r.Severity)
	if updated > 0 {
		t := fromUnix(updated)
		r.UpdatedAt = &t
	}
	return r, nil
}

// severityRank orders severities worst first, unknown last.
func severityRank(s incident.Severity) int {
	if i := slices.Index(incident.Severities, s); i >= 0 {
		return i
	}
	return len(incident.Severities)
}
