package main

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/aftermath-sre/aftermath/examples"
	"github.com/aftermath-sre/aftermath/internal/catalog"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
)

// demoSynthetic is how many synthetic incidents the demo adds to the
// examples, so that lists and pattern reports have something to show.
const demoSynthetic = 300

// loadDemo fills an empty database with the examples and a few hundred
// synthetic incidents that end before the examples begin, so the examples
// are the first thing a new user sees. A database that has incidents is
// left alone.
func loadDemo(ctx context.Context, st *store.Store) (int, error) {
	page, err := st.ListIncidents(ctx, incident.Filter{Limit: 1})
	if err != nil || page.Total > 0 {
		return 0, err
	}
	incs, err := examples.Incidents()
	if err != nil {
		return 0, err
	}
	anchor := time.Now().UTC()
	for _, inc := range incs {
		if inc.StartedAt != nil && inc.StartedAt.Before(anchor) {
			anchor = *inc.StartedAt
		}
	}
	if err := st.DefineServices(ctx, seed.Services()); err != nil {
		return 0, err
	}
	if err := loadExampleCatalog(ctx, st); err != nil {
		return 0, err
	}
	for _, inc := range incs {
		if incident.ServiceKey(inc.Service) == "linktree" {
			inc.FailureModes = examples.LinktreeFailureModes
		}
	}
	gen := seed.NewGenerator(42, anchor.Truncate(24*time.Hour))
	if _, err := st.ImportCatalog(ctx, seed.FailureModes(anchor)); err != nil {
		return 0, err
	}
	synthetic := gen.Batch(demoSynthetic)
	seed.LinkFailureModes(synthetic)
	incs = append(incs, synthetic...)
	return len(incs), st.CreateIncidents(ctx, incs)
}

// loadExampleCatalog imports the services around the Linktree outage: their
// Backstage descriptors, then their failure modes and industries.
func loadExampleCatalog(ctx context.Context, st *store.Store) error {
	var cats []*incident.Catalog
	for _, name := range examples.CatalogFiles {
		data, err := fs.ReadFile(examples.Catalogs, name)
		if err != nil {
			return err
		}
		cat, err := catalog.Parse(data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		cats = append(cats, cat)
	}
	_, err := st.ImportCatalog(ctx, catalog.Merge(cats...))
	return err
}
