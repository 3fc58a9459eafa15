package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// GetIncident returns one incident with every child list, all read from
// one snapshot: a write that commits meanwhile is either wholly in the
// answer or not at all.
func (s *Store) GetIncident(ctx context.Context, id int64) (*incident.Incident, error) {
	var inc *incident.Incident
	err := s.read(ctx, func(tx *gorm.DB) error {
		var err error
		inc, err = getIncident(tx, id)
		return err
	})
	return inc, err
}

// read runs fn in one read transaction on the reader pool, in which every
// read sees the same committed state, whatever commits meanwhile (SQLite's
// WAL fixes a snapshot at the first read; PostgreSQL's REPEATABLE READ
// does the same); without it, each query could run on another pooled
// connection and see another state.
func (s *Store) read(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return translate(s.reader.WithContext(ctx).Transaction(fn, s.engine.readOptions()))
}

// getIncident loads one whole incident through db.
func getIncident(db *gorm.DB, id int64) (*incident.Incident, error) {
	var row incidentRow
	err := withServiceName(db).Where("incidents.id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, incident.Errorf(incident.ENOTFOUND, "Incident %d does not exist.", id)
	} else if err != nil {
		return nil, err
	}
	incs, err := hydrate(db, []incidentRow{row})
	if err != nil {
		return nil, err
	}
	return &incs[0], nil
}

// withServiceName selects incident rows with their texts and their
// service's display name.
func withServiceName(db *gorm.DB) *gorm.DB {
	return db.Model(&incidentRow{}).
		Select("incidents.*, services.name AS service_name, " +
			"incident_texts.summary, incident_texts.description, incident_texts.impact_description, " +
			"incident_texts.went_well, incident_texts.went_wrong, incident_texts.got_lucky").
		// LEFT JOINs (every incident has both rows) keep incidents the outer
		// loop, so a page walks the incidents_sort index and stops early;
		// with inner joins the planner may scan services first and sort
		// every incident.
		Joins("LEFT JOIN services ON services.key = incidents.service_key").
		Joins("LEFT JOIN incident_texts ON incident_texts.incident_id = incidents.id")
}

// hydrate turns rows into incidents, loading each child table once for all
// of them rather than once per incident.
func hydrate(db *gorm.DB, rows []incidentRow) ([]incident.Incident, error) {
	if len(rows) == 0 {
		return []incident.Incident{}, nil
	}
	incs := make([]incident.Incident, len(rows))
	byID := make(map[int64]*incident.Incident, len(rows))
	ids := make([]int64, len(rows))
	for i := range rows {
		inc, err := fromRow(&rows[i])
		if err != nil {
			return nil, err
		}
		incs[i] = inc
		byID[inc.ID] = &incs[i]
		ids[i] = inc.ID
	}
	var c children
	ordered := "incident_id, position"
	if err := errors.Join(
		db.Where("incident_id IN ?", ids).Find(&c.outageTypes).Error,
		db.Where("incident_id IN ?", ids).Order(ordered).Find(&c.tags).Error,
		db.Where("incident_id IN ?", ids).Order(ordered).Find(&c.dependents).Error,
		db.Where("incident_id IN ?", ids).Order("incident_id, kind, position").Find(&c.findings).Error,
		db.Where("incident_id IN ?", ids).Order(ordered).Find(&c.actionItems).Error,
		db.Where("incident_id IN ?", ids).Order(ordered).Find(&c.timeline).Error,
		db.Where("incident_id IN ?", ids).Order(ordered).Find(&c.links).Error,
		db.Where("incident_id IN ?", ids).Order(ordered).Find(&c.modes).Error,
	); err != nil {
		return nil, err
	}
	for _, r := range c.outageTypes {
		byID[r.IncidentID].OutageTypes = append(byID[r.IncidentID].OutageTypes, incident.OutageType(r.OutageType))
	}
	for _, r := range c.tags {
		byID[r.IncidentID].Tags = append(byID[r.IncidentID].Tags, r.Tag)
	}
	for _, r := range c.dependents {
		inc := byID[r.IncidentID]
		inc.Impact.AffectedDependents = append(inc.Impact.AffectedDependents, r.Name)
	}
	for _, r := range c.findings {
		inc := byID[r.IncidentID]
		f := incident.Finding{Category: r.Category, Description: r.Description}
		if r.Kind == gapKind {
			inc.DetectionGaps = append(inc.DetectionGaps, f)
		} else {
			inc.ContributingFactors = append(inc.ContributingFactors, f)
		}
	}
	for _, r := range c.actionItems {
		inc := byID[r.IncidentID]
		inc.ActionItems = append(inc.ActionItems, r.item())
	}
	for _, r := range c.timeline {
		inc := byID[r.IncidentID]
		inc.Timeline = append(inc.Timeline, incident.TimelineEntry{At: fromUnix(r.At), Kind: r.Kind, Text: r.Text})
	}
	for _, r := range c.links {
		inc := byID[r.IncidentID]
		inc.Links = append(inc.Links, incident.Link{Title: r.Title, URL: r.URL})
	}
	for _, r := range c.modes {
		inc := byID[r.IncidentID]
		ref := incident.FailureModeRef{ServiceKey: r.ServiceKey, Slug: r.Slug}
		inc.FailureModes = append(inc.FailureModes, ref.Format(inc.ServiceKey))
	}
	for i := range incs {
		incs[i].OutageTypes = incident.CanonicalOutageTypes(incs[i].OutageTypes)
	}
	return incs, nil
}
