package store

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// ImportIncidents writes imported incidents in one transaction and reports,
// per incident, what happened and why it was not written, if it was not.
// Severity may be unset. An invalid incident is skipped; the others are
// still written. Outcomes are only returned once the transaction has
// committed: what they call created or updated is in the database.
//
// An incident is matched to a stored one by external_id, else by id when the
// stored incident with that id was created at the same time (so an id from
// another Aftermath instance never overwrites an unrelated incident). A
// match is updated, unless nothing changed, or unless the incident is at an
// older version than the stored one: that is a conflict, never an
// overwrite. An incident without a version counts as version 1, the
// version a post-mortem has before anyone edits it. The updated incident
// takes the file's version when that is newer, else the next one. No match
// is created, keeping its id, version and times when they are free and
// given, so that a restored export reads back byte for byte.
//
// Several copies of one post-mortem in a batch (the same external_id, or
// the same id and creation time, directly or through another copy) are
// resolved together, whatever their order: the newest version wins, older
// copies are superseded, identical ones unchanged. Copies that share the
// newest version but differ are a conflict, and none of them is written:
// which of them is newer cannot be told.
func (s *Store) ImportIncidents(ctx context.Context, incs []*incident.Incident) ([]incident.ImportOutcome, []error, error) {
	r, err := s.Import(ctx, ImportBatch{Incidents: incs})
	if err != nil {
		return nil, nil, err
	}
	return r.Outcomes, r.Errors, nil
}

// ImportBatch is what one import transaction writes: incidents, as
// ImportIncidents takes them, and the discussion of each.
type ImportBatch struct {
	Incidents []*incident.Incident
	// Comments, when not nil, holds each incident's comments (by index).
	// They are merged into the discussion of the incident the file became
	// (created, updated, unchanged or superseded by a copy), in the same
	// transaction: a comment already there (same time, author and text) is
	// not added twice; one whose id is free keeps it.
	Comments [][]incident.Comment
}

// ImportResult says what an import transaction did, per incident.
type ImportResult struct {
	Outcomes []incident.ImportOutcome
	Errors   []error
	// CommentErrors says why an incident's comments were not merged; its
	// incident is imported all the same.
	CommentErrors []error
	CommentsAdded int
}

// Import writes one batch in one transaction, as ImportIncidents says; the
// result is returned only once the transaction has committed.
func (s *Store) Import(ctx context.Context, b ImportBatch) (*ImportResult, error) {
	incs := b.Incidents
	r := &ImportResult{Outcomes: make([]incident.ImportOutcome, len(incs)), Errors: make([]error, len(incs)), CommentErrors: make([]error, len(incs))}
	vocab, err := s.Vocabulary(ctx)
	if err != nil {
		return nil, err
	}
	for i, inc := range incs {
		inc.Normalize()
		inc.ApplyDefaults()
		r.Errors[i] = inc.ValidateImported(vocab)
		if i < len(b.Comments) {
			r.CommentErrors[i] = validateImportedComments(b.Comments[i])
		}
	}
	err = s.write(ctx, func(wtx *writeTx) error {
		tx, now := wtx.db, wtx.now.Truncate(time.Second)
		known, err := knownFailureModes(tx, incs)
		if err != nil {
			return err
		}
		for i, inc := range incs {
			if r.Errors[i] == nil {
				r.Errors[i] = inc.CheckFailureModes(known)
			}
		}
		// Ids the batch brings are settled against every id in use.
		if err := wtx.engine.lockIDs(tx, "incidents", highestID(incs, r.Errors)); err != nil {
			return err
		}
		if err := wtx.engine.lockIDs(tx, "comments", highestCommentID(b)); err != nil {
			return err
		}
		plan, err := planImport(tx, incs, r.Errors, r.Outcomes)
		if err != nil {
			return err
		}
		plan.prepareCreated(now)
		if err := insertIncidents(wtx, plan.created); err != nil {
			return err
		}
		if err := replaceIncidents(wtx, plan.updated, plan.storedVersions()); err != nil {
			return err
		}
		plan.shareIDs()
		if r.CommentsAdded, err = mergeImportedComments(wtx, b, r); err != nil {
			return err
		}
		if err := plan.record(wtx); err != nil {
			return err
		}
		return plan.emit(wtx)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// highestID is the highest id the valid incidents bring, 0 for none.
func highestID(incs []*incident.Incident, errs []error) int64 {
	var highest int64
	for i, inc := range incs {
		if errs[i] == nil {
			highest = max(highest, inc.ID)
		}
	}
	return highest
}

// highestCommentID is the highest id the batch's comments bring, 0 for
// none.
func highestCommentID(b ImportBatch) int64 {
	var highest int64
	for _, comments := range b.Comments {
		for _, c := range comments {
			highest = max(highest, c.ID)
		}
	}
	return highest
}

// importPlan is what one import batch writes.
type importPlan struct {
	created, updated []*incident.Incident
	// before holds each updated incident as it was stored.
	before   map[*incident.Incident]*incident.Incident
	takenIDs map[int64]bool // ids of stored incidents the batch names
	// followers are the copies that are not written, each with the copy
	// whose id it reports.
	followers map[*incident.Incident]*incident.Incident
}

// planImport matches the valid incidents to stored ones, resolves copies
// of one post-mortem, and decides each incident's outcome.
func planImport(tx *gorm.DB, incs []*incident.Incident, errs []error, outcomes []incident.ImportOutcome) (*importPlan, error) {
	var valid []int
	for i := range incs {
		if errs[i] == nil {
			valid = append(valid, i)
		}
	}
	matches, err := findImportMatches(tx, incs, valid)
	if err != nil {
		return nil, err
	}
	plan := &importPlan{takenIDs: matches.takenIDs, followers: map[*incident.Incident]*incident.Incident{},
		before: map[*incident.Incident]*incident.Incident{}}
	for _, group := range copiesOf(incs, valid, matches.stored) {
		plan.resolve(incs, group, matches.stored, errs, outcomes)
	}
	return plan, nil
}

// resolve decides the outcome of each copy of one post-mortem.
func (p *importPlan) resolve(incs []*incident.Incident, group []int, stored map[int]*incident.Incident, errs []error, outcomes []incident.ImportOutcome) {
	newest := slices.MaxFunc(group, func(a, b int) int { return cmp.Compare(fileVersion(incs[a]), fileVersion(incs[b])) })
	top := fileVersion(incs[newest])
	winner := -1
	for _, i := range group {
		if fileVersion(incs[i]) != top {
			continue
		}
		if winner < 0 {
			winner = i
		} else if !sameContent(incs[i], incs[winner]) {
			winner = -2 // two copies at the newest version disagree
			break
		}
	}
	if winner == -2 {
		for _, i := range group {
			if fileVersion(incs[i]) == top {
				outcomes[i] = incident.ImportConflict
				errs[i] = &incident.Error{Code: incident.ECONFLICT,
					Message: fmt.Sprintf("Several files hold version %d of this post-mortem with different content; which is newer cannot be told, so none was imported. Keep one of them, or raise its version.", top)}
			} else {
				outcomes[i] = incident.ImportSuperseded
			}
		}
		return
	}
	w := incs[winner]
	current := stored[winner]
	switch {
	case current == nil:
		outcomes[winner] = incident.ImportCreated
		p.created = append(p.created, w)
	case sameContent(w, current):
		outcomes[winner] = incident.ImportUnchanged
		*w = *current
	case top < current.Version:
		outcomes[winner] = incident.ImportConflict
		errs[winner] = staleFile(top, current)
	default:
		outcomes[winner] = incident.ImportUpdated
		w.ID, w.CreatedAt = current.ID, current.CreatedAt
		w.Version = max(top, current.Version+1)
		p.updated = append(p.updated, w)
		p.before[w] = current
	}
	for _, i := range group {
		if i == winner {
			continue
		}
		switch {
		case !sameContent(incs[i], w):
			outcomes[i] = incident.ImportSuperseded
		case outcomes[winner] == incident.ImportConflict:
			outcomes[i] = incident.ImportConflict
			errs[i] = errs[winner]
		default:
			outcomes[i] = incident.ImportUnchanged
		}
		p.followers[incs[i]] = w
	}
}

// fileVersion is the version a file states, or 1 when it states none:
// what every post-mortem is at before anyone edits it.
func fileVersion(inc *incident.Incident) int { return max(inc.Version, 1) }

func staleFile(version int, current *incident.Incident) error {
	return &incident.Error{
		Code: incident.ECONFLICT,
		Message: fmt.Sprintf("The file holds version %d of incident %d, which was changed since: it is at version %d. "+
			"Export it again and redo the edit, or set the file's version to %d to overwrite.", version, current.ID, current.Version, current.Version),
		CurrentVersion: current.Version,
	}
}

// prepareCreated gives new incidents their defaults, and settles ids: an
// incident keeps the id it brings unless a stored incident or another new
// one has it. Among new ones claiming one id the earliest created keeps
// it, so the outcome does not depend on the order of the files.
func (p *importPlan) prepareCreated(now time.Time) {
	slices.SortStableFunc(p.created, func(a, b *incident.Incident) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), a.CreatedAt.Compare(b.CreatedAt))
	})
	claimed := map[int64]bool{}
	for _, inc := range p.created {
		if inc.ID != 0 && (p.takenIDs[inc.ID] || claimed[inc.ID]) {
			inc.ID = 0
		}
		if inc.ID != 0 {
			claimed[inc.ID] = true
		}
		inc.Version = fileVersion(inc)
		if inc.CreatedAt.IsZero() {
			inc.CreatedAt = now
		}
		if inc.UpdatedAt.IsZero() {
			inc.UpdatedAt = now
		}
	}
}

// record writes the audit entries of an import. An incident that the
// import updated gets the before and after of each field it changed, as
// an edit would: that is what an auditor asks of a re-import over a
// published post-mortem. One that it created gets its identity (title,
// service, external id), not every field: the content is the file's and
// the incident's own, and copying it into the log would double the size
// of an import of thousands of files and cut its speed. What the import
// did not write (unchanged, superseded, in conflict) gets no entry.
func (p *importPlan) record(tx *writeTx) error {
	for _, inc := range p.created {
		changes := []incident.FieldChange{incident.Set("title", inc.Title), incident.Set("service", inc.Service)}
		if inc.ExternalID != "" {
			changes = append(changes, incident.Set("external_id", inc.ExternalID))
		}
		tx.record("incident.import", "incident", strconv.FormatInt(inc.ID, 10), changes)
	}
	for _, inc := range p.updated {
		if err := tx.recordChanges("incident.import", "incident", strconv.FormatInt(inc.ID, 10), p.before[inc], inc, incidentBookkeeping...); err != nil {
			return err
		}
	}
	return nil
}

// emit emits the events of an import: incident.created for each incident
// it made, and what an update reports for each it changed.
func (p *importPlan) emit(tx *writeTx) error {
	for _, inc := range p.created {
		if err := tx.emit(incident.Event{Type: incident.EventIncidentCreated, Data: incident.EventData{Incident: inc}}); err != nil {
			return err
		}
	}
	for _, inc := range p.updated {
		if err := tx.emit(incident.UpdateEvents(p.before[inc], inc)...); err != nil {
			return err
		}
	}
	return nil
}

// storedVersions are the versions the updated incidents were read at.
func (p *importPlan) storedVersions() []int {
	from := make([]int, len(p.updated))
	for i, inc := range p.updated {
		from[i] = p.before[inc].Version
	}
	return from
}

// shareIDs tells each copy that was not written the id of the one that was.
func (p *importPlan) shareIDs() {
	for follower, leader := range p.followers {
		follower.ID = leader.ID
	}
}

// copiesOf groups the valid incidents (indexes into incs) into copies of
// one post-mortem: incidents sharing an external_id, a stored match, or an
// id with its creation time, directly or through another, are one group.
// Groups come in the order of their first member.
func copiesOf(incs []*incident.Incident, valid []int, stored map[int]*incident.Incident) [][]int {
	parent := make(map[int]int, len(valid))
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	owner := map[string]int{} // identity → the first incident holding it
	for _, i := range valid {
		parent[i] = i
		inc := incs[i]
		var identities []string
		if inc.ExternalID != "" {
			identities = append(identities, "external "+inc.ExternalID)
		}
		if s := stored[i]; s != nil {
			identities = append(identities, "stored "+strconv.FormatInt(s.ID, 10))
		}
		if inc.ID != 0 {
			identities = append(identities, "id "+strconv.FormatInt(inc.ID, 10)+"@"+strconv.FormatInt(inc.CreatedAt.Unix(), 10))
		}
		for _, id := range identities {
			if first, ok := owner[id]; ok {
				parent[find(i)] = find(first)
			} else {
				owner[id] = i
			}
		}
	}
	members := map[int][]int{}
	var roots []int
	for _, i := range valid {
		r := find(i)
		if len(members[r]) == 0 {
			roots = append(roots, r)
		}
		members[r] = append(members[r], i)
	}
	groups := make([][]int, len(roots))
	for k, r := range roots {
		groups[k] = members[r]
	}
	return groups
}

// importMatches says which stored incident each imported one (by index)
// would replace, and which of the ids named are taken.
type importMatches struct {
	stored   map[int]*incident.Incident
	takenIDs map[int64]bool
}

// findImportMatches looks up, in tx, the stored incidents that the
// incidents at the given indexes name by external_id or by id.
func findImportMatches(tx *gorm.DB, incs []*incident.Incident, valid []int) (*importMatches, error) {
	m := &importMatches{stored: map[int]*incident.Incident{}, takenIDs: map[int64]bool{}}
	byExternal := map[string]int64{}
	createdAt := map[int64]int64{}
	for part := range slices.Chunk(valid, batchRows) {
		var externalIDs []string
		var ids []int64
		for _, i := range part {
			if inc := incs[i]; inc.ExternalID != "" {
				externalIDs = append(externalIDs, inc.ExternalID)
			}
			if inc := incs[i]; inc.ID != 0 {
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
			continue // nothing in this part can match a stored incident
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
	matched := map[int]int64{}
	var ids []int64
	for _, i := range valid {
		inc := incs[i]
		id, ok := byExternal[inc.ExternalID]
		if !ok || inc.ExternalID == "" {
			at, taken := createdAt[inc.ID]
			ok = taken && !inc.CreatedAt.IsZero() && at == inc.CreatedAt.Unix()
			id = inc.ID
		}
		if ok {
			matched[i] = id
			ids = append(ids, id)
		}
	}
	// Locked before they are read, so that what the import compares with
	// is what it replaces, whatever another instance writes meanwhile.
	if err := lockIncidents(tx, ids); err != nil {
		return nil, err
	}
	stored, err := incidentsByID(tx, ids)
	if err != nil {
		return nil, err
	}
	for i, id := range matched {
		m.stored[i] = stored[id]
	}
	return m, nil
}

// incidentsByID loads whole incidents through db, keyed by id.
func incidentsByID(db *gorm.DB, ids []int64) (map[int64]*incident.Incident, error) {
	out := make(map[int64]*incident.Incident, len(ids))
	for chunk := range slices.Chunk(ids, batchRows) {
		var rows []incidentRow
		if err := withServiceName(db).Where("incidents.id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		incs, err := hydrate(db, rows)
		if err != nil {
			return nil, err
		}
		for i := range incs {
			out[incs[i].ID] = &incs[i]
		}
	}
	return out, nil
}

// sameContent reports whether writing inc over stored would change
// anything a person could see; bookkeeping (id, version, times, the
// service's display spelling) does not count.
func sameContent(inc, stored *incident.Incident) bool {
	probe := *inc
	probe.ID, probe.Version = stored.ID, stored.Version
	probe.CreatedAt, probe.UpdatedAt = stored.CreatedAt, stored.UpdatedAt
	probe.Service = stored.Service
	return reflect.DeepEqual(&probe, stored)
}
