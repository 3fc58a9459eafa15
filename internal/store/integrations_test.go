package store_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// hookFor makes a webhook taking events, with a stand-in sealed secret:
// the store keeps the bytes it is given.
func hookFor(t *testing.T, s *store.Store, events ...incident.EventType) *incident.Webhook {
	t.Helper()
	w := &incident.Webhook{URL: "https://receiver.example.com/hook", Events: events, Secret: []byte("sealed")}
	if err := s.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func typesOf(jobs []incident.DeliveryJob) []incident.EventType {
	var out []incident.EventType
	for _, j := range jobs {
		out = append(out, j.Type)
	}
	return out
}

// TestOutboxIsPartOfTheWrite: an event is in the outbox exactly when its
// change is stored; a refused write leaves none, and an event no webhook
// takes is not kept.
func TestOutboxIsPartOfTheWrite(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()
	inc := storetest.Linktree(t)
	if err := s.CreateIncident(ctx, inc); err != nil { // no webhook yet
		t.Fatal(err)
	}
	hook := hookFor(t, s, incident.EventIncidentUpdated)
	bad := storetest.Linktree(t)
	bad.Severity = "SEV9"
	if err := s.CreateIncident(ctx, bad); err == nil {
		t.Fatal("an invalid incident was filed")
	}
	stale := *inc
	stale.Version = 7
	if err := s.UpdateIncident(ctx, &stale); err == nil {
		t.Fatal("a stale update was written")
	}
	if n, _ := s.PendingDeliveries(ctx); n != 0 {
		t.Fatalf("%d deliveries after writes that were refused or that no webhook takes", n)
	}
	inc.Severity = incident.SEV3
	if err := s.UpdateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil || len(jobs) != 1 || jobs[0].Type != incident.EventIncidentUpdated || jobs[0].WebhookID != hook.ID ||
		jobs[0].Attempts != 1 || string(jobs[0].Secret) != "sealed" {
		t.Fatalf("claimed %+v, %v", jobs, err)
	}
}

// TestClaimsAreLeasedAndOrdered: a claimed delivery is not claimed again
// until its lease ends, by this store or another on the same database;
// an incident's later event waits for its earlier one; a failed attempt is
// retried when it is due.
func TestClaimsAreLeasedAndOrdered(t *testing.T) {
	dsn := storetest.DSN(t, storetest.Selected(t))
	open := func() *store.Store {
		s, err := store.Open(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s, other := open(), open()
	now := time.Now().UTC()
	clock := func() time.Time { return now }
	s.Now, other.Now = clock, clock
	ctx := context.Background()
	hookFor(t, s, incident.EventTypes...)
	var incs []*incident.Incident
	for range 4 {
		inc := storetest.Linktree(t)
		inc.ExternalID = ""
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		inc.Severity = incident.SEV4
		if err := s.UpdateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		incs = append(incs, inc)
	}
	// Two workers on two stores at once: four created events between
	// them, each once; the updates wait for their incident's creation.
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	for _, st := range []*store.Store{s, other} {
		wg.Go(func() {
			jobs, err := st.ClaimDeliveries(ctx, 8, time.Minute)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, j := range jobs {
				claimed[j.ID]++
				if j.Type != incident.EventIncidentCreated {
					t.Errorf("claimed %s before the incident's creation was delivered", j.Type)
				}
			}
		})
	}
	wg.Wait()
	if len(claimed) != 4 {
		t.Fatalf("claimed %v, want the 4 creations", claimed)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("delivery %d claimed %d times", id, n)
		}
	}
	if jobs, _ := other.ClaimDeliveries(ctx, 8, time.Minute); len(jobs) != 0 {
		t.Fatalf("claimed again within the lease: %v", typesOf(jobs))
	}
	// The lease runs out (the worker died): the creations are claimed again.
	now = now.Add(61 * time.Second)
	jobs, err := other.ClaimDeliveries(ctx, 8, time.Minute)
	if err != nil || len(jobs) != 4 || jobs[0].Attempts != 2 {
		t.Fatalf("after the lease: %d jobs, %v", len(jobs), err)
	}
	// Two delivered, one failed (retry in a minute), one gone.
	outcomes := []incident.DeliveryOutcome{
		{ID: jobs[0].ID, WebhookID: jobs[0].WebhookID, At: now, Delivered: true, Status: 200},
		{ID: jobs[1].ID, WebhookID: jobs[1].WebhookID, At: now, Delivered: true, Status: 204},
		{ID: jobs[2].ID, WebhookID: jobs[2].WebhookID, At: now, Status: 500, Error: "500", NextAttempt: now.Add(time.Minute)},
	}
	if err := other.RecordDeliveries(ctx, outcomes); err != nil {
		t.Fatal(err)
	}
	jobs2, _ := s.ClaimDeliveries(ctx, 8, time.Minute)
	if got := typesOf(jobs2); len(got) != 2 || got[0] != incident.EventIncidentUpdated || got[1] != incident.EventIncidentUpdated {
		t.Fatalf("after two deliveries: %v, want their incidents' updates", got)
	}
	now = now.Add(2 * time.Minute)
	jobs3, _ := s.ClaimDeliveries(ctx, 8, time.Minute)
	ids := []int64{}
	for _, j := range jobs3 {
		ids = append(ids, j.ID)
	}
	if !slices.Contains(ids, jobs[2].ID) {
		t.Errorf("the failed delivery was not retried when due: %v", ids)
	}
}

// TestDeliveriesAreGivenUpAfterADay: a delivery not made within 24 hours
// is failed, and its incident's later events go on.
func TestDeliveriesAreGivenUpAfterADay(t *testing.T) {
	s := storetest.Open(t, storetest.Selected(t))
	now := time.Now().UTC()
	s.Now = func() time.Time { return now }
	ctx := context.Background()
	hook := hookFor(t, s, incident.EventIncidentCreated, incident.EventIncidentUpdated)
	inc := storetest.Linktree(t)
	s.CreateIncident(ctx, inc)
	now = now.Add(23 * time.Hour)
	inc.Severity = incident.SEV4
	s.UpdateIncident(ctx, inc)
	now = now.Add(2 * time.Hour)
	jobs, err := s.ClaimDeliveries(ctx, 8, time.Minute)
	if err != nil || len(jobs) != 1 || jobs[0].Type != incident.EventIncidentUpdated {
		t.Fatalf("after 25 hours: %v %v, want the update (the creation given up)", typesOf(jobs), err)
	}
	log, _ := s.Deliveries(ctx, hook.ID, 0, 10)
	if len(log.Items) != 2 || log.Items[1].State != incident.DeliveryFailed || log.Items[1].LastError == "" {
		t.Fatalf("log: %+v", log.Items)
	}
}

// TestOverdueRemindersGoOutOnce: each overdue item is reminded of once,
// across runs and across stores on one database; a new due date that
// passes is reminded of again; items done or not yet due are not.
func TestOverdueRemindersGoOutOnce(t *testing.T) {
	dsn := storetest.DSN(t, storetest.Selected(t))
	s, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	today := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return today }
	hook := hookFor(t, s, incident.EventActionItemOverdue)
	inc := storetest.Linktree(t)
	inc.ActionItems = []incident.ActionItem{
		{Title: "Alert on pool growth", Kind: incident.ActionDetect, DueDate: "2026-05-01", Status: incident.ActionOpen},
		{Title: "Raise the pool", Kind: incident.ActionMitigate, DueDate: "2026-05-09", Status: incident.ActionInProgress},
		{Title: "Due today", Kind: incident.ActionProcess, DueDate: "2026-05-10", Status: incident.ActionOpen},
		{Title: "Done late", Kind: incident.ActionPrevent, DueDate: "2026-04-01", Status: incident.ActionDone},
		{Title: "No date", Kind: incident.ActionPrevent, Status: incident.ActionOpen},
	}
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	second, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.Now = s.Now
	var counts []int
	for _, st := range []*store.Store{s, s, second} {
		n, err := st.RemindOverdue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, n)
	}
	if counts[0] != 2 || counts[1] != 0 || counts[2] != 0 {
		t.Fatalf("reminders per run: %v, want 2, 0, 0", counts)
	}
	// One incident's events go out in order: the first is claimable, and
	// it is the first reminder.
	jobs, _ := s.ClaimDeliveries(ctx, 10, time.Minute)
	if len(jobs) != 1 || !strings.Contains(string(jobs[0].Payload), `"title":"Alert on pool growth"`) ||
		!strings.Contains(string(jobs[0].Payload), `"incident_ref":{"id":1`) {
		t.Fatalf("claimed %d: %s", len(jobs), jobs[0].Payload)
	}
	// Two days later "Due today" is overdue; "Raise the pool" gets a new
	// date, which passes too.
	today = today.AddDate(0, 0, 2)
	inc.ActionItems[1].DueDate = "2026-05-11"
	if err := s.UpdateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if n, _ := second.RemindOverdue(ctx); n != 2 {
		t.Fatalf("the next day: %d reminders, want 2", n)
	}
	log, _ := s.Deliveries(ctx, hook.ID, 0, 10)
	if len(log.Items) != 4 {
		t.Errorf("the log has %d reminders, want 4", len(log.Items))
	}
}
