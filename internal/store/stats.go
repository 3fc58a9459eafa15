package store

import (
	"context"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// IncidentsByStatus counts incidents per lifecycle status in one query.
// Every status is present, with 0 when no incident has it, so that a
// metric built on it never vanishes.
func (s *Store) IncidentsByStatus(ctx context.Context) (map[incident.Status]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.reader.WithContext(ctx).Model(&incidentRow{}).
		Select("status, count(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	counts := make(map[incident.Status]int64, len(incident.Statuses))
	for _, st := range incident.Statuses {
		counts[st] = 0
	}
	for _, r := range rows {
		counts[incident.Status(r.Status)] = r.N
	}
	return counts, nil
}
