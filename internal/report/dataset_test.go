package report_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// The hand-built dataset: a few services, every kind of field, timestamps
// missing and out of order, near-identical and unrelated descriptions,
// fixes before and after recurrences. It is built by code so that the
// tests can compute every expected figure from the same slice with plain
// loops.

var (
	datasetStart = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	// datasetNow is the report's reference time: some due dates are
	// before it, some after.
	datasetNow = datasetStart.AddDate(0, 5, 0)
)

var (
	services   = []string{"Payments API", "Checkout", "search-indexer", "Auth | Login"}
	causeCats  = []string{"config-change", "deployment", "database", "software-bug", ""}
	factorCats = []string{"capacity", "config-change", "dependency", "process"}
	gapCats    = []string{"alert-threshold", "missing-monitoring", "runbook"}
	tagPool    = []string{"payments", "weekend", "rollback", "customer-facing", "db"}
	// Near-identical causes: one template per category, each incident
	// adding a word of its own, so any two share 12 of 14 words.
	causeTemplates = map[string]string{
		"config-change": "Rate limit lowered during routine configuration push throttled legitimate traffic from largest merchants overnight",
		"deployment":    "Release shipped schema migration unreadable by previous version crashing instances during rolling upgrade window",
		"database":      "Replica lag grew beyond thirty seconds after vacuum stalled leaving checkout reads stale inventory counts",
	}
	// Words for descriptions that resemble nothing else.
	wordPool = strings.Fields(`amber basalt cobalt dune ember fjord garnet harbor indigo jasper kelp lagoon
		marble nectar onyx prairie quartz reef sierra tundra umber valley willow xenon yarrow zephyr
		anchor beacon canyon delta estuary falcon glacier heron island juniper kestrel lichen meadow
		nimbus orchid pebble quill raven saffron thistle urchin violet walnut yucca zinnia acorn birch`)
	factorTexts = []string{
		"The rollout skipped the staged canary and reached every region together.",
		"Nobody owned the shared configuration file so the change went unreviewed.",
	}
)

// buildDataset returns the incidents, not yet filed. Incidents 0 and 1
// have no severity (imported history); the rest are filed.
func buildDataset() []incident.Incident {
	r := rand.New(rand.NewPCG(7, 11))
	var out []incident.Incident
	at := datasetStart
	for i := range 48 {
		at = at.Add(time.Duration(40+r.IntN(60)) * time.Hour)
		inc := incident.Incident{
			Title:           fmt.Sprintf("Incident %d | with a pipe\nand a newline", i),
			Service:         services[r.IntN(len(services))],
			Severity:        incident.Severities[r.IntN(len(incident.Severities))],
			DetectionMethod: incident.DetectionMethods[r.IntN(len(incident.DetectionMethods))],
			OutageTypes:     []incident.OutageType{incident.OutageTypes[r.IntN(4)]},
		}
		if r.IntN(3) == 0 {
			inc.OutageTypes = append(inc.OutageTypes, incident.OutageCascading)
		}
		if i < 2 {
			inc.Severity = ""
		}
		for _, tag := range tagPool {
			if r.IntN(3) == 0 {
				inc.Tags = append(inc.Tags, tag)
			}
		}

		// Timestamps: some unknown, in order otherwise.
		started := at
		if i%13 != 5 {
			inc.StartedAt = ptr(started)
		}
		t := started
		for k, dst := range []**time.Time{&inc.DetectedAt, &inc.MitigatedAt, &inc.ResolvedAt} {
			t = t.Add(time.Duration(1+r.IntN(90*(k+1))) * time.Minute)
			if r.IntN(7) != 0 {
				*dst = ptr(t)
			}
		}
		inc.Status = incident.StatusMonitoring
		if inc.ResolvedAt != nil {
			inc.Status = incident.StatusResolved
		}

		cat := causeCats[r.IntN(len(causeCats))]
		if cat != "" {
			inc.PrimaryCause = incident.Cause{Category: cat, Description: describe(r, cat)}
		}
		for range r.IntN(3) {
			inc.ContributingFactors = append(inc.ContributingFactors, incident.Finding{
				Category: factorCats[r.IntN(len(factorCats))], Description: factorTexts[r.IntN(len(factorTexts))]})
		}
		if i%5 == 0 { // the same factor category twice in one incident
			inc.ContributingFactors = append(inc.ContributingFactors,
				incident.Finding{Category: "capacity", Description: "Spare capacity was low."},
				incident.Finding{Category: "capacity", Description: "Autoscaling was capped."})
		}
		for range r.IntN(3) {
			inc.DetectionGaps = append(inc.DetectionGaps, incident.Finding{Category: gapCats[r.IntN(len(gapCats))]})
		}
		for range r.IntN(4) {
			inc.ActionItems = append(inc.ActionItems, actionItem(r, &inc, started))
		}
		out = append(out, inc)
	}
	return append(out, returnCases(at)...)
}

// returnCases are two fixed pairs of incidents on Checkout. A fix of a
// factor of the first hardware incident does not make the second a return;
// a fix of the cause of the first network incident makes the second one.
// One open item is due on the reference day, so it is not overdue yet.
func returnCases(at time.Time) []incident.Incident {
	pair := func(cat, addresses string, at time.Time) []incident.Incident {
		first := incident.Incident{
			Title: "First " + cat, Service: "Checkout", Severity: incident.SEV2, Status: incident.StatusResolved,
			StartedAt: ptr(at), DetectedAt: ptr(at.Add(time.Minute)), MitigatedAt: ptr(at.Add(time.Hour)), ResolvedAt: ptr(at.Add(2 * time.Hour)),
			PrimaryCause:        incident.Cause{Category: cat, Description: "Failed " + cat},
			ContributingFactors: []incident.Finding{{Category: "process", Description: "No review."}},
			ActionItems: []incident.ActionItem{
				{Title: "Prevent " + cat, Kind: incident.ActionPrevent, Status: incident.ActionDone, Addresses: addresses, DoneAt: ptr(at.Add(24 * time.Hour))},
				{Title: "Due on the day", Kind: incident.ActionDetect, Status: incident.ActionOpen, DueDate: datasetNow.Format(time.DateOnly)},
			},
		}
		again := first
		again.Title, again.ActionItems = "Again "+cat, nil
		later := at.Add(72 * time.Hour)
		again.StartedAt, again.DetectedAt, again.MitigatedAt, again.ResolvedAt = ptr(later), ptr(later.Add(time.Minute)), ptr(later.Add(time.Hour)), ptr(later.Add(3*time.Hour))
		return []incident.Incident{first, again}
	}
	return append(pair("hardware", "contributing_factors[0]", at.Add(48*time.Hour)), pair("network", "primary_cause", at.Add(200*time.Hour))...)
}

func describe(r *rand.Rand, cat string) string {
	if tmpl, ok := causeTemplates[cat]; ok && r.IntN(3) > 0 {
		return tmpl + " " + wordPool[r.IntN(len(wordPool))] + strings.Repeat("x", 1+r.IntN(3))
	}
	words := make([]string, 10)
	for k := range words {
		words[k] = wordPool[r.IntN(len(wordPool))]
	}
	return strings.Join(words, " ")
}

func actionItem(r *rand.Rand, inc *incident.Incident, started time.Time) incident.ActionItem {
	a := incident.ActionItem{
		Title:  fmt.Sprintf("Fix %d", r.IntN(1000)),
		Kind:   incident.ActionKinds[r.IntN(len(incident.ActionKinds))],
		Status: incident.ActionStatuses[r.IntN(len(incident.ActionStatuses))],
	}
	if r.IntN(2) == 0 {
		a.Kind = incident.ActionPrevent
	}
	if r.IntN(5) > 0 {
		a.DueDate = started.AddDate(0, 0, 10+r.IntN(200)).Format(time.DateOnly)
	}
	switch r.IntN(4) {
	case 0, 1:
		if !inc.PrimaryCause.IsZero() {
			a.Addresses = "primary_cause"
		}
	case 2:
		if len(inc.ContributingFactors) > 0 {
			a.Addresses = "contributing_factors[0]"
		}
	}
	if a.Status == incident.ActionDone {
		a.DoneAt = ptr(started.Add(time.Duration(2+r.IntN(30*24)) * time.Hour))
	}
	return a
}

func ptr[T any](v T) *T { return &v }

// fileDataset files the dataset into a fresh database of the selected
// backend and returns the store and the incidents as stored (ids set,
// normalised). Two incidents then get timestamps the store would refuse,
// written behind its back.
func fileDataset(t *testing.T) (*store.Store, []incident.Incident) {
	t.Helper()
	backend := storetest.Selected(t)
	dsn := storetest.DSN(t, backend)
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	incs := buildDataset()
	ptrs := make([]*incident.Incident, len(incs))
	for i := range incs {
		ptrs[i] = &incs[i]
	}
	_, errs, err := st.ImportIncidents(ctx, ptrs[:2])
	if err != nil || firstError(errs) != nil {
		t.Fatalf("import: %v %v", err, errs)
	}
	if err := st.CreateIncidents(ctx, ptrs[2:]); err != nil {
		t.Fatal(err)
	}

	// Out of order: detection before the start. And a resolution time on
	// an incident still being monitored.
	dialector := sqlite.Open("file:" + dsn + "?_busy_timeout=10000")
	if backend == storetest.Postgres {
		dialector = postgres.Open(dsn)
	}
	raw, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	db, _ := raw.DB()
	defer db.Close()
	early, unresolved := &incs[7], &incs[9]
	for _, inc := range []*incident.Incident{early, unresolved} {
		if inc.StartedAt == nil {
			t.Fatalf("incident %d has no start; pick another", inc.ID)
		}
	}
	early.DetectedAt = ptr(early.StartedAt.Add(-10 * time.Minute))
	unresolved.Status, unresolved.ResolvedAt = incident.StatusMonitoring, ptr(unresolved.StartedAt.Add(5*time.Hour))
	unresolved.MitigatedAt = nil
	if err := raw.Exec("UPDATE incidents SET detected_at = ? WHERE id = ?", early.DetectedAt.Unix(), early.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := raw.Exec("UPDATE incidents SET status = 'monitoring', mitigated_at = NULL, resolved_at = ? WHERE id = ?",
		unresolved.ResolvedAt.Unix(), unresolved.ID).Error; err != nil {
		t.Fatal(err)
	}
	return st, incs
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// inWindow mirrors the report's scope, written out again.
func inWindow(inc *incident.Incident, since, until *time.Time, service string) bool {
	if service != "" && inc.ServiceKey != incident.ServiceKey(service) {
		return false
	}
	if since == nil && until == nil {
		return true
	}
	if inc.StartedAt == nil {
		return false
	}
	return (since == nil || !inc.StartedAt.Before(*since)) && (until == nil || inc.StartedAt.Before(*until))
}
