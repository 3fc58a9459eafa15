package store

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Snapshot reads the database as it was at one moment: every method reads
// through one read transaction, so whatever commits meanwhile is either
// wholly visible to all of them or to none. An export reads through one,
// so that its post-mortems, comments, catalogue and vocabularies agree.
type Snapshot struct {
	db     *gorm.DB
	engine engine
}

// Snapshot calls fn with a snapshot of the database, held until fn
// returns. A long snapshot does not stop writers: under SQLite's WAL it
// only keeps the pages it sees from being checkpointed away until it ends,
// and PostgreSQL keeps the row versions it sees from being vacuumed.
func (s *Store) Snapshot(ctx context.Context, fn func(*Snapshot) error) error {
	return s.read(ctx, func(tx *gorm.DB) error { return fn(&Snapshot{db: tx, engine: s.engine}) })
}

// ListIncidents returns one page of the incidents matching f, and how many
// match in all, as (*Store).ListIncidents does.
func (sn *Snapshot) ListIncidents(f incident.Filter) (*incident.Page, error) {
	limit, err := checkLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	return listIncidents(sn.db, sn.engine, f, limit)
}

// Comments returns the discussion of each incident named, oldest first.
func (sn *Snapshot) Comments(incidentIDs []int64) (map[int64][]incident.Comment, error) {
	out := map[int64][]incident.Comment{}
	for chunk := range slices.Chunk(incidentIDs, batchRows) {
		var rows []commentRow
		if err := sn.db.Where("incident_id IN ?", chunk).Order("incident_id, id").Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.IncidentID] = append(out[r.IncidentID], fromCommentRow(r))
		}
	}
	return out, nil
}

// Catalog returns every service with what the catalogue says of it, its
// direct relations and its failure modes, by key.
func (sn *Snapshot) Catalog() ([]incident.CatalogService, error) {
	return readCatalog(sn.db)
}

// Catalog returns the whole service catalogue, as Snapshot.Catalog does,
// read from one snapshot: what `aftermath catalog export` writes.
func (s *Store) Catalog(ctx context.Context) ([]incident.CatalogService, error) {
	var out []incident.CatalogService
	err := s.read(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = readCatalog(tx)
		return err
	})
	return out, err
}

// Categories lists every vocabulary entry, by kind then slug.
func (sn *Snapshot) Categories() ([]incident.Category, error) {
	var rows []categoryRow
	if err := sn.db.Order("kind, slug").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]incident.Category, len(rows))
	for i, r := range rows {
		out[i] = incident.Category{Kind: incident.VocabularyKind(r.Kind), Slug: r.Slug, Description: r.Description}
	}
	return out, nil
}
