package web

import (
	"cmp"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// reportView is what the reports page shows: the pattern report with its
// charts, for the window and service asked for.
type reportView struct {
	Report   *report.Report
	Since    string
	Until    string
	Service  string
	Ranges   []reportRange
	Charts   []*chart
	Problem  string
	Services []string
	Query    string // the filters, for the download links
	// Recurring are the failures the page lists: those with the most
	// incidents in the window, each with its latest incidents (the JSON
	// and the markdown have all).
	Recurring []recurrenceView
	// Names are the services' display names by key.
	Names map[string]string
}

// Bounds on what the page lists of the recurrences.
const (
	groupsShown   = 10
	incidentsEach = 5
)

// recurrenceView is a failure that came back as a page lists it.
type recurrenceView struct {
	report.Recurrence
	Services  []string             // display names
	Incidents []report.IncidentRef // the latest, at most incidentsEach
}

// recurrenceViews names the first groupsShown failures' services and reads
// their latest incidents, in one query for all of them.
func (s *Server) recurrenceViews(c *gin.Context, all []report.Recurrence, names map[string]string) ([]recurrenceView, error) {
	shown := all[:min(len(all), groupsShown)]
	var ids []int64
	for _, g := range shown {
		ids = append(ids, g.IDs[max(0, len(g.IDs)-incidentsEach):]...)
	}
	refs, err := s.store.IncidentRefs(c.Request.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]recurrenceView, len(shown))
	for k, g := range shown {
		v := recurrenceView{Recurrence: g}
		for _, key := range g.Services {
			v.Services = append(v.Services, cmp.Or(names[key], key))
		}
		latest := g.IDs[max(0, len(g.IDs)-incidentsEach):]
		for i := len(latest) - 1; i >= 0; i-- {
			v.Incidents = append(v.Incidents, refs[latest[i]])
		}
		out[k] = v
	}
	return out, nil
}

// reportRange is a window offered in one click.
type reportRange struct{ Label, URL string }

// reportsPage shows the pattern report for a window (since, until) and a
// service, with charts drawn on the server.
func (s *Server) reportsPage(c *gin.Context) {
	v := reportView{Since: c.Query("since"), Until: c.Query("until"), Service: c.Query("service")}
	q := url.Values{}
	for name, value := range map[string]string{"since": v.Since, "until": v.Until, "service": v.Service} {
		if value != "" {
			q.Set(name, value)
		}
	}
	v.Query = q.Encode()
	v.Ranges = reportRanges(time.Now().UTC(), v.Service)
	names, err := s.store.ServiceNames(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	v.Services = names
	if v.Names, err = s.serviceNamesByKey(c); err != nil {
		writeError(c, err)
		return
	}
	r, err := s.buildReport(c)
	status := http.StatusOK
	switch {
	case err == nil:
		v.Report = r
		v.Charts = reportCharts(r)
		if v.Recurring, err = s.recurrenceViews(c, r.Recurring, v.Names); err != nil {
			writeError(c, err)
			return
		}
	case incident.ErrorCode(err) == incident.EMALFORMED:
		status, v.Problem = http.StatusBadRequest, problemText(err)
	default:
		writeError(c, err)
		return
	}
	renderView(c, status, "reports", newView(c, "Reports", "reports", v))
}

// reportCharts are the report's charts, in the order the page shows them.
func reportCharts(r *report.Report) []*chart {
	return []*chart{
		monthlyChart("by-month", "Incidents per month, by outage type", r.ByMonthAndOutageType),
		durationChart("ttr", "Time to resolve, by severity", "Median and 90th percentile.", r.TimeToResolveBySeverity),
		countChart("causes", "Top primary causes", "", r.ByCauseCategory, 10),
		countChart("gaps", "Top detection gaps", "Why incidents were not caught sooner.", r.ByGapCategory, 10),
		countChart("detected", "Detected by", "", r.ByDetectionMethod, 10),
		countChart("factors", "Top contributing factors", "", r.ByFactorCategory, 10),
		countChart("services", "Services with the most incidents", "", r.ByService, 10),
	}
}

// reportRanges are the usual review windows, ending today.
func reportRanges(now time.Time, service string) []reportRange {
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	link := func(since time.Time) string {
		q := url.Values{"since": {day(since)}}
		if service != "" {
			q.Set("service", service)
		}
		return "/reports?" + q.Encode()
	}
	all := "/reports"
	if service != "" {
		all += "?" + url.Values{"service": {service}}.Encode()
	}
	return []reportRange{
		{"Last 30 days", link(now.AddDate(0, 0, -30))},
		{"Last quarter", link(now.AddDate(0, -3, 0))},
		{"Last 12 months", link(now.AddDate(-1, 0, 0))},
		{"All time", all},
	}
}

// problemText is an error's message with its fields, for a page.
func problemText(err error) string {
	msg := incident.ErrorMessage(err)
	if e, ok := err.(*incident.Error); ok {
		for field, m := range e.Fields {
			msg += " " + label(field) + " " + m + "."
		}
	}
	return msg
}
