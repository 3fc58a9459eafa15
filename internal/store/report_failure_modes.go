package store

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// The failure modes as the pattern report reads them: every mode with
// its history, the links of a scope's incidents, and the incidents that
// link none. Standard SQL on both backends.

// EveryFailureMode returns every service's failure modes, each with its
// history, from one snapshot.
func (s *Store) EveryFailureMode(ctx context.Context) ([]incident.FailureMode, error) {
	var out []incident.FailureMode
	err := s.read(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = readFailureModes(tx, nil)
		return err
	})
	return out, err
}

const modeLinksSQL = `SELECT m.incident_id, i.started_at, m.service_key, m.slug FROM %s WHERE %s`

// EachModeLink streams the failure-mode links of the scope's incidents,
// with each incident's start.
func (s *Store) EachModeLink(ctx context.Context, in report.Scope, row func(*report.ModeLink)) error {
	sc := scopeOf(in)
	var l report.ModeLink
	var started sql.NullInt64
	return s.eachRow(ctx, fmt.Sprintf(modeLinksSQL, s.dialect().joinChild("incident_failure_modes m", "m"), sc.cond), sc.args,
		[]any{&l.IncidentID, &started, &l.ServiceKey, &l.Slug}, func() {
			l.StartedAt, l.Started = started.Int64, started.Valid
			row(&l)
		})
}

// CountUnlinked counts the scope's incidents that link no failure mode,
// by service display name.
func (s *Store) CountUnlinked(ctx context.Context, in report.Scope) ([]report.Count, error) {
	sc := scopeOf(in)
	sc.cond += " AND NOT EXISTS (SELECT 1 FROM incident_failure_modes m WHERE m.incident_id = i.id)"
	return s.countRows(ctx, sc, sc.incidents(s.dialect())+" JOIN services s ON s.key = i.service_key", "s.name", "COUNT(*)")
}
