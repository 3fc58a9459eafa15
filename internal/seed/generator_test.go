package seed

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// anchor is the fixed "now" of the tests.
var anchor = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestReproducible(t *testing.T) {
	tests := []struct {
		name   string
		seedA  uint64
		seedB  uint64
		nowB   time.Time
		wantEq bool
	}{
		{"same seed and now", 7, 7, anchor, true},
		{"different seed", 7, 8, anchor, false},
		{"different now", 7, 7, anchor.Add(-48 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewGenerator(tt.seedA, anchor).Batch(2000)
			gb := NewGenerator(tt.seedB, tt.nowB)
			b := make([]*incident.Incident, 2000)
			for i := range b {
				inc := gb.Next()
				b[i] = &inc
			}
			if eq := reflect.DeepEqual(a, b); eq != tt.wantEq {
				t.Fatalf("DeepEqual = %v, want %v", eq, tt.wantEq)
			}
		})
	}
}

func TestNowInOtherZoneIsSameSequence(t *testing.T) {
	zone := time.FixedZone("UTC+2", 2*3600)
	a := NewGenerator(3, anchor).Batch(200)
	b := NewGenerator(3, anchor.In(zone)).Batch(200)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the anchor's time zone changed the sequence")
	}
}

func TestValidAndCanonical(t *testing.T) {
	vocab := incident.DefaultVocabulary()
	for _, seed := range []uint64{1, 42, 20260501} {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			g := NewGenerator(seed, anchor)
			twin := NewGenerator(seed, anchor)
			for i := range 5000 {
				inc := g.Next()
				want := twin.Next()
				inc.Normalize()
				if err := inc.ValidateFiled(vocab); err != nil {
					t.Fatalf("seed %d incident %d invalid: %v", seed, i, err)
				}
				if !reflect.DeepEqual(inc, want) {
					t.Fatalf("seed %d incident %d: Normalize changed a generated incident", seed, i)
				}
				checkInvariants(t, &want)
			}
		})
	}
}

// checkInvariants asserts what the domain does not enforce but the data
// should respect.
func checkInvariants(t *testing.T, inc *incident.Incident) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%q: "+format, append([]any{inc.Title}, args...)...)
	}
	if inc.StartedAt == nil || inc.StartedAt.After(anchor) || inc.StartedAt.Before(anchor.Add(-history-24*time.Hour)) {
		fail("started_at %v outside the history window", inc.StartedAt)
	}
	prev := *inc.StartedAt
	for _, ts := range []*time.Time{inc.DetectedAt, inc.MitigatedAt, inc.ResolvedAt} {
		if ts == nil {
			continue
		}
		if ts.Before(prev) || ts.After(anchor) {
			fail("timestamps out of order or in the future")
		}
		prev = *ts
	}
	resolved := inc.Status == incident.StatusResolved
	if !resolved && inc.ResolvedAt != nil {
		fail("unresolved incident has resolved_at")
	}
	if (inc.Status == incident.StatusInvestigating || inc.Status == incident.StatusIdentified) && inc.MitigatedAt != nil {
		fail("%s incident has mitigated_at", inc.Status)
	}
	if inc.Severity == "" || inc.Title == "" || inc.Summary == "" || inc.Description == "" || inc.Impact.Description == "" {
		fail("missing text")
	}
	if len(inc.OutageTypes) == 0 || len(inc.Tags) == 0 || len(inc.Links) == 0 {
		fail("missing outage types, tags or links")
	}
	if n := len(inc.ActionItems); n < 1 || n > 5 {
		fail("%d action items", n)
	}
	startDay := inc.StartedAt.Format(time.DateOnly)
	for _, a := range inc.ActionItems {
		if a.DueDate <= startDay {
			fail("due date %s not after the start", a.DueDate)
		}
		if (a.Status == incident.ActionDone) != (a.DoneAt != nil) {
			fail("done_at set iff done: %+v", a)
		}
		if a.DoneAt != nil && (!a.DoneAt.After(*inc.StartedAt) || a.DoneAt.After(anchor)) {
			fail("done_at %v outside (started, now]", a.DoneAt)
		}
		if a.Owner == "" {
			fail("action item without owner")
		}
	}
	if n := len(inc.Timeline); n < 3 || n > 8 {
		fail("%d timeline entries", n)
	}
	end := anchor
	if resolved && inc.ResolvedAt != nil {
		end = *inc.ResolvedAt
	}
	for i, e := range inc.Timeline {
		if e.At.Before(*inc.StartedAt) || e.At.After(end) {
			fail("timeline entry %d at %v outside [started, end]", i, e.At)
		}
		if i > 0 && e.At.Before(inc.Timeline[i-1].At) {
			fail("timeline not in time order")
		}
	}
	for _, l := range inc.Links {
		if !strings.HasPrefix(l.URL, "https://") || !strings.Contains(l.URL, ".example.com/") {
			fail("link %q not on an example.com domain", l.URL)
		}
	}
	if strings.ContainsAny(inc.Title+inc.Description+inc.PrimaryCause.Description, "{}") {
		fail("unrendered slot")
	}
}

func TestCatalogueMatchesVocabulary(t *testing.T) {
	var causes, gaps []string
	for _, k := range causeKinds {
		causes = append(causes, k.slug)
	}
	for _, k := range gapKinds {
		gaps = append(gaps, k.slug)
	}
	if !reflect.DeepEqual(causes, incident.DefaultCauseCategories) {
		t.Errorf("cause kinds %v, want %v", causes, incident.DefaultCauseCategories)
	}
	if !reflect.DeepEqual(gaps, incident.DefaultGapCategories) {
		t.Errorf("gap kinds %v, want %v", gaps, incident.DefaultGapCategories)
	}
	keys := map[string]bool{}
	for _, s := range Services() {
		if keys[s.Key] {
			t.Errorf("duplicate service key %q", s.Key)
		}
		keys[s.Key] = true
	}
	for _, s := range Services() {
		for _, d := range s.DependsOn {
			if !keys[d] {
				t.Errorf("%s depends on unknown key %q", s.Name, d)
			}
		}
	}
	if n := len(keys); n < 35 || n > 45 {
		t.Errorf("%d services, want about 40", n)
	}
}

func TestHumanise(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "about a minute"},
		{45 * time.Minute, "about 45 minutes"},
		{70 * time.Minute, "about an hour"},
		{150 * time.Minute, "about 3 hours"},
		{72 * time.Hour, "about 3 days"},
	}
	for _, tt := range tests {
		if got := humanise(tt.d); got != tt.want {
			t.Errorf("humanise(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	if got := dateOnly(anchor); got != "2026-05-01" {
		t.Errorf("dateOnly = %q", got)
	}
}

func BenchmarkNext(b *testing.B) {
	g := NewGenerator(1, anchor)
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Next()
	}
}

func TestCauseKindsConsistent(t *testing.T) {
	for _, k := range causeKinds {
		if len(k.mechTriggers) != len(k.mechanisms) {
			t.Errorf("%s: %d mechanism triggers for %d mechanisms", k.slug, len(k.mechTriggers), len(k.mechanisms))
		}
		for _, i := range k.mechTriggers {
			if i >= len(k.triggers) {
				t.Errorf("%s: trigger %d out of range", k.slug, i)
			}
		}
		if len(k.details) == 0 || len(k.factors) == 0 || len(k.prevents) == 0 || len(k.mitigations) == 0 || len(k.errors) == 0 || len(k.tags) == 0 {
			t.Errorf("%s: missing content", k.slug)
		}
	}
}
