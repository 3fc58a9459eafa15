package report

import (
	"reflect"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// TestFailureModeSection works a small history by hand: a mode mitigated
// for a month and then reopened, one never mitigated, one mitigated that
// came back, one that never materialised.
func TestFailureModeSection(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 0, 0, 0, 0, time.UTC) }
	change := func(s incident.FailureModeStatus, at time.Time) incident.StatusChange {
		return incident.StatusChange{Status: s, At: at}
	}
	un, mit := incident.ModeUnmitigated, incident.ModeMitigated
	modes := []incident.FailureMode{
		{ServiceKey: "linktree", Slug: "pool", Title: "Pool", Status: un,
			History: []incident.StatusChange{change(un, day(1, 1)), change(mit, day(2, 1)), change(un, day(3, 10))}},
		{ServiceKey: "linktree", Slug: "spike", Title: "Spike", Status: un, History: []incident.StatusChange{change(un, day(1, 1))}},
		{ServiceKey: "paymentsdb", Slug: "index", Title: "Index", Status: mit,
			History: []incident.StatusChange{change(un, day(1, 1)), change(mit, day(1, 15))}},
		{ServiceKey: "paymentsdb", Slug: "never", Title: "Never", Status: un, History: []incident.StatusChange{change(un, day(1, 1))}},
	}
	link := func(id int64, started time.Time, service, slug string) ModeLink {
		return ModeLink{IncidentID: id, StartedAt: started.Unix(), Started: !started.IsZero(), ServiceKey: service, Slug: slug}
	}
	links := []ModeLink{
		link(1, day(1, 10), "linktree", "pool"), link(1, day(1, 10), "linktree", "spike"),
		link(2, day(2, 5), "linktree", "pool"),
		link(3, day(3, 15), "linktree", "pool"),
		link(4, time.Time{}, "paymentsdb", "index"),
		link(5, day(2, 1), "paymentsdb", "index"), link(5, day(2, 1), "linktree", "pool"),
	}
	got := failureModeSection(modes, links, []Count{{Key: "Linktree", Count: 3}, {Key: "Payments DB", Count: 1}})
	use := func(service, slug, title string, status incident.FailureModeStatus, ids ...int64) ModeUse {
		return ModeUse{ServiceKey: service, Slug: slug, Title: title, Status: status, Count: len(ids), Incidents: ids}
	}
	pool, index, spike := use("linktree", "pool", "Pool", un, 1, 2, 3, 5), use("paymentsdb", "index", "Index", mit, 4, 5), use("linktree", "spike", "Spike", un, 1)
	want := FailureModes{
		Materialised: []ModeUse{pool, index, spike},
		Unmitigated:  []ModeUse{pool, spike},
		ReturnedAfterMitigation: []ModeReturn{
			{ModeUse: use("linktree", "pool", "Pool", un, 2, 5), MitigatedAt: day(2, 1)},
			{ModeUse: use("paymentsdb", "index", "Index", mit, 5), MitigatedAt: day(1, 15)},
		},
		Uncatalogued:          4,
		UncataloguedByService: []Count{{Key: "Linktree", Count: 3}, {Key: "Payments DB", Count: 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n %+v\nwant\n %+v", got, want)
	}
	empty := failureModeSection(nil, nil, []Count{})
	if empty.Materialised == nil || empty.Unmitigated == nil || empty.ReturnedAfterMitigation == nil || empty.Uncatalogued != 0 {
		t.Fatalf("empty section %+v: lists must be [] in JSON", empty)
	}
}
