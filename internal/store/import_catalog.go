package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// ImportCatalog writes a service catalogue (a Backstage descriptor file,
// or our own export) in one transaction, and says what it did.
//
// A missing service is created with the name and creation time given; one
// that exists keeps its name. Dependencies, industries and tags are added
// to a service's own, never removed, and annotations set key by key: a
// catalogue may know less than the database. The other catalogue fields
// (description, kind, type, owner, lifecycle, system) take the file's
// value where it gives one. A failure mode that is missing is created; one
// that exists takes the file's title, texts and status (a status that
// differs joins its history). Services named only as dependencies are
// created on first use.
//
// An entry that carries an updated_at no newer than the stored one's is
// not applied (an older export never undoes an edit) and is reported as
// kept; an entry without one (Backstage, a file written by hand) is taken
// as current. Importing the same catalogue twice changes nothing the
// second time.
func (s *Store) ImportCatalog(ctx context.Context, cat *incident.Catalog) (*incident.CatalogImport, error) {
	for i := range cat.Services {
		svc := &cat.Services[i]
		svc.Name = strings.TrimSpace(svc.Name)
		svc.ServiceInfo.Normalize()
		for k := range svc.FailureModes {
			svc.FailureModes[k].ServiceKey = incident.ServiceKey(svc.Name)
			svc.FailureModes[k].Normalize()
		}
	}
	if err := cat.Validate(); err != nil {
		return nil, err
	}
	var result *incident.CatalogImport
	err := s.write(ctx, func(w *writeTx) error {
		result = &incident.CatalogImport{Notes: nonNil(cat.Notes), Kept: []string{}}
		// Every service is created before any relation is written, so that
		// one named as a dependency before its own entry keeps its name.
		before := make([]*incident.Service, len(cat.Services))
		for i := range cat.Services {
			var err error
			if before[i], err = createCatalogService(w, &cat.Services[i]); err != nil {
				return err
			}
		}
		for i := range cat.Services {
			if err := importService(w, &cat.Services[i], before[i], result); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// createCatalogService creates a catalogue's service if it is missing,
// and returns it as it was (nil: created).
func createCatalogService(w *writeTx, svc *incident.CatalogService) (*incident.Service, error) {
	key := incident.ServiceKey(svc.Name)
	before, err := serviceIn(w.db, key)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		row := serviceRow{Key: key, Name: svc.Name, CreatedAt: w.unix()}
		if !svc.CreatedAt.IsZero() {
			row.CreatedAt = svc.CreatedAt.Unix()
		}
		// Another instance importing the same catalogue may create it
		// first; importService then locks and merges into its row.
		return nil, w.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	}
	return before, err
}

// importService writes one service of a catalogue, as ImportCatalog says;
// before is the service as it was, nil if the import created it.
func importService(w *writeTx, svc *incident.CatalogService, before *incident.Service, result *incident.CatalogImport) error {
	tx, now := w.db, w.unix()
	key := incident.ServiceKey(svc.Name)
	var stored serviceRow
	if err := forUpdate(tx).Where("key = ?", key).Take(&stored).Error; err != nil {
		return err
	}
	current := svc.UpdatedAt.IsZero() || svc.UpdatedAt.Unix() > stored.UpdatedAt
	info := stored.info().Merge(svc.ServiceInfo)
	switch {
	case reflect.DeepEqual(info, stored.info()):
	case current:
		at := now
		if !svc.UpdatedAt.IsZero() {
			at = svc.UpdatedAt.Unix()
		}
		if err := updateInfo(tx, key, info, at); err != nil {
			return err
		}
	default:
		result.Kept = append(result.Kept, "service "+key)
	}
	if err := addRelations(tx, key, svc.DependsOn, svc.Industries, now); err != nil {
		return err
	}
	for k := range svc.FailureModes {
		if err := importFailureMode(w, &svc.FailureModes[k], result); err != nil {
			return err
		}
	}
	after, err := serviceIn(tx, key)
	if err != nil {
		return err
	}
	switch {
	case before == nil:
		result.ServicesCreated++
		return w.recordChanges("service.import", "service", key, nil, after)
	case reflect.DeepEqual(before, after):
		result.ServicesUnchanged++
		return nil
	default:
		result.ServicesUpdated++
		return w.recordChanges("service.import", "service", key, before, after)
	}
}

// importFailureMode writes one failure mode of a catalogue.
func importFailureMode(w *writeTx, m *incident.FailureMode, result *incident.CatalogImport) error {
	tx, now := w.db, w.now.Truncate(time.Second)
	id := m.ServiceKey + "/" + m.Slug
	before, err := failureModeIn(tx, m.ServiceKey, m.Slug)
	if incident.ErrorCode(err) == incident.ENOTFOUND {
		created := newImportedMode(*m, now, actorName(w.actor))
		var n int64
		if err := tx.Model(&failureModeRow{}).Where("service_key = ?", m.ServiceKey).Count(&n).Error; err != nil {
			return err
		}
		if n >= incident.MaxFailureModesPerService {
			return fieldError("failure_modes", fmt.Sprintf("service %s has %d failure modes, the most it may", m.ServiceKey, incident.MaxFailureModesPerService))
		}
		if err := insertFailureModes(tx, []*incident.FailureMode{&created}); err != nil {
			return err
		}
		result.FailureModesCreated++
		return w.recordChanges("failure_mode.import", "failure_mode", id, nil, &created, modeBookkeeping...)
	} else if err != nil {
		return err
	}
	merged := *before
	merged.Title, merged.Description, merged.Detection, merged.Mitigation = m.Title, m.Description, m.Detection, m.Mitigation
	merged.History = slices.Clone(before.History)
	last := before.StatusChangedAt
	for _, c := range m.History {
		if c.At.After(last) {
			merged.History = append(merged.History, c)
		}
	}
	if n := len(merged.History); n == 0 || merged.History[n-1].Status != m.Status {
		at := m.StatusChangedAt
		if !at.After(last) {
			at = now
		}
		merged.History = append(merged.History, incident.StatusChange{Status: m.Status, At: at, By: actorName(w.actor)})
	}
	merged.Status = m.Status
	merged.StatusChangedAt = merged.History[len(merged.History)-1].At
	switch {
	case sameMode(&merged, before):
		result.FailureModesUnchanged++
		return nil
	case !m.UpdatedAt.IsZero() && !m.UpdatedAt.After(before.UpdatedAt):
		result.Kept = append(result.Kept, "failure mode "+id)
		result.FailureModesUnchanged++
		return nil
	}
	merged.Version = before.Version + 1
	merged.UpdatedAt = now
	if !m.UpdatedAt.IsZero() {
		merged.UpdatedAt = m.UpdatedAt
	}
	if err := replaceFailureMode(tx, &merged); err != nil {
		return err
	}
	result.FailureModesUpdated++
	return w.recordChanges("failure_mode.import", "failure_mode", id, before, &merged, modeBookkeeping...)
}

// newImportedMode is a catalogue's failure mode as it is created: with the
// file's times, version and history where it gives them, else as a mode
// created now.
func newImportedMode(m incident.FailureMode, now time.Time, by string) incident.FailureMode {
	if m.Version == 0 {
		m.Version = 1
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
		if len(m.History) > 0 {
			m.CreatedAt = m.History[0].At // it was known from its first status on
		}
	}
	if len(m.History) == 0 {
		at := m.StatusChangedAt
		if at.IsZero() {
			at = m.CreatedAt
		}
		m.History = []incident.StatusChange{{Status: m.Status, At: at, By: by}}
	}
	m.StatusChangedAt = m.History[len(m.History)-1].At
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = m.CreatedAt
		if m.StatusChangedAt.After(m.UpdatedAt) {
			m.UpdatedAt = m.StatusChangedAt
		}
	}
	return m
}

// readCatalog reads every service with its catalogue fields, direct
// relations and failure modes, by key.
func readCatalog(db *gorm.DB) ([]incident.CatalogService, error) {
	var rows []serviceRow
	if err := db.Order("key").Find(&rows).Error; err != nil {
		return nil, err
	}
	relations, err := loadRelations(db, nil)
	if err != nil {
		return nil, err
	}
	modes, err := readFailureModes(db, nil)
	if err != nil {
		return nil, err
	}
	byService := map[string][]incident.FailureMode{}
	for _, m := range modes {
		byService[m.ServiceKey] = append(byService[m.ServiceKey], m)
	}
	out := make([]incident.CatalogService, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = incident.CatalogService{Service: relations.service(r), CreatedAt: fromUnix(r.CreatedAt),
			FailureModes: byService[r.Key]}
		if out[i].FailureModes == nil {
			out[i].FailureModes = []incident.FailureMode{}
		}
		if r.UpdatedAt != 0 {
			out[i].UpdatedAt = fromUnix(r.UpdatedAt)
		}
	}
	return out, nil
}

// addRelations adds dependencies and industries to service key, keeping
// those it has.
func addRelations(tx *gorm.DB, key string, dependsOn, industries []string, now int64) error {
	deps, err := ensureNamedServices(tx, dependsOn, now)
	if err != nil {
		return err
	}
	edges := make([]dependencyRow, len(deps))
	for i, d := range deps {
		edges[i] = dependencyRow{ServiceKey: key, DependsOnKey: d}
	}
	if err := createRows(tx.Clauses(clause.OnConflict{DoNothing: true}), edges); err != nil {
		return err
	}
	var have []industryRow
	if err := tx.Where("service_key = ?", key).Order("position").Find(&have).Error; err != nil {
		return err
	}
	next := len(have)
	if next > 0 {
		next = have[len(have)-1].Position + 1
	}
	var added []industryRow
	for _, name := range uniqueStrings(industries) {
		if !slices.ContainsFunc(have, func(r industryRow) bool { return r.Industry == name }) {
			added = append(added, industryRow{ServiceKey: key, Position: next, Industry: name})
			next++
		}
	}
	return createRows(tx, added)
}

// ImportCategories adds the vocabulary entries that are missing, in one
// transaction; an entry that exists keeps its description. Each kind stays
// within incident.MaxCategoriesPerKind.
func (s *Store) ImportCategories(ctx context.Context, categories []incident.Category) error {
	return s.write(ctx, func(w *writeTx) error {
		tx := w.db
		var rows []categoryRow
		if err := tx.Find(&rows).Error; err != nil {
			return err
		}
		count := map[string]int{}
		have := map[categoryRow]bool{}
		for _, r := range rows {
			count[r.Kind]++
			have[categoryRow{Kind: r.Kind, Slug: r.Slug}] = true
		}
		var added []categoryRow
		for _, c := range categories {
			id := categoryRow{Kind: string(c.Kind), Slug: c.Slug}
			if have[id] {
				continue
			}
			if err := incident.ValidateCategory(c, count[id.Kind]); err != nil {
				return err
			}
			have[id] = true
			count[id.Kind]++
			added = append(added, categoryRow{Kind: id.Kind, Slug: id.Slug, Description: c.Description})
			if err := w.recordChanges("category.import", "category", id.Kind+"/"+id.Slug, nil, c); err != nil {
				return err
			}
		}
		return createRows(tx, added)
	})
}
