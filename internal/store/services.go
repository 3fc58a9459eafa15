package store

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

type dependencyRow struct {
	ServiceKey   string
	DependsOnKey string
}

func (dependencyRow) TableName() string { return "service_dependencies" }

type industryRow struct {
	ServiceKey string
	Position   int
	Industry   string
}

func (industryRow) TableName() string { return "service_industries" }

// serviceCount is a service's row with how many incidents it has.
type serviceCount struct {
	Service   serviceRow `gorm:"embedded"`
	Incidents int64
}

// ListServices returns every service by name, with incident counts, what
// the catalogue says of each, and direct relations, read from one snapshot.
func (s *Store) ListServices(ctx context.Context) ([]incident.ServiceSummary, error) {
	var out []incident.ServiceSummary
	err := s.read(ctx, func(tx *gorm.DB) error {
		var rows []serviceCount
		err := tx.Table("services").
			Select("services.*, (SELECT COUNT(*) FROM incidents WHERE incidents.service_key = services.key) AS incidents").
			Scan(&rows).Error
		if err != nil {
			return err
		}
		// Sorted here, not by the database: SQLite's lower() folds ASCII
		// only, PostgreSQL's every letter its locale knows.
		slices.SortFunc(rows, func(a, b serviceCount) int {
			return cmp.Or(cmp.Compare(strings.ToLower(a.Service.Name), strings.ToLower(b.Service.Name)), cmp.Compare(a.Service.Key, b.Service.Key))
		})
		relations, err := loadRelations(tx, nil)
		if err != nil {
			return err
		}
		out = make([]incident.ServiceSummary, len(rows))
		for i := range rows {
			out[i] = incident.ServiceSummary{Service: relations.service(&rows[i].Service), Incidents: rows[i].Incidents}
		}
		return nil
	})
	return out, err
}

// GetService returns one service by name or key, with its direct
// relations, read from one snapshot.
func (s *Store) GetService(ctx context.Context, nameOrKey string) (*incident.Service, error) {
	var svc *incident.Service
	err := s.read(ctx, func(tx *gorm.DB) error {
		key := incident.ServiceKey(nameOrKey)
		var row serviceRow
		err := tx.Where("key = ?", key).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return incident.Errorf(incident.ENOTFOUND, "Service %q does not exist.", nameOrKey)
		} else if err != nil {
			return err
		}
		relations, err := loadRelations(tx, []string{key})
		if err != nil {
			return err
		}
		found := relations.service(&row)
		svc = &found
		return nil
	})
	return svc, err
}

// ServiceGraph returns every dependency edge as service key → keys it
// depends on; reports walk it for blast radius.
func (s *Store) ServiceGraph(ctx context.Context) (map[string][]string, error) {
	var deps []dependencyRow
	if err := s.reader.WithContext(ctx).Order("service_key, depends_on_key").Find(&deps).Error; err != nil {
		return nil, err
	}
	graph := map[string][]string{}
	for _, d := range deps {
		graph[d.ServiceKey] = append(graph[d.ServiceKey], d.DependsOnKey)
	}
	return graph, nil
}

// UpdateService changes a service's name, catalogue fields and relations.
// Services named in the relations are created on first use.
func (s *Store) UpdateService(ctx context.Context, nameOrKey string, change incident.ServiceChange) (*incident.Service, error) {
	key := incident.ServiceKey(nameOrKey)
	if err := change.Validate(key); err != nil {
		return nil, err
	}
	var after *incident.Service
	err := s.write(ctx, func(wtx *writeTx) error {
		tx, now := wtx.db, wtx.unix()
		var locked []string
		if err := forUpdate(tx.Model(&serviceRow{})).Where("key = ?", key).Pluck("key", &locked).Error; err != nil {
			return err
		}
		before, err := serviceIn(tx, key)
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return incident.Errorf(incident.ENOTFOUND, "Service %q does not exist.", nameOrKey)
		} else if err != nil {
			return err
		}
		if change.Name != nil {
			if err := tx.Model(&serviceRow{}).Where("key = ?", key).Update("name", strings.TrimSpace(*change.Name)).Error; err != nil {
				return err
			}
		}
		if err := replaceRelations(tx, key, change, now); err != nil {
			return err
		}
		info := before.ServiceInfo
		change.Apply(&info)
		if !reflect.DeepEqual(info, before.ServiceInfo) {
			if err := updateInfo(tx, key, info, now); err != nil {
				return err
			}
		}
		if after, err = serviceIn(tx, key); err != nil {
			return err
		}
		return wtx.recordChanges("service.update", "service", key, before, after)
	})
	if err != nil {
		return nil, err
	}
	return after, nil
}

// serviceIn reads a service with its relations inside a write, as the
// write has left it.
func serviceIn(tx *gorm.DB, key string) (*incident.Service, error) {
	var row serviceRow
	if err := tx.Where("key = ?", key).Take(&row).Error; err != nil {
		return nil, err
	}
	var deps []dependencyRow
	var inds []industryRow
	if err := errors.Join(
		tx.Where("service_key = ? OR depends_on_key = ?", key, key).Order("service_key, depends_on_key").Find(&deps).Error,
		tx.Where("service_key = ?", key).Order("service_key, position").Find(&inds).Error,
	); err != nil {
		return nil, err
	}
	r := &relations{dependsOn: map[string][]string{}, dependents: map[string][]string{}, industries: map[string][]string{}}
	r.add(deps, inds)
	svc := r.service(&row)
	return &svc, nil
}

// replaceRelations replaces the lists that change names for service key.
func replaceRelations(tx *gorm.DB, key string, change incident.ServiceChange, now int64) error {
	if change.DependsOn != nil {
		keys, err := ensureNamedServices(tx, *change.DependsOn, now)
		if err != nil {
			return err
		}
		if err := tx.Where("service_key = ?", key).Delete(&dependencyRow{}).Error; err != nil {
			return err
		}
		rows := make([]dependencyRow, len(keys))
		for i, k := range keys {
			rows[i] = dependencyRow{ServiceKey: key, DependsOnKey: k}
		}
		if err := createRows(tx, rows); err != nil {
			return err
		}
	}
	if change.Dependents != nil {
		keys, err := ensureNamedServices(tx, *change.Dependents, now)
		if err != nil {
			return err
		}
		if err := tx.Where("depends_on_key = ?", key).Delete(&dependencyRow{}).Error; err != nil {
			return err
		}
		rows := make([]dependencyRow, len(keys))
		for i, k := range keys {
			rows[i] = dependencyRow{ServiceKey: k, DependsOnKey: key}
		}
		if err := createRows(tx, rows); err != nil {
			return err
		}
	}
	if change.Industries != nil {
		if err := tx.Where("service_key = ?", key).Delete(&industryRow{}).Error; err != nil {
			return err
		}
		var rows []industryRow
		for i, name := range uniqueStrings(*change.Industries) {
			rows = append(rows, industryRow{ServiceKey: key, Position: i, Industry: name})
		}
		return createRows(tx, rows)
	}
	return nil
}

// ensureNamedServices creates the services named (first spelling wins) and
// returns their keys without duplicates.
func ensureNamedServices(tx *gorm.DB, names []string, now int64) ([]string, error) {
	var keys []string
	var rows []serviceRow
	for _, name := range uniqueStrings(names) {
		key := incident.ServiceKey(name)
		if !slices.Contains(keys, key) {
			keys = append(keys, key)
			rows = append(rows, serviceRow{Key: key, Name: name, CreatedAt: now})
		}
	}
	if len(rows) == 0 {
		return keys, nil
	}
	return keys, tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
}

// relations holds direct dependency edges and industries.
type relations struct {
	dependsOn  map[string][]string
	dependents map[string][]string
	industries map[string][]string
}

// loadRelations loads the relations of the given services, or of all when
// keys is nil, through db.
func loadRelations(db *gorm.DB, keys []string) (*relations, error) {
	var deps []dependencyRow
	var inds []industryRow
	depQuery := db.Order("service_key, depends_on_key")
	indQuery := db.Order("service_key, position")
	if keys != nil {
		depQuery = depQuery.Where("service_key IN ? OR depends_on_key IN ?", keys, keys)
		indQuery = indQuery.Where("service_key IN ?", keys)
	}
	if err := errors.Join(depQuery.Find(&deps).Error, indQuery.Find(&inds).Error); err != nil {
		return nil, err
	}
	r := &relations{dependsOn: map[string][]string{}, dependents: map[string][]string{}, industries: map[string][]string{}}
	r.add(deps, inds)
	return r, nil
}

func (r *relations) add(deps []dependencyRow, inds []industryRow) {
	for _, d := range deps {
		r.dependsOn[d.ServiceKey] = append(r.dependsOn[d.ServiceKey], d.DependsOnKey)
		r.dependents[d.DependsOnKey] = append(r.dependents[d.DependsOnKey], d.ServiceKey)
	}
	for _, i := range inds {
		r.industries[i.ServiceKey] = append(r.industries[i.ServiceKey], i.Industry)
	}
}

func (r *relations) service(row *serviceRow) incident.Service {
	key := row.Key
	return incident.Service{
		Key:         key,
		Name:        row.Name,
		ServiceInfo: row.info(),
		DependsOn:   nonNil(r.dependsOn[key]),
		Dependents:  nonNil(r.dependents[key]),
		Industries:  nonNil(r.industries[key]),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func uniqueStrings(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// DefineServices registers services with their display names, dependencies
// and industries in one transaction, creating those that are missing (a
// service that exists keeps its name). The seed command uses it to lay out
// a service catalogue.
//
// Like a seed's incidents, the catalogue gets one audit entry naming the
// services it defined.
func (s *Store) DefineServices(ctx context.Context, services []incident.Service) error {
	return s.write(ctx, func(wtx *writeTx) error {
		tx, now := wtx.db, wtx.unix()
		names := make([]string, len(services))
		for i, svc := range services {
			names[i] = svc.Name
		}
		if _, err := ensureNamedServices(tx, names, now); err != nil {
			return err
		}
		for _, svc := range services {
			key := incident.ServiceKey(svc.Name)
			deps, inds := svc.DependsOn, svc.Industries
			change := incident.ServiceChange{DependsOn: &deps, Industries: &inds}
			if err := change.Validate(key); err != nil {
				return err
			}
			if err := replaceRelations(tx, key, change, now); err != nil {
				return err
			}
		}
		wtx.record("service.define", "service", "", []incident.FieldChange{incident.Set("services", names)})
		return nil
	})
}

// ServiceNames lists every service's display name, alphabetically: what a
// form suggests as someone types a service.
func (s *Store) ServiceNames(ctx context.Context) ([]string, error) {
	var names []string
	err := s.reader.WithContext(ctx).Table("services").Order("LOWER(name), key").Pluck("name", &names).Error
	return names, err
}
