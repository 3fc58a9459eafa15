package main

import (
	"context"
	"time"

	"github.com/aftermath-sre/aftermath/examples"
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
	gen := seed.NewGenerator(42, anchor.Truncate(24*time.Hour))
	incs = append(incs, gen.Batch(demoSynthetic)...)
	return len(incs), st.CreateIncidents(ctx, incs)
}
