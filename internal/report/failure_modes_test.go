package report_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
	"github.com/aftermath-sre/aftermath/internal/seed"
	"github.com/aftermath-sre/aftermath/internal/storetest"
)

// TestFailureModeFiguresMatchAnIndependentCount files synthetic incidents
// linked to the seed's failure modes (some marked mitigated a year before
// the anchor, so that they materialise again after it) and checks the
// report's failure-mode section, and the recurrences the modes make,
// against the same figures computed by plain loops over what was filed.
func TestFailureModeFiguresMatchAnIndependentCount(t *testing.T) {
	st := storetest.Open(t, storetest.Selected(t))
	ctx := context.Background()
	anchor := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if err := st.DefineServices(ctx, seed.Services()); err != nil {
		t.Fatal(err)
	}
	cat := seed.FailureModes(anchor)
	if _, err := st.ImportCatalog(ctx, cat); err != nil {
		t.Fatal(err)
	}
	incs := seed.NewGenerator(5, anchor).Batch(1500)
	seed.LinkFailureModes(incs)
	if err := st.CreateIncidents(ctx, incs); err != nil {
		t.Fatal(err)
	}
	modes := map[string]incident.FailureMode{} // "key/slug"
	names := map[string]string{}
	for _, svc := range cat.Services {
		names[svc.Key] = svc.Name
		for _, m := range svc.FailureModes {
			modes[svc.Key+"/"+m.Slug] = m
		}
	}
	statusAt := func(m incident.FailureMode, at time.Time) incident.FailureModeStatus {
		status := incident.FailureModeStatus("")
		for _, c := range m.History {
			if !c.At.After(at) {
				status = c.Status
			}
		}
		return status
	}

	since, until := anchor.AddDate(-1, -6, 0), anchor.AddDate(0, -3, 0)
	for _, w := range []struct {
		name         string
		since, until *time.Time
		service      string
	}{{"everything", nil, nil, ""}, {"a window", &since, &until, ""}, {"one service in a window", &since, &until, "payments-api"}} {
		t.Run(w.name, func(t *testing.T) {
			got, err := report.Build(ctx, st, report.Params{Since: w.since, Until: w.until, Service: w.service, Now: anchor, Groups: 10})
			if err != nil {
				t.Fatal(err)
			}
			in := func(inc *incident.Incident) bool {
				if w.service != "" && inc.ServiceKey != incident.ServiceKey(w.service) {
					return false
				}
				if w.since == nil && w.until == nil {
					return true
				}
				return inc.StartedAt != nil && !inc.StartedAt.Before(*w.since) && inc.StartedAt.Before(*w.until)
			}
			materialised := map[string][]int64{}
			returned := map[string][]int64{}
			unlinked := map[string]int{}
			total := 0
			for _, inc := range incs {
				if !in(inc) {
					continue
				}
				total++
				if len(inc.FailureModes) == 0 {
					unlinked[names[inc.ServiceKey]]++
				}
				for _, slug := range inc.FailureModes {
					ref := inc.ServiceKey + "/" + slug
					materialised[ref] = append(materialised[ref], inc.ID)
					if inc.StartedAt != nil && statusAt(modes[ref], *inc.StartedAt) == incident.ModeMitigated {
						returned[ref] = append(returned[ref], inc.ID)
					}
				}
			}
			fm := got.FailureModes
			t.Logf("%d incidents: %d modes materialised, %d unmitigated, %d returned after mitigation, %d uncatalogued",
				total, len(materialised), len(fm.Unmitigated), len(returned), fm.Uncatalogued)
			if got.Incidents != total {
				t.Fatalf("%d incidents, want %d", got.Incidents, total)
			}
			check := func(what string, uses []report.ModeUse, want map[string][]int64) {
				t.Helper()
				if len(uses) != len(want) {
					t.Errorf("%s: %d modes, want %d", what, len(uses), len(want))
				}
				for k, u := range uses {
					ids := slices.Sorted(slices.Values(want[u.ServiceKey+"/"+u.Slug]))
					if !slices.Equal(u.Incidents, ids) || u.Count != len(ids) || u.Title != modes[u.ServiceKey+"/"+u.Slug].Title {
						t.Errorf("%s: %s/%s has %d incidents %v, want %v", what, u.ServiceKey, u.Slug, u.Count, u.Incidents, ids)
					}
					if k > 0 && uses[k-1].Count < u.Count {
						t.Errorf("%s: not the most often first", what)
					}
				}
			}
			check("materialised", fm.Materialised, materialised)
			wantUnmitigated := map[string][]int64{}
			for ref, ids := range materialised {
				if modes[ref].Status == incident.ModeUnmitigated {
					wantUnmitigated[ref] = ids
				}
			}
			check("unmitigated", fm.Unmitigated, wantUnmitigated)
			var uses []report.ModeUse
			for _, r := range fm.ReturnedAfterMitigation {
				uses = append(uses, r.ModeUse)
				m := modes[r.ServiceKey+"/"+r.Slug]
				if !r.MitigatedAt.Equal(m.StatusChangedAt) {
					t.Errorf("%s/%s: mitigated at %v, want %v", r.ServiceKey, r.Slug, r.MitigatedAt, m.StatusChangedAt)
				}
			}
			check("returned after mitigation", uses, returned)
			if w.name == "everything" && len(returned) == 0 {
				t.Fatal("the data has no mode that materialised after it was marked mitigated; the test checks nothing there")
			}
			unlinkedTotal := 0
			for _, n := range unlinked {
				unlinkedTotal += n
			}
			if fm.Uncatalogued != unlinkedTotal || len(fm.UncataloguedByService) != len(unlinked) {
				t.Errorf("uncatalogued %d over %d services, want %d over %d", fm.Uncatalogued, len(fm.UncataloguedByService), unlinkedTotal, len(unlinked))
			}
			for _, c := range fm.UncataloguedByService {
				if unlinked[c.Key] != c.Count {
					t.Errorf("uncatalogued on %s: %d, want %d", c.Key, c.Count, unlinked[c.Key])
				}
			}

			var md strings.Builder
			if err := report.WriteMarkdown(&md, got); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"\n## Failure modes\n", "\n### Blind spots\n", fmt.Sprintf("%d of %d incidents are linked to no known failure mode", unlinkedTotal, total)} {
				if !strings.Contains(md.String(), want) {
					t.Errorf("the markdown has no %q", want)
				}
			}
			if len(fm.Unmitigated) > 0 && !strings.Contains(md.String(), "\n### Risks that are hurting\n") ||
				len(fm.ReturnedAfterMitigation) > 0 && !strings.Contains(md.String(), "\n### Mitigations that did not hold\n") {
				t.Error("the markdown leaves out a part of the section")
			}

			// Incidents that link one mode are one failure that came back:
			// every incident up to the window's end that links it, when one
			// of them is in the window.
			if w.service != "" {
				return
			}
			byMode := map[string]string{}
			for _, rec := range got.Recurring {
				if rec.FailureMode != "" {
					byMode[rec.FailureMode] = fmt.Sprint(slices.Sorted(slices.Values(rec.IDs)))
				}
			}
			want := map[string]string{}
			for ref := range modes {
				var ids []int64
				inWindow := 0
				for _, inc := range incs {
					if !slices.Contains(inc.FailureModes, modes[ref].Slug) || inc.ServiceKey+"/"+modes[ref].Slug != ref {
						continue
					}
					if w.until != nil && (inc.StartedAt == nil || !inc.StartedAt.Before(*w.until)) {
						continue
					}
					ids = append(ids, inc.ID)
					if in(inc) {
						inWindow++
					}
				}
				if len(ids) >= 2 && inWindow > 0 {
					want[ref] = fmt.Sprint(slices.Sorted(slices.Values(ids)))
				}
			}
			if len(want) == 0 {
				t.Fatal("no mode materialised twice; the test checks nothing")
			}
			for ref, ids := range want {
				if byMode[ref] != ids {
					t.Errorf("recurrence of %s: %s, want %s", ref, byMode[ref], ids)
				}
			}
			if len(byMode) != len(want) {
				t.Errorf("%d recurrences by failure mode, want %d", len(byMode), len(want))
			}
		})
	}
}
