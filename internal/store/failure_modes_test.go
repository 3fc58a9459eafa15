package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

func ptr[T any](v T) *T { return &v }

// withModes is a store with the Linktree service and two modes, one of
// them on its database, created by alice at the store's clock.
func withModes(t *testing.T) (*store.Store, context.Context, *time.Time) {
	t.Helper()
	s := storetest.Open(t, storetest.Selected(t))
	now := time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	ctx := incident.WithActor(context.Background(), incident.Actor{Kind: incident.ActorUser, Name: "alice"})
	if _, err := s.UpdateService(ctx, "Linktree", incident.ServiceChange{}); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Fatalf("a service that does not exist: %v", err)
	}
	if err := s.DefineServices(ctx, []incident.Service{{Name: "Linktree", DependsOn: []string{"Payments DB"}}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ service, slug, title string }{
		{"linktree", "db-pool-exhaustion", "Database connection pool exhausted"},
		{"Payments DB", "missing-index", "A deployment drops an index"},
	} {
		if _, err := s.CreateFailureMode(ctx, m.service, incident.FailureModeChange{Slug: &m.slug, Title: &m.title}); err != nil {
			t.Fatal(err)
		}
	}
	return s, ctx, &now
}

func TestFailureModeLifecycle(t *testing.T) {
	s, ctx, now := withModes(t)
	m, err := s.FailureMode(ctx, "LINKTREE", "db-pool-exhaustion")
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != incident.ModeUnmitigated || m.Version != 1 || len(m.History) != 1 ||
		m.History[0] != (incident.StatusChange{Status: incident.ModeUnmitigated, At: *now, By: "alice"}) || !m.StatusChangedAt.Equal(*now) {
		t.Fatalf("created %+v", m)
	}

	*now = now.Add(48 * time.Hour)
	mitigated := incident.ModeMitigated
	m, err = s.UpdateFailureMode(ctx, "linktree", "db-pool-exhaustion", incident.FailureModeChange{
		Status: &mitigated, Mitigation: ptr("Recycling fixed; alert at 80%."), Version: ptr(1)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 2 || m.Status != mitigated || !m.StatusChangedAt.Equal(*now) || len(m.History) != 2 ||
		m.History[1].Status != mitigated || m.StatusAt(now.Add(-time.Hour)) != incident.ModeUnmitigated || m.StatusAt(*now) != mitigated {
		t.Fatalf("updated %+v", m)
	}

	// A change that changes nothing keeps the version; a stale version,
	// a new slug and an unknown status are refused and change nothing.
	same, err := s.UpdateFailureMode(ctx, "linktree", "db-pool-exhaustion", incident.FailureModeChange{Status: &mitigated})
	if err != nil || same.Version != 2 {
		t.Fatalf("no-op: %+v %v", same, err)
	}
	for name, tc := range map[string]struct {
		change incident.FailureModeChange
		code   string
	}{
		"stale":          {incident.FailureModeChange{Title: ptr("x"), Version: ptr(1)}, incident.ECONFLICT},
		"new slug":       {incident.FailureModeChange{Slug: ptr("other")}, incident.EINVALID},
		"unknown status": {incident.FailureModeChange{Status: ptr(incident.FailureModeStatus("fixed"))}, incident.EINVALID},
		"empty title":    {incident.FailureModeChange{Title: ptr(" ")}, incident.EINVALID},
	} {
		if _, err := s.UpdateFailureMode(ctx, "linktree", "db-pool-exhaustion", tc.change); incident.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	for name, change := range map[string]incident.FailureModeChange{
		"twice":    {Slug: ptr("db-pool-exhaustion"), Title: ptr("again")},
		"bad slug": {Slug: ptr("Pool Exhaustion"), Title: ptr("x")},
		"no title": {Slug: ptr("no-title")},
	} {
		if _, err := s.CreateFailureMode(ctx, "linktree", change); incident.ErrorCode(err) != incident.EINVALID {
			t.Errorf("create %s: %v", name, err)
		}
	}
	if _, err := s.CreateFailureMode(ctx, "nowhere", incident.FailureModeChange{Slug: ptr("x"), Title: ptr("x")}); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("mode of an unknown service: %v", err)
	}
	if _, err := s.FailureMode(ctx, "linktree", "nope"); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Errorf("unknown mode: %v", err)
	}

	// Every change is in the audit log with what changed.
	page, err := s.Audit(ctx, incident.AuditFilter{Entity: "failure_mode/linktree/db-pool-exhaustion"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Items {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "failure_mode.update failure_mode.create" {
		t.Fatalf("audit actions %v", actions)
	}
	fields := map[string]string{}
	for _, c := range page.Items[0].Changes {
		fields[c.Field] = string(c.Before) + " → " + string(c.After)
	}
	if fields["status"] != `"unmitigated" → "mitigated"` || fields["mitigation"] != `"" → "Recycling fixed; alert at 80%."` || fields["history"] != "" {
		t.Fatalf("audit changes %v", fields)
	}
}

func TestIncidentsLinkKnownFailureModes(t *testing.T) {
	s, ctx, _ := withModes(t)
	inc := storetest.Linktree(t)
	inc.FailureModes = []string{"db-pool-exhaustion", "Payments DB/missing-index", "paymentsdb/missing-index", " linktree/db-pool-exhaustion "}
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	// One spelling for each: the own service's by slug, another's by key.
	want := []string{"db-pool-exhaustion", "paymentsdb/missing-index"}
	got, err := s.GetIncident(ctx, inc.ID)
	if err != nil || !slices.Equal(got.FailureModes, want) || !slices.Equal(inc.FailureModes, want) {
		t.Fatalf("stored %v (answered %v): %v", got.FailureModes, inc.FailureModes, err)
	}

	// Unknown modes are refused with the modes the service has; a
	// service without any says so; nothing is written.
	got.FailureModes = []string{"Not A Slug"}
	if err := s.UpdateIncident(ctx, got); err == nil || !strings.Contains(err.Error(), "failure_modes[0]:must be a failure mode's slug") {
		t.Fatalf("a reference that cannot be read: %v", err)
	}
	got.FailureModes = []string{"db-pool-exhaustion", "pool-exhausted", "paymentsdb/dropped-index", "nowhere/x"}
	err = s.UpdateIncident(ctx, got)
	var e *incident.Error
	if !errorAs(err, &e) || e.Code != incident.EINVALID {
		t.Fatalf("unknown modes: %v", err)
	}
	for field, part := range map[string]string{
		"failure_modes[1]": `unknown failure mode "pool-exhausted" of service "linktree"; must be one of db-pool-exhaustion`,
		"failure_modes[2]": `must be one of paymentsdb/missing-index`,
		"failure_modes[3]": `it has no failure modes yet`,
	} {
		if !strings.Contains(e.Fields[field], part) {
			t.Errorf("%s: %q, want %q", field, e.Fields[field], part)
		}
	}
	if _, ok := e.Fields["failure_modes[0]"]; ok {
		t.Errorf("a known mode was refused: %v", e.Fields)
	}
	if stored, _ := s.GetIncident(ctx, inc.ID); stored.Version != 1 || !slices.Equal(stored.FailureModes, want) {
		t.Fatalf("a refused update wrote: %+v", stored.FailureModes)
	}

	// A linked mode cannot be deleted; once unlinked, it can.
	if err := s.DeleteFailureMode(ctx, "paymentsdb", "missing-index"); incident.ErrorCode(err) != incident.ECONFLICT ||
		!strings.Contains(err.Error(), "incidents "+jsonNumber(inc.ID)) {
		t.Fatalf("delete of a linked mode: %v", err)
	}
	stored, _ := s.GetIncident(ctx, inc.ID)
	stored.FailureModes = []string{"db-pool-exhaustion"}
	if err := s.UpdateIncident(ctx, stored); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFailureMode(ctx, "paymentsdb", "missing-index"); err != nil {
		t.Fatal(err)
	}
	if modes, _ := s.FailureModes(ctx, "paymentsdb"); len(modes) != 0 {
		t.Fatalf("still there: %+v", modes)
	}

	// Batches (the seed, the demo) and imports hold to the same rule.
	bad := storetest.Linktree(t)
	bad.FailureModes = []string{"nope"}
	if err := s.CreateIncidents(ctx, []*incident.Incident{bad}); incident.ErrorCode(err) != incident.EINVALID {
		t.Fatalf("batch: %v", err)
	}
	imported := storetest.Linktree(t)
	imported.ExternalID, imported.FailureModes = "ext-1", []string{"nope"}
	_, errs, err := s.ImportIncidents(ctx, []*incident.Incident{imported})
	if err != nil || incident.ErrorCode(errs[0]) != incident.EINVALID || !strings.Contains(errs[0].Error(), "db-pool-exhaustion") {
		t.Fatalf("import: %v %v", errs, err)
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

func errorAs(err error, target **incident.Error) bool {
	e, ok := err.(*incident.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestCatalogImportTwiceChangesNothing imports a catalogue, then the same
// again, then an older and a newer version of it.
func TestCatalogImportTwiceChangesNothing(t *testing.T) {
	s, ctx, now := withModes(t)
	day := func(d int) time.Time { return time.Date(2025, 2, d, 12, 0, 0, 0, time.UTC) }
	cat := func(updated time.Time, status incident.FailureModeStatus, owner string) *incident.Catalog {
		return &incident.Catalog{Services: []incident.CatalogService{{
			Service: incident.Service{Name: "linktree", DependsOn: []string{"CDN"}, Industries: []string{"creators"},
				ServiceInfo: incident.ServiceInfo{Owner: owner, Tags: []string{"web"},
					Annotations: []incident.Annotation{{Key: "pagerduty.com/service-id", Value: "P1"}}}},
			UpdatedAt: updated,
			FailureModes: []incident.FailureMode{{Slug: "db-pool-exhaustion", Title: "Database connection pool exhausted",
				Status: status, UpdatedAt: updated, StatusChangedAt: updated}},
		}}}
	}
	entries := func() int64 {
		check, err := s.VerifyAudit(ctx)
		if err != nil || check.Problem != "" {
			t.Fatal(check, err)
		}
		return check.Entries
	}

	first, err := s.ImportCatalog(ctx, cat(day(5), incident.ModeMitigated, "team-web"))
	if err != nil {
		t.Fatal(err)
	}
	if first.ServicesUpdated != 1 || first.ServicesCreated != 0 || first.FailureModesUpdated != 1 {
		t.Fatalf("first import %+v", first)
	}
	svc, _ := s.GetService(ctx, "linktree")
	m, _ := s.FailureMode(ctx, "linktree", "db-pool-exhaustion")
	if svc.Owner != "team-web" || svc.Name != "Linktree" || !slices.Equal(svc.DependsOn, []string{"cdn", "paymentsdb"}) ||
		m.Status != incident.ModeMitigated || len(m.History) != 2 || !m.History[1].At.Equal(day(5)) || m.Version != 2 {
		t.Fatalf("after the import: %+v %+v", svc, m)
	}
	logged := entries()

	again, err := s.ImportCatalog(ctx, cat(day(5), incident.ModeMitigated, "team-web"))
	if err != nil || again.ServicesUnchanged != 2-1 || again.FailureModesUnchanged != 1 || again.ServicesUpdated+again.FailureModesUpdated != 0 {
		t.Fatalf("second import %+v %v", again, err)
	}
	if entries() != logged {
		t.Fatal("an import that changed nothing wrote to the audit log")
	}

	// An older copy never undoes what is stored; it says what it kept.
	older, err := s.ImportCatalog(ctx, cat(day(1), incident.ModeUnmitigated, "team-old"))
	if err != nil || !slices.Equal(older.Kept, []string{"service linktree", "failure mode linktree/db-pool-exhaustion"}) {
		t.Fatalf("older import %+v %v", older, err)
	}
	if svc, _ := s.GetService(ctx, "linktree"); svc.Owner != "team-web" {
		t.Fatalf("an older file changed the owner to %q", svc.Owner)
	}
	// A newer one, or one without times (a Backstage descriptor), applies.
	*now = day(9)
	newer, err := s.ImportCatalog(ctx, cat(time.Time{}, incident.ModeAccepted, "team-new"))
	if err != nil || newer.ServicesUpdated != 1 || newer.FailureModesUpdated != 1 {
		t.Fatalf("newer import %+v %v", newer, err)
	}
	m, _ = s.FailureMode(ctx, "linktree", "db-pool-exhaustion")
	if m.Status != incident.ModeAccepted || len(m.History) != 3 || !m.StatusChangedAt.Equal(day(9)) || m.History[2].By != "alice" {
		t.Fatalf("after the newer import %+v", m)
	}
	page, _ := s.Audit(ctx, incident.AuditFilter{Action: "failure_mode.import"})
	if len(page.Items) != 2 {
		t.Fatalf("%d failure-mode import entries", len(page.Items))
	}

	// A catalogue with a problem is refused whole, each problem named.
	bad := cat(time.Time{}, "fixed", "x")
	bad.Services = append(bad.Services, incident.CatalogService{Service: incident.Service{Name: "LinkTree"}})
	_, err = s.ImportCatalog(ctx, bad)
	var e *incident.Error
	if !errorAs(err, &e) || e.Fields["services[0].failure_modes[0].status"] == "" || e.Fields["services[1].name"] == "" {
		t.Fatalf("bad catalogue: %v", err)
	}
}

// TestServiceFailureModeRecords: a service's modes come with how often
// each materialised, how often while it was marked mitigated (by the
// incident's start against the mode's history), and the latest incidents;
// an incident form offers the service's own modes first, then those of
// what it depends on, directly or not.
func TestServiceFailureModeRecords(t *testing.T) {
	s, ctx, now := withModes(t)
	if err := s.DefineServices(ctx, []incident.Service{{Name: "Payments DB", DependsOn: []string{"Storage"}}, {Name: "Checkout", DependsOn: []string{"Linktree"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateFailureMode(ctx, "Storage", incident.FailureModeChange{Slug: ptr("disk-full"), Title: ptr("Disk fills up")}); err != nil {
		t.Fatal(err)
	}
	// Marked mitigated on 2025-01-12; incidents before and after.
	*now = now.Add(48 * time.Hour)
	mitigated := incident.ModeMitigated
	if _, err := s.UpdateFailureMode(ctx, "linktree", "db-pool-exhaustion", incident.FailureModeChange{Status: &mitigated}); err != nil {
		t.Fatal(err)
	}
	file := func(title string, started time.Time, modes ...string) int64 {
		inc := &incident.Incident{Title: title, Service: "Linktree", Severity: incident.SEV2, StartedAt: &started, FailureModes: modes}
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	before := file("Before the fix", time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC), "db-pool-exhaustion", "paymentsdb/missing-index")
	after := file("After the fix", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), "db-pool-exhaustion")
	file("Unrelated", time.Date(2025, 2, 2, 0, 0, 0, 0, time.UTC))

	records, err := s.ServiceFailureModes(ctx, "Linktree")
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 {
		t.Fatalf("records %+v", records)
	}
	r := records[0]
	if r.Slug != "db-pool-exhaustion" || r.Materialised != 2 || r.WhileMitigated != 1 || len(r.Incidents) != 2 ||
		r.Incidents[0].ID != after || !r.Incidents[0].WhileMitigated || r.Incidents[1].ID != before || r.Incidents[1].WhileMitigated ||
		r.Incidents[0].Title != "After the fix" || r.Incidents[0].Service != "Linktree" {
		t.Fatalf("record %+v", r)
	}
	records, err = s.ServiceFailureModes(ctx, "paymentsdb")
	if err != nil || len(records) != 1 || records[0].Materialised != 1 || records[0].Incidents[0].ID != before {
		t.Fatalf("the dependency's records %+v (%v)", records, err)
	}
	if _, err := s.ServiceFailureModes(ctx, "nothing"); incident.ErrorCode(err) != incident.ENOTFOUND {
		t.Fatalf("an unknown service: %v", err)
	}

	offered, err := s.OfferedFailureModes(ctx, "Checkout")
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, m := range offered {
		refs = append(refs, m.Ref("checkout"))
	}
	if want := []string{"linktree/db-pool-exhaustion", "paymentsdb/missing-index", "storage/disk-full"}; !slices.Equal(refs, want) {
		t.Fatalf("offered to Checkout %v, want %v", refs, want)
	}
	if offered, err = s.OfferedFailureModes(ctx, "Payments DB"); err != nil || len(offered) != 2 || offered[0].ServiceKey != "paymentsdb" {
		t.Fatalf("offered to Payments DB %+v (%v)", offered, err)
	}
	if offered, err = s.OfferedFailureModes(ctx, "New Service"); err != nil || len(offered) != 0 {
		t.Fatalf("offered to a new service %+v (%v)", offered, err)
	}
}

// TestConcurrentFailureModeEdits: edits made at the same version from
// many writers at once (on PostgreSQL, from many connections) save once;
// every other is a conflict, and none is lost silently.
func TestConcurrentFailureModeEdits(t *testing.T) {
	s, ctx, _ := withModes(t)
	const writers, rounds = 8, 5
	for round := 1; round <= rounds; round++ {
		errs := make(chan error, writers)
		for i := range writers {
			go func() {
				title := fmt.Sprintf("Edit %d of round %d", i, round)
				_, err := s.UpdateFailureMode(ctx, "linktree", "db-pool-exhaustion", incident.FailureModeChange{Title: &title, Version: ptr(round)})
				errs <- err
			}()
		}
		saved, conflicts := 0, 0
		for range writers {
			switch err := <-errs; {
			case err == nil:
				saved++
			case incident.ErrorCode(err) == incident.ECONFLICT:
				conflicts++
			default:
				t.Errorf("an edit failed: %v", err)
			}
		}
		m, err := s.FailureMode(ctx, "linktree", "db-pool-exhaustion")
		if err != nil {
			t.Fatal(err)
		}
		if saved != 1 || conflicts != writers-1 || m.Version != round+1 {
			t.Fatalf("round %d: %d saved, %d conflicts, version %d", round, saved, conflicts, m.Version)
		}
	}
}
