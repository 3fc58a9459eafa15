package seed

import (
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// TestSyntheticFailureModes: the synthetic catalogue's modes are valid,
// with every status among them, and the incidents link only modes of
// their own service that exist, about linkShare of those whose cause
// matches one, never one whose cause does not.
func TestSyntheticFailureModes(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	cat := FailureModes(now)
	for i := range cat.Services {
		for k := range cat.Services[i].FailureModes {
			cat.Services[i].FailureModes[k].Normalize()
		}
	}
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}
	known := map[string]map[string]bool{}
	statuses := map[incident.FailureModeStatus]int{}
	for _, svc := range cat.Services {
		known[svc.Key] = map[string]bool{}
		for _, m := range svc.FailureModes {
			known[svc.Key][m.Slug] = true
			statuses[m.Status]++
		}
	}
	for _, s := range incident.FailureModeStatuses {
		if statuses[s] == 0 {
			t.Errorf("no mode is %s: %v", s, statuses)
		}
	}

	incs := NewGenerator(3, now).Batch(3000)
	before := make([]incident.Incident, len(incs))
	for i, inc := range incs {
		before[i] = *inc
	}
	LinkFailureModes(incs)
	matching, linked := 0, 0
	for i, inc := range incs {
		slugs := map[string]string{}
		for _, tm := range serviceModes(serviceIndex[inc.Service]) {
			slugs[tm.category] = tm.slug
		}
		slug, matches := slugs[inc.PrimaryCause.Category]
		if matches {
			matching++
		}
		switch len(inc.FailureModes) {
		case 0:
		case 1:
			linked++
			if !matches || inc.FailureModes[0] != slug || !known[inc.ServiceKey][slug] {
				t.Fatalf("incident %d (%s, %s) links %v", i, inc.ServiceKey, inc.PrimaryCause.Category, inc.FailureModes)
			}
		default:
			t.Fatalf("incident %d links %v", i, inc.FailureModes)
		}
		inc.FailureModes = before[i].FailureModes
		if inc.Title != before[i].Title || inc.Summary != before[i].Summary {
			t.Fatal("linking changed another field")
		}
	}
	if share := float64(linked) / float64(matching); matching < 300 || share < 0.6 || share > 0.8 {
		t.Fatalf("%d of %d matching incidents link their mode (%.2f), want about %.1f", linked, matching, share, linkShare)
	}
	t.Logf("%d of 3000 incidents match a mode by cause, %d link it", matching, linked)
}
