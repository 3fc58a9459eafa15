package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestAFullReaderPoolKeepsMoving holds every reader connection in a read
// transaction while two more reads queue for a connection, then lets the
// transactions go on. GORM's cache of prepared statements deadlocked here
// (go-gorm/playground#802): the queued read, preparing its statement on
// the pool, waited for a connection while the transactions waited for
// the cache; every request hung until its deadline (seen in CI as a 30 s
// stall of TestConcurrentAPIWritersAndReaders).
func TestAFullReaderPoolKeepsMoving(t *testing.T) {
	const readers = 2
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := store.Open(ctx, storetest.DSN(t, storetest.Selected(t)), store.Options{Readers: readers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	errs := make(chan error, 2*readers+2)
	began := make(chan struct{}, readers)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			errs <- s.Snapshot(ctx, func(sn *store.Snapshot) error {
				began <- struct{}{}
				<-release
				_, err := sn.ListIncidents(incident.Filter{Limit: 1})
				return err
			})
		})
	}
	for range readers {
		<-began
	}
	// Two reads outside a transaction: both queue for a connection, the
	// second behind the first's statement.
	for range 2 {
		wg.Go(func() {
			_, err := s.Vocabulary(ctx)
			errs <- err
		})
	}
	for s.Pools()["reader"].WaitCount < 1 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the second read reaches its wait
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a read with the pool full: %v", err)
		}
	}
}
