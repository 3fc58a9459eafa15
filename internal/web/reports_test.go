package web_test

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// fileVariants files variations of the example: two services (one with a
// pipe in its name), every severity, known and unknown resolution times,
// customer and alert detection, and action items due long ago and long
// hence (so "overdue" does not depend on today).
func fileVariants(t *testing.T, a *api) []incident.Incident {
	t.Helper()
	start := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	var out []incident.Incident
	for i := range 9 {
		var inc incident.Incident
		if err := json.Unmarshal(readExample(t), &inc); err != nil {
			t.Fatal(err)
		}
		inc.Title = fmt.Sprintf("Variant %d", i)
		inc.Service = []string{"Linktree", "Payments | API"}[i%2]
		inc.Severity = incident.Severities[i%4]
		inc.DetectionMethod = []incident.DetectionMethod{incident.DetectedByCustomer, incident.DetectedByAlert, incident.DetectedByStaff}[i%3]
		at := start.AddDate(0, 0, 7*i)
		inc.StartedAt, inc.DetectedAt, inc.MitigatedAt = ptrTime(at), ptrTime(at.Add(time.Duration(5+i)*time.Minute)), ptrTime(at.Add(time.Hour))
		inc.ResolvedAt = ptrTime(at.Add(time.Duration(60+13*i*i) * time.Minute))
		if i == 4 {
			inc.ResolvedAt, inc.Status = nil, incident.StatusMonitoring
		}
		inc.Timeline = nil
		inc.ActionItems = []incident.ActionItem{
			{Title: "Old", Kind: incident.ActionPrevent, Status: incident.ActionOpen, DueDate: "2001-01-01"},
			{Title: "Far", Kind: incident.ActionDetect, Status: []incident.ActionStatus{incident.ActionOpen, incident.ActionDone, incident.ActionWontDo}[i%3], DueDate: "2999-01-01"},
		}
		var created incident.Incident
		a.json("POST", "/api/v1/incidents", inc, http.StatusCreated, &created)
		out = append(out, created)
	}
	return out
}

func ptrTime(t time.Time) *time.Time { return &t }

// patternReport is the contract's shape, as a client would read it.
type patternReport struct {
	Window struct {
		Since, Until *time.Time
	} `json:"window"`
	Incidents     int                `json:"incidents"`
	ByService     []keyCount         `json:"by_service"`
	BySeverity    []keyCount         `json:"by_severity"`
	ByMonth       []keyCount         `json:"by_month"`
	TimeToResolve durationSummary    `json:"time_to_resolve"`
	TimeToDetect  durationSummary    `json:"time_to_detect"`
	Recurring     []map[string]any   `json:"recurring"`
	ActionItems   map[string]float64 `json:"action_items"`
	Detection     map[string]any     `json:"detection"`
	DataQuality   map[string]any     `json:"data_quality"`
	Findings      []struct {
		Kind string  `json:"kind"`
		Text string  `json:"text"`
		IDs  []int64 `json:"ids"`
	} `json:"findings"`
	ByCause        []keyCount      `json:"by_cause_category"`
	ByFactor       []keyCount      `json:"by_factor_category"`
	ByGap          []keyCount      `json:"by_gap_category"`
	ByTag          []keyCount      `json:"by_tag"`
	ByOutage       []keyCount      `json:"by_outage_type"`
	ByMethod       []keyCount      `json:"by_detection_method"`
	TimeToMitigate durationSummary `json:"time_to_mitigate"`
}

type keyCount struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

type durationSummary struct {
	Count   int      `json:"count"`
	Median  *float64 `json:"median_minutes"`
	P90     *float64 `json:"p90_minutes"`
	Missing int      `json:"missing"`
}

func TestPatternReportOverHTTP(t *testing.T) {
	a := newAPI(t)
	incs := fileVariants(t, a)
	since, until := "2025-03-10", "2025-04-20T00:00:00Z"
	var r patternReport
	a.json("GET", "/api/v1/reports/patterns?since="+since+"&until="+until, nil, http.StatusOK, &r)

	from, _ := time.Parse(time.DateOnly, since)
	to, _ := time.Parse(time.RFC3339, until)
	var in []incident.Incident
	for _, inc := range incs {
		if !inc.StartedAt.Before(from) && inc.StartedAt.Before(to) {
			in = append(in, inc)
		}
	}
	if r.Incidents != len(in) || len(in) == 0 || len(in) == len(incs) {
		t.Fatalf("incidents %d, want %d of %d", r.Incidents, len(in), len(incs))
	}
	if r.Window.Since == nil || !r.Window.Since.Equal(from) || r.Window.Until == nil || !r.Window.Until.Equal(to) {
		t.Errorf("window %+v", r.Window)
	}
	services, severities := map[string]int{}, map[string]int{}
	var resolve []float64
	missing, open, done, wontDo, items := 0, 0, 0, 0, 0
	for _, inc := range in {
		services[inc.Service]++
		severities[string(inc.Severity)]++
		if inc.ResolvedAt == nil {
			missing++
		} else {
			resolve = append(resolve, inc.ResolvedAt.Sub(*inc.StartedAt).Minutes())
		}
		for _, it := range inc.ActionItems {
			items++
			switch it.Status {
			case incident.ActionOpen:
				open++
			case incident.ActionDone:
				done++
			case incident.ActionWontDo:
				wontDo++
			}
		}
	}
	if got := asMap(r.ByService); !mapsEqual(got, services) || !sortedByCount(r.ByService) {
		t.Errorf("by_service %v, want %v", r.ByService, services)
	}
	if got := asMap(r.BySeverity); !mapsEqual(got, severities) || !sortedByCount(r.BySeverity) {
		t.Errorf("by_severity %v, want %v", r.BySeverity, severities)
	}
	sort.Float64s(resolve)
	n := len(resolve)
	median := resolve[n/2]
	if n%2 == 0 {
		median = (resolve[n/2-1] + resolve[n/2]) / 2
	}
	p90 := resolve[(9*n+9)/10-1]
	if tr := r.TimeToResolve; tr.Count != n || tr.Missing != missing || *tr.Median != median || *tr.P90 != p90 {
		t.Errorf("time_to_resolve %+v (median %v p90 %v), want %d %v %v missing %d", tr, *tr.Median, *tr.P90, n, median, p90, missing)
	}
	ai := r.ActionItems
	if int(ai["open"]) != open || int(ai["done"]) != done || int(ai["overdue"]) != len(in) ||
		ai["completion_rate"] != float64(done)/float64(items-wontDo) {
		t.Errorf("action_items %v, want open %d done %d overdue %d", ai, open, done, len(in))
	}
	var raw map[string]json.RawMessage
	a.json("GET", "/api/v1/reports/patterns", nil, http.StatusOK, &raw)
	for _, key := range []string{"window", "incidents", "by_service", "by_severity", "by_outage_type", "by_tag",
		"by_cause_category", "by_factor_category", "by_gap_category", "by_detection_method", "by_month",
		"time_to_detect", "time_to_mitigate", "time_to_resolve", "recurring", "action_items"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("the report lacks %s", key)
		}
	}
	// All variants share the example's cause: it recurs on each service
	// (the two are not related, so not across them), with nothing done to
	// prevent it, which the first finding says.
	if len(r.Recurring) != 2 {
		t.Errorf("%d recurring failures, want one per service: %v", len(r.Recurring), r.Recurring)
	}
	if len(r.Findings) == 0 || r.Findings[0].Kind != "unmitigated_repeat" || len(r.Findings[0].IDs) < 2 {
		t.Errorf("findings %+v do not start with the failure that came back", r.Findings)
	}
}

func asMap(list []keyCount) map[string]int {
	out := map[string]int{}
	for _, c := range list {
		out[c.Key] = c.Count
	}
	return out
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sortedByCount(list []keyCount) bool {
	return slices.IsSortedFunc(list, func(a, b keyCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
}

func TestPatternReportRefusesBadParameters(t *testing.T) {
	a := newAPI(t)
	fileVariants(t, a)
	tests := []struct{ query, field string }{
		{"since=yesterday", "since"},
		{"until=2025-13-01", "until"},
		{"since=2025-04-01&until=2025-03-01", "until"},
		{"service=nobody", "service"},
	}
	for _, tt := range tests {
		for _, path := range []string{"/api/v1/reports/patterns?", "/api/v1/reports/patterns.md?"} {
			var e apiError
			a.json("GET", path+tt.query, nil, http.StatusBadRequest, &e)
			if e.Error.Code != incident.EMALFORMED || e.Error.Fields[tt.field] == "" {
				t.Errorf("%s%s: %+v", path, tt.query, e.Error)
			}
		}
	}
}

func TestPatternReportAsMarkdown(t *testing.T) {
	a := newAPI(t)
	incs := fileVariants(t, a)
	resp, body := a.get("/api/v1/reports/patterns.md?service=Payments%20%7C%20API")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/markdown; charset=utf-8" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	n := 0
	for _, inc := range incs {
		if inc.ServiceKey == "paymentsapi" {
			n++
		}
	}
	doc := string(body)
	for _, want := range []string{
		"# Reliability review: Payments | API, in all recorded history",
		"## Findings",
		fmt.Sprintf("- The same failure hit Payments | API %d times", n),
		"([#2](/incidents/2), [#4](/incidents/4)",
		`| Payments \| API |`,
		"## Action items",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q:\n%s", want, doc)
		}
	}
}

func TestServiceHistoryOverHTTP(t *testing.T) {
	a := newAPI(t)
	incs := fileVariants(t, a)
	// linktree → stripe → acquirer → linktree: a cycle. storefront → linktree.
	a.json("PATCH", "/api/v1/services/linktree", map[string]any{"depends_on": []string{"Stripe"}, "dependents": []string{"Storefront"},
		"industries": []string{"content creators"}}, http.StatusOK, nil)
	a.json("PATCH", "/api/v1/services/stripe", map[string]any{"depends_on": []string{"Acquirer"}}, http.StatusOK, nil)
	a.json("PATCH", "/api/v1/services/acquirer", map[string]any{"depends_on": []string{"Linktree"}}, http.StatusOK, nil)
	a.json("PATCH", "/api/v1/services/storefront", map[string]any{"industries": []string{"retail"}}, http.StatusOK, nil)

	var svc struct {
		incident.Service
		Incidents       int `json:"incidents"`
		RecentIncidents []struct {
			ID       int64  `json:"id"`
			Title    string `json:"title"`
			Severity string `json:"severity"`
		} `json:"recent_incidents"`
		ByOutageType            []keyCount        `json:"by_outage_type"`
		TimeToResolveBySeverity []json.RawMessage `json:"time_to_resolve_by_severity"`
		RecurringCauses         []json.RawMessage `json:"recurring_causes"`
		DependsOnAll            []struct {
			Key   string   `json:"key"`
			Depth int      `json:"depth"`
			Path  []string `json:"path"`
		} `json:"depends_on_all"`
		DependentsAll []struct {
			Key   string `json:"key"`
			Depth int    `json:"depth"`
		} `json:"dependents_all"`
		IndustriesAffected []struct {
			Industry string   `json:"industry"`
			Via      []string `json:"via"`
		} `json:"industries_affected"`
	}
	a.json("GET", "/api/v1/services/Linktree?recent=2", nil, http.StatusOK, &svc)
	mine := 0
	for _, inc := range incs {
		if inc.ServiceKey == "linktree" {
			mine++
		}
	}
	if svc.Key != "linktree" || svc.Name != "Linktree" || !slices.Equal(svc.DependsOn, []string{"stripe"}) ||
		!slices.Equal(svc.Dependents, []string{"acquirer", "storefront"}) || !slices.Equal(svc.Industries, []string{"content creators"}) {
		t.Errorf("service fields: %+v", svc.Service)
	}
	if svc.Incidents != mine || len(svc.RecentIncidents) != 2 || svc.RecentIncidents[0].Title != "Variant 8" {
		t.Errorf("incidents %d (want %d), recent %+v", svc.Incidents, mine, svc.RecentIncidents)
	}
	if len(svc.ByOutageType) == 0 || len(svc.TimeToResolveBySeverity) == 0 || len(svc.RecurringCauses) == 0 {
		t.Errorf("history: %+v", svc)
	}
	deps := map[string]int{}
	for _, d := range svc.DependsOnAll {
		deps[d.Key] = d.Depth
	}
	if !mapsEqual(deps, map[string]int{"stripe": 1, "acquirer": 2}) {
		t.Errorf("depends_on_all %+v", svc.DependsOnAll)
	}
	dependents := map[string]int{}
	for _, d := range svc.DependentsAll {
		dependents[d.Key] = d.Depth
	}
	if !mapsEqual(dependents, map[string]int{"acquirer": 1, "storefront": 1, "stripe": 2}) {
		t.Errorf("dependents_all %+v", svc.DependentsAll)
	}
	industries := map[string]int{}
	for _, i := range svc.IndustriesAffected {
		industries[i.Industry] = len(i.Via)
	}
	if !mapsEqual(industries, map[string]int{"content creators": 1, "retail": 1}) {
		t.Errorf("industries_affected %+v", svc.IndustriesAffected)
	}

	var e apiError
	a.json("GET", "/api/v1/services/nosuch", nil, http.StatusNotFound, &e)
	a.json("GET", "/api/v1/services/linktree?recent=0", nil, http.StatusBadRequest, &e)
	if e.Error.Fields["recent"] == "" {
		t.Errorf("recent=0: %+v", e.Error)
	}
}

// TestReportsPageShowsTheFindings: the reports page shows each finding
// with links to the incidents behind it, the failures that came back with
// their latest incidents, the returns after a fix and the hotspots, as the
// JSON report has them; a service's page shows its recurrences the same
// way.
func TestReportsPageShowsTheFindings(t *testing.T) {
	a := newAPI(t)
	seedHistory(t, a, 1500)
	var r report.Report
	a.json("GET", "/api/v1/reports/patterns", nil, http.StatusOK, &r)
	if len(r.Findings) == 0 || len(r.Recurring) == 0 || r.ReturnedAfterFix.Count == 0 {
		t.Fatalf("the seeded history gives %d findings, %d recurrences, %d returns", len(r.Findings), len(r.Recurring), r.ReturnedAfterFix.Count)
	}
	a.addUser("mara", incident.RoleViewer, password)
	b := a.browser()
	b.login("mara", password)
	resp, body := b.do("GET", "/reports", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/reports: %d", resp.StatusCode)
	}
	page := string(body)
	link := func(id int64) string { return fmt.Sprintf(`<a href="/incidents/%d">`, id) }
	for _, f := range r.Findings {
		at := strings.Index(page, template.HTMLEscapeString(f.Text))
		if at < 0 {
			t.Errorf("the page lacks the finding %q", f.Text)
			continue
		}
		item, _, _ := strings.Cut(page[at:], "</li>")
		if !strings.Contains(item, link(f.IDs[0])) {
			t.Errorf("the finding %q does not link incident %d: %s", f.Text, f.IDs[0], item)
		}
	}
	section := func(page, id string) string {
		_, after, _ := strings.Cut(page, `aria-labelledby="`+id+`"`)
		s, _, _ := strings.Cut(after, "</section>")
		return s
	}
	recurring := section(page, "recurring-h")
	if n := strings.Count(recurring, `<details class="recurrence">`); n != min(len(r.Recurring), 10) {
		t.Errorf("the page lists %d recurrences, want %d", n, min(len(r.Recurring), 10))
	}
	for _, g := range r.Recurring[:min(len(r.Recurring), 10)] {
		if !strings.Contains(recurring, link(g.IDs[len(g.IDs)-1])) {
			t.Errorf("the page does not link the latest incident (%d) of a recurrence", g.IDs[len(g.IDs)-1])
		}
	}
	returns := section(page, "returns-h")
	for _, x := range r.ReturnedAfterFix.Items[:min(len(r.ReturnedAfterFix.Items), 10)] {
		if !strings.Contains(returns, link(x.Incident.ID)) || !strings.Contains(returns, fmt.Sprintf(`href="/incidents/%d"`, x.Repeats.ID)) {
			t.Errorf("the returns do not link incident %d and the one it repeats (%d)", x.Incident.ID, x.Repeats.ID)
		}
	}
	if n := strings.Count(section(page, "hotspots-h"), `<tr><th scope="row"`); n != min(len(r.Hotspots), 10) {
		t.Errorf("the page lists %d hotspots, want %d", n, min(len(r.Hotspots), 10))
	}

	key := r.Recurring[0].Services[0]
	var svc report.ServiceHistory
	a.json("GET", "/api/v1/services/"+key, nil, http.StatusOK, &svc)
	resp, body = b.do("GET", "/services/"+key, "", nil)
	if resp.StatusCode != http.StatusOK || len(svc.RecurringCauses) == 0 {
		t.Fatalf("/services/%s: %d, %d recurrences", key, resp.StatusCode, len(svc.RecurringCauses))
	}
	recurring = section(string(body), "recurring-h")
	for _, g := range svc.RecurringCauses[:min(len(svc.RecurringCauses), 10)] {
		if !strings.Contains(recurring, link(g.IDs[len(g.IDs)-1])) {
			t.Errorf("the service page does not link the latest incident (%d) of a recurrence", g.IDs[len(g.IDs)-1])
		}
	}
}
