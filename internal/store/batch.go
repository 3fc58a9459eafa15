package store

import (
	"context"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// CreateIncidents files many new incidents in one transaction, as
// CreateIncident does one; any invalid incident fails the whole batch. The
// seed command and the demo use it, batching their own calls.
//
// The batch gets one audit entry listing the ids it made, not an entry per
// incident with every field: these are synthetic incidents, made by an
// operator's command, whose content the seed reproduces; an entry per
// incident would double the work of a seed for nothing an auditor needs.
func (s *Store) CreateIncidents(ctx context.Context, incs []*incident.Incident) error {
	return s.createIncidents(ctx, incs, func(tx *writeTx) error {
		ids := make([]int64, len(incs))
		for i, inc := range incs {
			ids[i] = inc.ID
		}
		tx.record("incident.create_batch", "incident", "",
			[]incident.FieldChange{incident.Set("count", len(incs)), incident.Set("ids", ids)})
		return nil
	})
}

// createIncidents validates and inserts new incidents, then lets audit
// record what it made, in one transaction.
func (s *Store) createIncidents(ctx context.Context, incs []*incident.Incident, audit func(tx *writeTx) error) error {
	vocab, err := s.Vocabulary(ctx)
	if err != nil {
		return err
	}
	for _, inc := range incs {
		s.prepareNew(inc)
		if err := inc.ValidateFiled(vocab); err != nil {
			return err
		}
	}
	return s.write(ctx, func(tx *writeTx) error {
		if err := checkFailureModes(tx.db, incs); err != nil {
			return err
		}
		if err := insertIncidents(tx, incs); err != nil {
			return err
		}
		return audit(tx)
	})
}
