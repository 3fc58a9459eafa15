package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// ImportCatalog adds an archive's service catalogue in one transaction.
// A missing service is created with the name and creation time given; one
// that exists keeps its name. The dependencies and industries listed are
// added to each service's own, never removed: an archive may be older than
// the database, and a catalogue imported twice changes nothing the second
// time. Services named only as dependencies are created on first use.
func (s *Store) ImportCatalog(ctx context.Context, services []CatalogService) error {
	var errs incident.FieldErrors
	for i, svc := range services {
		key := incident.ServiceKey(svc.Name)
		name := svc.Name
		change := incident.ServiceChange{Name: &name, DependsOn: &svc.DependsOn, Industries: &svc.Industries}
		if err := change.Validate(key); err != nil {
			for field, msg := range err.(*incident.Error).Fields {
				errs.Add(fmt.Sprintf("services[%d].%s", i, field), msg)
			}
		}
		if svc.Key != "" && svc.Key != key {
			errs.Add(fmt.Sprintf("services[%d].key", i), fmt.Sprintf("must be %q, the key of its name", key))
		}
	}
	if err := errs.ErrAs(incident.EINVALID, "The catalogue is not valid."); err != nil {
		return err
	}
	now := s.Now().Unix()
	return s.write(ctx, func(w *writeTx) error {
		tx := w.db
		// What each service was before, for the audit log (nil: new).
		before := make([]*incident.Service, len(services))
		for i, svc := range services {
			found, err := serviceIn(tx, incident.ServiceKey(svc.Name))
			if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
			before[i] = found
		}
		rows := make([]serviceRow, len(services))
		for i, svc := range services {
			created := svc.CreatedAt
			if created.IsZero() {
				created = time.Unix(now, 0)
			}
			rows[i] = serviceRow{Key: incident.ServiceKey(svc.Name), Name: svc.Name, CreatedAt: created.Unix()}
		}
		if err := createRows(tx.Clauses(clause.OnConflict{DoNothing: true}), rows); err != nil {
			return err
		}
		for i, svc := range services {
			key := incident.ServiceKey(svc.Name)
			if err := addRelations(tx, key, svc.DependsOn, svc.Industries, now); err != nil {
				return err
			}
			after, err := serviceIn(tx, key)
			if err != nil {
				return err
			}
			var was any // nil for a new service, not a nil *Service
			if before[i] != nil {
				was = before[i]
			}
			if err := w.recordChanges("service.import", "service", key, was, after); err != nil {
				return err
			}
		}
		return nil
	})
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
