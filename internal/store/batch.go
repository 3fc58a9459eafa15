package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// CreateIncidents files many new incidents in one transaction, as
// CreateIncident does one; any invalid incident fails the whole batch. The
// seed command uses it, batching its own calls.
func (s *Store) CreateIncidents(ctx context.Context, incs []*incident.Incident) error {
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
	return s.writer.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return insertIncidents(tx, incs)
	})
}
