package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
	"github.com/aftermath-sre/aftermath/internal/webhooks"
)

// TestTwoInstancesDeliverEachEventOnce runs the delivery workers of two
// instances on one database (on PostgreSQL the deployment they claim with
// FOR UPDATE SKIP LOCKED for; on SQLite two processes on one file) while
// both write. The receiver, slow and refusing every event's first
// attempt, notes any event it is sent while an attempt of the same event
// is still in flight: there must be none. Every event is delivered once,
// each incident's in the order they happened, and every signature checks.
func TestTwoInstancesDeliverEachEventOnce(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(string(b), func(t *testing.T) {
			dsn := storetest.DSN(t, b)
			keyring, err := webhooks.NewKeyring([]byte(strings.Repeat("k", webhooks.KeySize)))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var stores []*store.Store
			var running sync.WaitGroup
			for range 2 {
				st, err := store.Open(context.Background(), dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				stores = append(stores, st)
				worker := webhooks.NewWorker(webhooks.WorkerConfig{Store: st, Keyring: keyring,
					Targets: webhooks.Targets{AllowPrivate: true}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
					Poll: 10 * time.Millisecond, Timeout: 5 * time.Second, Concurrency: 8,
					Backoff: webhooks.Backoff{First: 10 * time.Millisecond, Max: 50 * time.Millisecond}})
				running.Go(func() { worker.Run(ctx) })
			}
			t.Cleanup(func() {
				cancel()
				running.Wait()
				for _, st := range stores {
					st.Close()
				}
			})

			rc := newDuplicateWatch(t)
			manager := &webhooks.Manager{Store: stores[0], Keyring: keyring, Targets: webhooks.Targets{AllowPrivate: true}}
			hook := incident.Webhook{URL: rc.server.URL + "/hook",
				Events: []incident.EventType{incident.EventIncidentCreated, incident.EventIncidentUpdated}}
			secret, err := manager.Create(context.Background(), &hook)
			if err != nil {
				t.Fatal(err)
			}
			verifier, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				t.Fatal(err)
			}
			rc.mu.Lock()
			rc.verifier = verifier
			rc.mu.Unlock()

			// Writers on both instances at once: each files incidents and
			// edits each twice, so that every incident has three events.
			const perWriter, writers = 10, 4
			var wg sync.WaitGroup
			for w := range writers {
				st := stores[w%2]
				wg.Go(func() {
					for range perWriter {
						inc := storetest.Linktree(t)
						inc.ExternalID = ""
						if err := st.CreateIncident(ctx, inc); err != nil {
							t.Error(err)
							return
						}
						for _, sev := range []incident.Severity{incident.SEV2, incident.SEV3} {
							inc.Severity = sev
							if err := st.UpdateIncident(ctx, inc); err != nil {
								t.Error(err)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			const events = perWriter * writers * 3
			waitFor(t, "every event delivered", func() bool { return rc.deliveredCount() == events })
			// A moment more, for a second delivery that should not come.
			time.Sleep(200 * time.Millisecond)

			rc.mu.Lock()
			defer rc.mu.Unlock()
			if len(rc.problems) > 0 {
				t.Fatalf("%d problems, first: %v", len(rc.problems), rc.problems[:min(5, len(rc.problems))])
			}
			if len(rc.delivered) != events {
				t.Fatalf("%d events delivered, want %d", len(rc.delivered), events)
			}
			for id, versions := range rc.versions {
				if len(versions) != 3 || versions[0] != 1 || versions[1] != 2 || versions[2] != 3 {
					t.Errorf("incident %d's events arrived at versions %v, want [1 2 3]", id, versions)
				}
			}
			if len(rc.versions) != perWriter*writers {
				t.Errorf("events of %d incidents, want %d", len(rc.versions), perWriter*writers)
			}
			t.Logf("%d events, %d attempts, at most %d at once", events, rc.attempts, rc.peak)
		})
	}
}

// duplicateWatch is a receiver that notes an event sent while an attempt
// of the same event is in flight, refuses every event's first attempt,
// and keeps the incident versions it was delivered, in order.
type duplicateWatch struct {
	server   *httptest.Server
	verifier *standardwebhooks.Webhook

	mu        sync.Mutex
	inFlight  map[string]bool
	seen      map[string]bool
	delivered map[string]bool
	versions  map[int64][]int
	problems  []string
	attempts  int
	now, peak int
}

func newDuplicateWatch(t *testing.T) *duplicateWatch {
	rc := &duplicateWatch{inFlight: map[string]bool{}, seen: map[string]bool{}, delivered: map[string]bool{},
		versions: map[int64][]int{}}
	rc.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("webhook-id")
		rc.mu.Lock()
		rc.attempts++
		if rc.inFlight[id] {
			rc.problems = append(rc.problems, "event "+id+" sent again while an attempt of it was in flight")
		}
		if rc.delivered[id] {
			rc.problems = append(rc.problems, "event "+id+" sent again after it was delivered")
		}
		if err := rc.verifier.Verify(body, r.Header); err != nil {
			rc.problems = append(rc.problems, "event "+id+": "+err.Error())
		}
		first := !rc.seen[id]
		rc.seen[id], rc.inFlight[id] = true, true
		rc.now++
		rc.peak = max(rc.peak, rc.now)
		rc.mu.Unlock()

		// Slow enough that attempts of several workers overlap.
		time.Sleep(5 * time.Millisecond)

		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.inFlight[id] = false
		rc.now--
		if first {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var e incident.Event
		if err := json.Unmarshal(body, &e); err != nil || e.Data.Incident == nil {
			rc.problems = append(rc.problems, "event "+id+": not an incident event")
		} else {
			rc.versions[e.Data.Incident.ID] = append(rc.versions[e.Data.Incident.ID], e.Data.Incident.Version)
		}
		rc.delivered[id] = true
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.server.Close)
	return rc
}

func (rc *duplicateWatch) deliveredCount() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.delivered)
}
