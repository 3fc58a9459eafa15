package store_test

import (
	"context"
	"testing"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// BenchmarkCreateIncident files the Linktree incident, one transaction each.
func BenchmarkCreateIncident(b *testing.B) {
	s := storetest.Open(b, storetest.Selected(b))
	ctx := context.Background()
	for b.Loop() {
		if err := s.CreateIncident(ctx, storetest.Linktree(b)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateIncidentParallel files from many goroutines at once: they
// queue for the one writer connection.
func BenchmarkCreateIncidentParallel(b *testing.B) {
	s := storetest.Open(b, storetest.Selected(b))
	ctx := context.Background()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.CreateIncident(ctx, storetest.Linktree(b)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGetIncident reads one incident with all its child lists.
func BenchmarkGetIncident(b *testing.B) {
	s := storetest.Open(b, storetest.Selected(b))
	ctx := context.Background()
	inc := storetest.Linktree(b)
	if err := s.CreateIncident(ctx, inc); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.GetIncident(ctx, inc.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListSearch runs a full-text list query over 500 incidents.
func BenchmarkListSearch(b *testing.B) {
	s := storetest.Open(b, storetest.Selected(b))
	ctx := context.Background()
	for range 500 {
		if err := s.CreateIncident(ctx, storetest.Linktree(b)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := s.ListIncidents(ctx, incident.Filter{Query: "connection"}); err != nil {
			b.Fatal(err)
		}
	}
}
