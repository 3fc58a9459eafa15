package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// batchRows bounds the rows in one INSERT: SQLite allows 32,766 bound
// values per statement, and the widest row (incidents) has about 30.
const batchRows = 500

// CreateIncident files a new incident: it normalises and validates inc
// (severity required), creates its service on first use, and writes the
// incident, its child lists, its search entry and an audit entry with
// every field it set in one transaction. On success inc carries its id,
// version and times.
func (s *Store) CreateIncident(ctx context.Context, inc *incident.Incident) error {
	return s.createIncidents(ctx, []*incident.Incident{inc}, func(tx *writeTx) error {
		if err := tx.recordChanges("incident.create", "incident", strconv.FormatInt(inc.ID, 10), nil, inc, incidentBookkeeping...); err != nil {
			return err
		}
		return tx.emit(incident.Event{Type: incident.EventIncidentCreated, Data: incident.EventData{Incident: inc}})
	})
}

// incidentBookkeeping are the fields an incident's audit entries leave
// out: the entry has the id and its own time.
var incidentBookkeeping = []string{"id", "created_at", "updated_at"}

// UpdateIncident replaces the stored incident inc.ID with inc, provided the
// stored version is still inc.Version; otherwise it returns a conflict
// carrying the current version. A severity, once set, stays required, and
// so do the lifecycle fields: an update that leaves one out is refused, not
// reset to a default. An update that changes nothing is not a write: the
// version and updated_at stay, and inc is set to the stored incident.
func (s *Store) UpdateIncident(ctx context.Context, inc *incident.Incident) error {
	vocab, err := s.Vocabulary(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *writeTx) error {
		if err := lockIncidents(tx.db, []int64{inc.ID}); err != nil {
			return err
		}
		current, err := getIncident(tx.db, inc.ID)
		if err != nil {
			return err
		}
		if current.Version != inc.Version {
			return staleVersion(inc.Version, current.Version)
		}
		inc.Normalize()
		inc.StampDoneItems(tx.now)
		inc.CreatedAt = current.CreatedAt
		validate := inc.Validate
		if current.Severity != "" {
			validate = inc.ValidateFiled
		}
		if err := validate(vocab); err != nil {
			return err
		}
		if err := checkFailureModes(tx.db, []*incident.Incident{inc}); err != nil {
			return err
		}
		if sameContent(inc, current) {
			*inc = *current
			return nil
		}
		inc.Version = current.Version + 1
		if err := replaceIncidents(tx, []*incident.Incident{inc}, []int{current.Version}); err != nil {
			return err
		}
		if err := tx.recordChanges("incident.update", "incident", strconv.FormatInt(inc.ID, 10), current, inc, incidentBookkeeping...); err != nil {
			return err
		}
		return tx.emit(incident.UpdateEvents(current, inc)...)
	})
}

// DeleteIncident removes an incident with its children, comments and
// search entry.
// The audit entry keeps every field it had, so a deleted incident can be
// read back from the log.
func (s *Store) DeleteIncident(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *writeTx) error {
		if err := lockIncidents(tx.db, []int64{id}); err != nil {
			return err
		}
		before, err := getIncident(tx.db, id)
		if err != nil {
			return err
		}
		res := tx.db.Delete(&incidentRow{}, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return incident.Errorf(incident.ENOTFOUND, "Incident %d does not exist.", id)
		}
		if err := tx.engine.unindex(tx.db, []int64{id}); err != nil {
			return err
		}
		if err := tx.recordChanges("incident.delete", "incident", strconv.FormatInt(id, 10), before, nil, incidentBookkeeping...); err != nil {
			return err
		}
		return tx.emit(incident.Event{Type: incident.EventIncidentDeleted, Data: incident.EventData{Ref: before.Ref()}})
	})
}

func staleVersion(given, current int) error {
	return &incident.Error{
		Code:           incident.ECONFLICT,
		Message:        fmt.Sprintf("The incident was changed by someone else: it is at version %d, the request was made at version %d. Read it again and retry.", current, given),
		CurrentVersion: current,
	}
}

// prepareNew readies an incident that is about to be inserted.
func (s *Store) prepareNew(inc *incident.Incident) {
	now := s.Now().UTC().Truncate(time.Second)
	inc.ID = 0
	inc.Normalize()
	inc.ApplyDefaults()
	inc.StampDoneItems(now)
	inc.Version = 1
	inc.CreatedAt, inc.UpdatedAt = now, now
}

// insertIncidents writes new, validated incidents in wtx. Those without an
// id get one; those with one keep it (the write called lockIDs first).
func insertIncidents(wtx *writeTx, incs []*incident.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	tx := wtx.db
	var brought int64 // the highest id the incidents bring
	var fresh []*incident.Incident
	for _, inc := range incs {
		if inc.ID == 0 {
			fresh = append(fresh, inc)
		}
		brought = max(brought, inc.ID)
	}
	// New ids come first: on PostgreSQL the sequence must be the first lock
	// a create takes (see engine.newIDs).
	ids, err := wtx.engine.newIDs(tx, "incidents", len(fresh))
	if err != nil {
		return err
	}
	for i, id := range ids {
		fresh[i].ID = id
	}
	if err := ensureServices(tx, incs); err != nil {
		return err
	}
	// Rows with and without an id go in separate statements, so that
	// every row of a multi-row INSERT has the same columns.
	var withID, withoutID []incidentRow
	var newIncs []*incident.Incident
	for _, inc := range incs {
		row, err := toRow(inc)
		if err != nil {
			return err
		}
		if row.ID != 0 {
			withID = append(withID, row)
		} else {
			withoutID = append(withoutID, row)
			newIncs = append(newIncs, inc)
		}
	}
	slices.SortFunc(withID, func(a, b incidentRow) int { return cmp.Compare(a.ID, b.ID) })
	for _, rows := range [][]incidentRow{withID, withoutID} {
		if len(rows) > 0 {
			if err := tx.Omit("ServiceName").CreateInBatches(rows, batchRows).Error; err != nil {
				return translateWriteError(err)
			}
		}
	}
	for i, inc := range newIncs {
		inc.ID = withoutID[i].ID
	}
	if brought > 0 {
		if err := wtx.engine.claimIDs(tx, "incidents", brought); err != nil {
			return err
		}
	}
	return insertDependents(wtx, incs)
}

// insertDependents writes the child rows and search entries of incidents
// whose rows are written. It writes them in id order: FTS4 flushes its
// buffered terms to a new segment whenever a docid is not above the last
// one, so an import in file-name order would otherwise build thousands of
// tiny segments and merge them, at three times the cost; B-trees, too,
// fill faster at their right edge.
func insertDependents(wtx *writeTx, incs []*incident.Incident) error {
	byID := slices.Clone(incs)
	slices.SortFunc(byID, func(a, b *incident.Incident) int { return cmp.Compare(a.ID, b.ID) })
	var c children
	for _, inc := range byID {
		c.append(inc)
	}
	if err := insertChildren(wtx.db, &c); err != nil {
		return err
	}
	return wtx.engine.index(wtx.db, byID)
}

// replaceIncidents rewrites existing incidents in wtx: the row is updated
// from the version it was read at (from, one per incident) to the new
// version the caller set, its children and search entry replaced.
func replaceIncidents(wtx *writeTx, incs []*incident.Incident, from []int) error {
	if len(incs) == 0 {
		return nil
	}
	tx, now := wtx.db, wtx.now
	if err := ensureServices(tx, incs); err != nil {
		return err
	}
	ids := make([]int64, len(incs))
	for i, inc := range incs {
		inc.UpdatedAt = now.UTC().Truncate(time.Second)
		row, err := toRow(inc)
		if err != nil {
			return err
		}
		// Select("*") writes zero values too: a cleared field must clear.
		// The version the write read is the UPDATE's condition: the row
		// lock taken when it was read holds it already, and this makes
		// sure.
		res := tx.Model(&incidentRow{ID: inc.ID}).Where("version = ?", from[i]).Select("*").
			Omit("ID", "ServiceName", "Summary", "Description", "ImpactDescription", "WentWell", "WentWrong", "GotLucky").Updates(&row)
		if res.Error != nil {
			return translateWriteError(res.Error)
		}
		if res.RowsAffected != 1 {
			var current int
			if err := tx.Model(&incidentRow{}).Where("id = ?", inc.ID).Pluck("version", &current).Error; err != nil {
				return err
			}
			return staleVersion(from[i], current)
		}
		ids[i] = inc.ID
	}
	if err := deleteChildren(tx, ids); err != nil {
		return err
	}
	if err := wtx.engine.unindex(tx, ids); err != nil {
		return err
	}
	return insertDependents(wtx, incs)
}

func ensureServices(tx *gorm.DB, incs []*incident.Incident) error {
	seen := map[string]bool{}
	var rows []serviceRow
	for _, inc := range incs {
		if !seen[inc.ServiceKey] {
			seen[inc.ServiceKey] = true
			rows = append(rows, serviceRow{Key: inc.ServiceKey, Name: inc.Service, CreatedAt: inc.CreatedAt.Unix()})
		}
	}
	// In key order, so that two writes creating the same services wait
	// for each other rather than deadlock.
	slices.SortFunc(rows, func(a, b serviceRow) int { return cmp.Compare(a.Key, b.Key) })
	// The first spelling seen stays the display name, and the incidents
	// take it, so that what a write answers is what a read will show.
	if err := createRows(tx.Clauses(clause.OnConflict{DoNothing: true}), rows); err != nil {
		return err
	}
	keys := make([]string, 0, len(seen))
	for key := range seen {
		keys = append(keys, key)
	}
	var stored []serviceRow
	for part := range slices.Chunk(keys, batchRows) {
		var chunk []serviceRow
		if err := tx.Select("key", "name").Where("key IN ?", part).Find(&chunk).Error; err != nil {
			return err
		}
		stored = append(stored, chunk...)
	}
	names := make(map[string]string, len(stored))
	for _, r := range stored {
		names[r.Key] = r.Name
	}
	for _, inc := range incs {
		if name, ok := names[inc.ServiceKey]; ok {
			inc.Service = name
		}
	}
	return nil
}

func insertChildren(tx *gorm.DB, c *children) error {
	return errors.Join(
		createRows(tx, c.texts),
		createRows(tx, c.outageTypes),
		createRows(tx, c.tags),
		createRows(tx, c.dependents),
		createRows(tx, c.findings),
		createRows(tx, c.actionItems),
		createRows(tx, c.timeline),
		createRows(tx, c.links),
		createRows(tx, c.modes),
		createRows(tx, c.similarity),
	)
}

// createRows inserts rows in batches; GORM refuses an empty batch.
func createRows[T any](tx *gorm.DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, batchRows).Error
}

func deleteChildren(tx *gorm.DB, ids []int64) error {
	for _, model := range []any{&incidentTextRow{}, &outageTypeRow{}, &tagRow{}, &dependentRow{}, &findingRow{}, &actionItemRow{}, &timelineRow{}, &linkRow{}, &incidentModeRow{}, &similarityKeyRow{}} {
		if err := tx.Where("incident_id IN ?", ids).Delete(model).Error; err != nil {
			return err
		}
	}
	return nil
}

func translateWriteError(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &incident.Error{Code: incident.EINVALID, Message: "The incident is not valid.",
			Fields: map[string]string{"external_id": "is already used by another incident"}}
	}
	return err
}
