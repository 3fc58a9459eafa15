package store

import (
	"context"
	"reflect"
	"strconv"
	"time"

	"gorm.io/gorm"

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
		if err := insertIncidents(tx.db, incs); err != nil {
			return err
		}
		return audit(tx)
	})
}

// ImportOutcome says what an import did with one incident.
type ImportOutcome int

// Import outcomes.
const (
	ImportFailed ImportOutcome = iota
	ImportCreated
	ImportUpdated
	ImportUnchanged
)

// ImportIncidents writes imported incidents and reports, per incident,
// what happened and any validation error (an invalid incident is skipped;
// the others are still written).
//
// An incident is matched to a stored one by external_id, else by id when the
// stored incident with that id was created at the same time (so an id from
// another Aftermath instance never overwrites an unrelated incident). A
// match is updated, unless nothing changed; no match is created, keeping
// its id, version and times when they are free and given, so that a
// restored export reads back byte for byte. Severity may be unset.
//
// Incidents are written in one transaction, unless some share an
// external_id or an id with an earlier one (the same post-mortem in two
// folders): each repeat goes in a later transaction, after the incident
// it repeats, and is matched against it like any stored incident.
func (s *Store) ImportIncidents(ctx context.Context, incs []*incident.Incident) ([]ImportOutcome, []error, error) {
	outcomes := make([]ImportOutcome, len(incs))
	errs := make([]error, len(incs))
	vocab, err := s.Vocabulary(ctx)
	if err != nil {
		return nil, nil, err
	}
	for i, inc := range incs {
		inc.Normalize()
		errs[i] = inc.Validate(vocab)
	}
	for _, round := range importRounds(incs, errs) {
		if err := s.importRound(ctx, incs, round, outcomes); err != nil {
			return nil, nil, err
		}
	}
	return outcomes, errs, nil
}

// importRounds splits the valid incidents (as indexes into incs) into
// rounds in which no two share an external_id or an id, each incident in
// the round after the last one it shares either with.
func importRounds(incs []*incident.Incident, errs []error) [][]int {
	var rounds [][]int
	lastRound := map[string]int{} // identity → the latest round holding it
	for i, inc := range incs {
		if errs[i] != nil {
			continue
		}
		var keys []string
		if inc.ExternalID != "" {
			keys = append(keys, "external_id "+inc.ExternalID)
		}
		if inc.ID != 0 {
			keys = append(keys, "id "+strconv.FormatInt(inc.ID, 10))
		}
		round := 0
		for _, k := range keys {
			if r, ok := lastRound[k]; ok {
				round = max(round, r+1)
			}
		}
		for _, k := range keys {
			lastRound[k] = round
		}
		if round == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[round] = append(rounds[round], i)
	}
	return rounds
}

// importRound writes the incidents at the given indexes of incs in one
// transaction and records what happened to each.
func (s *Store) importRound(ctx context.Context, incs []*incident.Incident, round []int, outcomes []ImportOutcome) error {
	batch := make([]*incident.Incident, len(round))
	for k, i := range round {
		batch[k] = incs[i]
	}
	return s.write(ctx, func(wtx *writeTx) error {
		tx, now := wtx.db, wtx.now.Truncate(time.Second)
		matches, err := s.findImportMatches(ctx, tx, batch)
		if err != nil {
			return err
		}
		var created, updated []*incident.Incident
		for _, i := range round {
			inc := incs[i]
			stored, found := matches.stored[inc]
			switch {
			case !found:
				if inc.ID != 0 && matches.takenIDs[inc.ID] {
					inc.ID = 0
				}
				if inc.Version < 1 {
					inc.Version = 1
				}
				if inc.CreatedAt.IsZero() {
					inc.CreatedAt = now
				}
				if inc.UpdatedAt.IsZero() {
					inc.UpdatedAt = now
				}
				created = append(created, inc)
				outcomes[i] = ImportCreated
			case sameContent(inc, stored):
				*inc = *stored
				outcomes[i] = ImportUnchanged
			default:
				inc.ID, inc.Version, inc.CreatedAt = stored.ID, stored.Version, stored.CreatedAt
				updated = append(updated, inc)
				outcomes[i] = ImportUpdated
			}
		}
		if err := insertIncidents(tx, created); err != nil {
			return err
		}
		if err := replaceIncidents(tx, updated, now); err != nil {
			return err
		}
		return recordImports(wtx, created, updated, matches)
	})
}

// recordImports writes the audit entries of an import. An incident that
// the import updated gets the before and after of each field it changed,
// as an edit would: that is what an auditor asks of a re-import over a
// published post-mortem. One that it created gets its identity (title,
// service, external id), not every field: the content is the file's and
// the incident's own, and copying it into the log would double the size
// of an import of thousands of files and cut its speed. Unchanged
// incidents are not written, so they get no entry.
func recordImports(tx *writeTx, created, updated []*incident.Incident, matches *importMatches) error {
	for _, inc := range created {
		changes := []incident.FieldChange{incident.Set("title", inc.Title), incident.Set("service", inc.Service)}
		if inc.ExternalID != "" {
			changes = append(changes, incident.Set("external_id", inc.ExternalID))
		}
		tx.record("incident.import", "incident", strconv.FormatInt(inc.ID, 10), changes)
	}
	stored := make(map[int64]*incident.Incident, len(matches.stored))
	for _, inc := range matches.stored {
		stored[inc.ID] = inc
	}
	for _, inc := range updated {
		if err := tx.recordChanges("incident.import", "incident", strconv.FormatInt(inc.ID, 10), stored[inc.ID], inc, incidentBookkeeping...); err != nil {
			return err
		}
	}
	return nil
}

// importMatches says which stored incident each imported one replaces, and
// which ids are taken.
type importMatches struct {
	stored   map[*incident.Incident]*incident.Incident
	takenIDs map[int64]bool
}

func (s *Store) findImportMatches(ctx context.Context, tx *gorm.DB, incs []*incident.Incident) (*importMatches, error) {
	m := &importMatches{stored: map[*incident.Incident]*incident.Incident{}, takenIDs: map[int64]bool{}}
	byExternal := map[string]int64{}
	createdAt := map[int64]int64{}
	for start := 0; start < len(incs); start += batchRows {
		chunk := incs[start:min(start+batchRows, len(incs))]
		var externalIDs []string
		var ids []int64
		for _, inc := range chunk {
			if inc.ExternalID != "" {
				externalIDs = append(externalIDs, inc.ExternalID)
			}
			if inc.ID != 0 {
				ids = append(ids, inc.ID)
			}
		}
		var rows []incidentRow
		query := tx.Select("id", "external_id", "created_at")
		switch {
		case len(externalIDs) > 0 && len(ids) > 0:
			query = query.Where("external_id IN ? OR id IN ?", externalIDs, ids)
		case len(externalIDs) > 0:
			query = query.Where("external_id IN ?", externalIDs)
		case len(ids) > 0:
			query = query.Where("id IN ?", ids)
		default:
			continue // nothing in this chunk can match a stored incident
		}
		if err := query.Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			m.takenIDs[r.ID] = true
			createdAt[r.ID] = r.CreatedAt
			if r.ExternalID != nil {
				byExternal[*r.ExternalID] = r.ID
			}
		}
	}
	matchedIDs := map[*incident.Incident]int64{}
	var ids []int64
	for _, inc := range incs {
		id, ok := byExternal[inc.ExternalID]
		if !ok || inc.ExternalID == "" {
			at, taken := createdAt[inc.ID]
			ok = taken && !inc.CreatedAt.IsZero() && at == inc.CreatedAt.Unix()
			id = inc.ID
		}
		if ok {
			matchedIDs[inc] = id
			ids = append(ids, id)
		}
	}
	stored, err := s.incidentsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for inc, id := range matchedIDs {
		m.stored[inc] = stored[id]
	}
	return m, nil
}

// incidentsByID loads whole incidents, keyed by id.
func (s *Store) incidentsByID(ctx context.Context, ids []int64) (map[int64]*incident.Incident, error) {
	out := make(map[int64]*incident.Incident, len(ids))
	for start := 0; start < len(ids); start += batchRows {
		var rows []incidentRow
		chunk := ids[start:min(start+batchRows, len(ids))]
		if err := withServiceName(s.reader.WithContext(ctx)).Where("incidents.id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		incs, err := s.hydrate(ctx, rows)
		if err != nil {
			return nil, err
		}
		for i := range incs {
			out[incs[i].ID] = &incs[i]
		}
	}
	return out, nil
}

// sameContent reports whether importing inc over stored would change
// anything a person could see; bookkeeping (id, version, times, the
// service's display spelling) does not count.
func sameContent(inc, stored *incident.Incident) bool {
	probe := *inc
	probe.ID, probe.Version = stored.ID, stored.Version
	probe.CreatedAt, probe.UpdatedAt = stored.CreatedAt, stored.UpdatedAt
	probe.Service = stored.Service
	return reflect.DeepEqual(&probe, stored)
}
