package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/seed"
)

// seedHistory files n synthetic incidents with the seed's service
// catalogue, as `aftermath seed` does, and returns them.
func seedHistory(t *testing.T, a *api, n int) []*incident.Incident {
	t.Helper()
	if err := a.store.DefineServices(t.Context(), seed.Services()); err != nil {
		t.Fatal(err)
	}
	incs := seed.NewGenerator(11, time.Now().UTC()).Batch(n)
	if err := a.store.CreateIncidents(t.Context(), incs); err != nil {
		t.Fatal(err)
	}
	return incs
}

// TestBrowserReadingAndAdministering reads the reports, services and
// action items as a viewer, who sees no control they may not use and is
// refused when they try anyway, and runs the admin pages as an admin.
func TestBrowserReadingAndAdministering(t *testing.T) {
	a := newAPI(t)
	startChromium(t)
	incs := seedHistory(t, a, 80)
	a.addUser("mara", incident.RoleViewer, password)
	a.addUser("ada", incident.RoleAdmin, password)

	viewer := newTab(t, a)
	viewer.login("mara", password)
	viewer.check("dashboard as a viewer")
	if viewer.count(`a[href="/incidents/new"]`) != 0 || viewer.count(`a[href="/admin/users"]`) != 0 {
		t.Fatal("a viewer is offered filing or administration")
	}

	// The reports page and its charts: each an SVG with its numbers in a
	// table beside it.
	viewer.open("/reports")
	captions := eval[[]string](viewer, `Array.from(document.querySelectorAll("figure.chart figcaption")).map(function (c) { return c.firstChild.textContent.trim(); })`)
	for _, want := range []string{"Incidents per month, by outage type", "Time to resolve, by severity", "Top primary causes", "Top detection gaps", "Detected by"} {
		if !slices.Contains(captions, want) {
			t.Errorf("the reports page has no chart %q: %v", want, captions)
		}
	}
	if n, tables := viewer.count("figure.chart svg[role=img] rect"), viewer.count("figure.chart table tbody tr"); n < 20 || tables < 20 {
		t.Fatalf("charts: %d bars, %d table rows", n, tables)
	}
	// The monthly chart counts what the API's report counts.
	var rep struct {
		ByMonth []struct {
			Key   string
			Count int
		} `json:"by_month"`
	}
	a.json("GET", "/api/v1/reports/patterns", nil, http.StatusOK, &rep)
	months := eval[int](viewer, `document.querySelectorAll("#by-month-caption ~ .chart-body tbody tr").length`)
	if months != len(rep.ByMonth) {
		t.Errorf("the monthly table has %d months, the report %d", months, len(rep.ByMonth))
	}
	viewer.check("reports")
	viewer.set("#r-since", time.Now().UTC().AddDate(0, -6, 0).Format(time.DateOnly))
	viewer.submit("form.filters button[type=submit]")
	if loc := viewer.location(); !strings.Contains(loc, "since=") {
		t.Fatalf("the report window is not in the address: %s", loc)
	}
	viewer.check("reports for six months")

	// Services: the list, and the busiest one's page with its charts and
	// its blast radius.
	viewer.open("/services")
	viewer.check("services")
	busiest := map[string]int{}
	for _, inc := range incs {
		busiest[inc.ServiceKey]++
	}
	key := ""
	for k, n := range busiest {
		if n > busiest[key] || n == busiest[key] && k < key {
			key = k
		}
	}
	viewer.open("/services/" + key)
	if viewer.count("figure.chart") != 3 || !strings.Contains(viewer.text("aside"), "Depends on") {
		t.Fatalf("service page: %s", viewer.text("main"))
	}
	if viewer.count(`form[action="/services/`+key+`"]`) != 0 {
		t.Fatal("a viewer is offered the service's edit form")
	}
	viewer.check("service page")

	// Action items across incidents, and one owner's.
	viewer.open("/action-items")
	owners := eval[[]string](viewer, `Array.from(document.querySelectorAll("aside tbody a")).map(function (a) { return a.textContent; })`)
	if len(owners) == 0 || viewer.count("table.actions tbody tr") == 0 || viewer.count("table.actions select") != 0 {
		t.Fatalf("action items: %d owners, %d rows", len(owners), viewer.count("table.actions tbody tr"))
	}
	viewer.check("action items")
	owner := owners[0]
	viewer.do(chromedp.Click(chromedp.CSS("aside tbody a")))
	viewer.do(chromedp.WaitReady(chromedp.CSS("h1")))
	listed := eval[[]string](viewer, `Array.from(document.querySelectorAll("table.actions td[data-label=Owner]")).map(function (td) { return td.textContent.trim(); })`)
	if len(listed) == 0 || slices.ContainsFunc(listed, func(o string) bool { return o != owner && !(owner == "nobody" && o == "nobody") }) {
		t.Fatalf("%s's action items: %v", owner, listed)
	}
	viewer.open("/action-items?show=overdue")
	viewer.check("overdue action items")

	// An incident as a viewer: nothing to change, and a try is refused.
	viewer.open(fmt.Sprintf("/incidents/%d", incs[0].ID))
	for _, sel := range []string{`a[href$="/edit"]`, "form.comment-form", `form[action$="/status"]`, "form.item-status-form"} {
		if viewer.count(sel) != 0 {
			t.Errorf("a viewer sees %s", sel)
		}
	}
	status := eval[int](viewer, fmt.Sprintf(`(function () {
  var f = new FormData(); f.append("status", "resolved"); f.append("version", "1");
  return fetch("/incidents/%d/status", {method: "POST", body: f, redirect: "manual"}).then(function (r) { return r.status; });
})()`, incs[0].ID))
	if status != http.StatusForbidden {
		t.Fatalf("a viewer's status change: %d", status)
	}
	viewer.expect("status of 403")
	viewer.check("incident page as a viewer")

	// Their own account: a token, shown once.
	viewer.open("/account")
	viewer.set("#t-label", "laptop")
	viewer.submit(`form[action="/account/tokens"] button`)
	secret := eval[string](viewer, `(document.getElementById("new-token-value") || {value: ""}).value`)
	if !strings.HasPrefix(secret, "aft_") {
		t.Fatalf("the new token is not shown: %q", secret)
	}
	var me map[string]any
	a.withToken(secret).json("GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me["name"] != "mara" {
		t.Fatalf("the token acts as %v", me["name"])
	}
	viewer.check("account with a new token")
	viewer.open("/account")
	if viewer.count("#new-token-value") != 0 {
		t.Fatal("the token's secret is shown a second time")
	}

	// The admin pages.
	admin := newTab(t, a)
	admin.login("ada", password)
	admin.open("/admin/users")
	admin.check("accounts")
	admin.set("#u-name", "sam")
	admin.set("#u-role", "responder")
	admin.set("#u-password", "a long enough password")
	admin.submit(`form[action="/admin/users"] button`)
	if !strings.Contains(admin.text(".flash"), "sam (responder)") {
		t.Fatalf("adding an account: %s", admin.text("main"))
	}
	admin.set("#role-sam", "viewer")
	admin.submit(`form[action="/admin/users/sam"] button[value=role]`)
	if u, err := a.accounts.User(t.Context(), "sam"); err != nil || u.Role != incident.RoleViewer {
		t.Fatalf("sam's role: %v %v", u, err)
	}
	admin.set("#u-name", "Not Valid!")
	admin.set("#u-password", "short")
	admin.submit(`form[action="/admin/users"] button`)
	admin.expect("status of 422")
	if admin.count(".alert-error") != 1 || eval[string](admin, `document.getElementById("u-name").value`) != "Not Valid!" {
		t.Fatalf("a refused account: %s", admin.text("main"))
	}
	admin.check("accounts with a mistake")
	admin.open("/admin/tokens")
	if !strings.Contains(admin.text("table"), "laptop") {
		t.Fatalf("the admin does not see mara's token: %s", admin.text("main"))
	}
	admin.check("tokens")
	admin.open("/admin/vocabularies")
	admin.set("#v-kind", "gap")
	admin.set("#v-slug", "synthetic-checks")
	admin.submit(`form[action="/admin/vocabularies"] button`)
	if !strings.Contains(admin.text("main"), "synthetic-checks") {
		t.Fatalf("adding a category: %s", admin.text("main"))
	}
	admin.check("vocabularies")
	admin.open(fmt.Sprintf("/incidents/%d/delete", incs[1].ID))
	admin.check("delete an incident")
	admin.submit("form button.button-danger")
	if got, _ := a.do("GET", fmt.Sprintf("/api/v1/incidents/%d", incs[1].ID), nil); got != http.StatusNotFound {
		t.Fatalf("the deleted incident answers %d", got)
	}
}
