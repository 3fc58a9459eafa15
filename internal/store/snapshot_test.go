package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// generation marks every part of an incident that one write sets: its
// title, its tags and its timeline. A read that mixes two writes shows two
// generations.
func setGeneration(inc *incident.Incident, g int) {
	mark := fmt.Sprintf("gen-%d", g)
	inc.Title = "Incident " + mark
	inc.Tags = []string{mark, mark + "-b"}
	for i := range inc.Timeline {
		inc.Timeline[i].Text = mark
	}
}

func generations(inc *incident.Incident) map[string]bool {
	seen := map[string]bool{strings.TrimPrefix(inc.Title, "Incident "): true}
	for _, tag := range inc.Tags {
		seen[strings.TrimSuffix(tag, "-b")] = true
	}
	for _, e := range inc.Timeline {
		seen[e.Text] = true
	}
	return seen
}

// runAgainstWriter runs write in a loop while read runs rounds times on
// two goroutines, and fails the test on the first error.
func runAgainstWriter(t *testing.T, rounds int, write func(g int) error, read func() error) {
	t.Helper()
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() {
		for g := 1; !stop.Load(); g++ {
			if err := write(g); err != nil {
				errs <- fmt.Errorf("write: %w", err)
				return
			}
		}
	})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for range rounds {
				if err := read(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	readers.Wait()
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestReadsSeeOneSnapshot: an incident's detail, a list page with its
// total, and an export each see one committed state, never parts of two,
// while a writer changes what they read.
func TestReadsSeeOneSnapshot(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, storetest.Selected(t))
	base := storetest.Linktree(t)
	setGeneration(base, 0)
	if err := s.CreateIncident(ctx, base); err != nil {
		t.Fatal(err)
	}

	t.Run("detail", func(t *testing.T) {
		runAgainstWriter(t, 300, func(g int) error {
			inc, err := s.GetIncident(ctx, base.ID)
			if err != nil {
				return err
			}
			setGeneration(inc, g)
			return s.UpdateIncident(ctx, inc)
		}, func() error {
			inc, err := s.GetIncident(ctx, base.ID)
			if err != nil {
				return err
			}
			if seen := generations(inc); len(seen) != 1 {
				return fmt.Errorf("one read of the incident shows several writes: %v", seen)
			}
			return nil
		})
	})

	t.Run("list and total", func(t *testing.T) {
		var created []int64
		runAgainstWriter(t, 300, func(g int) error {
			if len(created) >= 3 { // a few at a time: pages stay small, totals move
				id := created[0]
				created = created[1:]
				return s.DeleteIncident(ctx, id)
			}
			inc := storetest.Linktree(t)
			inc.Tags = []string{"churn"}
			if err := s.CreateIncident(ctx, inc); err != nil {
				return err
			}
			created = append(created, inc.ID)
			return nil
		}, func() error {
			for _, f := range []incident.Filter{{Limit: 500}, {Tag: "churn", Limit: 500}, {Service: "linktree", Limit: 500}} {
				page, err := s.ListIncidents(ctx, f)
				if err != nil {
					return err
				}
				if page.Total <= 500 && int64(len(page.Items)) != page.Total {
					return fmt.Errorf("%+v: a page of %d incidents says total %d", f, len(page.Items), page.Total)
				}
			}
			return nil
		})
	})

	t.Run("export", func(t *testing.T) {
		// Two incidents far apart in the list (on different pages), which
		// the writer changes together in one transaction.
		incs := seed.NewGenerator(6, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Batch(incident.MaxLimit + 100)
		setGeneration(incs[0], 0)
		setGeneration(incs[len(incs)-1], 0)
		if err := s.CreateIncidents(ctx, incs); err != nil {
			t.Fatal(err)
		}
		first, last := incs[0].ID, incs[len(incs)-1].ID
		runAgainstWriter(t, 5, func(g int) error {
			pair := make([]*incident.Incident, 0, 2)
			for _, id := range []int64{first, last} {
				inc, err := s.GetIncident(ctx, id)
				if err != nil {
					return err
				}
				setGeneration(inc, g)
				inc.Version++ // a file that saw the current version and edits it
				pair = append(pair, inc)
			}
			_, errs, err := s.ImportIncidents(ctx, pair)
			if err == nil {
				err = errorsOf(errs)
			}
			return err
		}, func() error {
			seen := map[string]bool{}
			n := 0
			err := s.Snapshot(ctx, func(sn *store.Snapshot) error {
				f := incident.Filter{Limit: incident.MaxLimit}
				for {
					page, err := sn.ListIncidents(f)
					if err != nil {
						return err
					}
					for i := range page.Items {
						n++
						if id := page.Items[i].ID; id == first || id == last {
							for g := range generations(&page.Items[i]) {
								seen[g] = true
							}
						}
					}
					if page.NextCursor == "" {
						return nil
					}
					f.Cursor = page.NextCursor
				}
			})
			if err != nil {
				return err
			}
			if len(seen) != 1 {
				return fmt.Errorf("one export shows several writes: %v", seen)
			}
			return nil
		})
	})
}

func errorsOf(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
