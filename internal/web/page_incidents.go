package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// listFields are the list's filters as the URL carries them, in the order
// the page shows them.
var listFields = []string{"q", "service", "severity", "status", "postmortem_status", "outage_type", "cause_category", "tag", "since", "until", "sort", "limit"}

// listQuery is the list's URL query: the filters it was asked with, which
// links keep (to the next page, to remove one filter).
type listQuery struct {
	values url.Values
	page   int
}

func newListQuery(raw url.Values) listQuery {
	q := listQuery{values: url.Values{}, page: 1}
	for _, name := range listFields {
		if v := strings.TrimSpace(raw.Get(name)); v != "" {
			q.values.Set(name, v)
		}
	}
	if n, err := strconv.Atoi(raw.Get("page")); err == nil && n > 1 {
		q.page = n
	}
	return q
}

// Get is a filter's value.
func (q listQuery) Get(name string) string { return q.values.Get(name) }

// Without is the list's URL without one filter (and from its first page).
func (q listQuery) Without(name string) string {
	v := cloneValues(q.values)
	v.Del(name)
	return listURL(v)
}

// Next is the URL of the page after this one.
func (q listQuery) Next(cursor string) string {
	v := cloneValues(q.values)
	v.Set("cursor", cursor)
	v.Set("page", strconv.Itoa(q.page+1))
	return listURL(v)
}

// First is the URL of the first page with the same filters.
func (q listQuery) First() string { return listURL(q.values) }

// Page is the number of the page shown, counted as the person moved on.
func (q listQuery) Page() int { return q.page }

// Active lists the filters in use, for the removable chips above the list.
func (q listQuery) Active() []activeFilter {
	var out []activeFilter
	for _, name := range listFields {
		if v := q.values.Get(name); v != "" && name != "sort" && name != "limit" {
			out = append(out, activeFilter{Name: name, Value: v, Remove: q.Without(name)})
		}
	}
	return out
}

// ExportURL downloads the incidents of the list as a zip of post-mortems.
func (q listQuery) ExportURL() string {
	v := cloneValues(q.values)
	v.Del("sort")
	v.Del("limit")
	if len(v) == 0 {
		return "/api/v1/export.zip"
	}
	return "/api/v1/export.zip?" + v.Encode()
}

type activeFilter struct{ Name, Value, Remove string }

func listURL(v url.Values) string {
	if len(v) == 0 {
		return "/incidents"
	}
	return "/incidents?" + v.Encode()
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// choices are the values the filters and forms offer.
type choices struct {
	Severities         []incident.Severity
	Statuses           []incident.Status
	PostmortemStatuses []incident.PostmortemStatus
	OutageTypes        []incident.OutageType
	DetectionMethods   []incident.DetectionMethod
	ActionKinds        []incident.ActionKind
	ActionStatuses     []incident.ActionStatus
	Causes, Gaps       []string
	Services           []string
	Sorts              []incident.Sort
	OpenStatuses       string
}

// PageStore is what the pages need from storage beyond the API's: the
// vocabularies to offer and the service names to suggest.
type PageStore interface {
	Vocabulary(ctx context.Context) (incident.Vocabulary, error)
	ServiceNames(ctx context.Context) ([]string, error)
}

// choicesFor reads what the vocabularies and the services hold now.
func (s *Server) choicesFor(ctx context.Context) (choices, error) {
	vocab, err := s.store.Vocabulary(ctx)
	if err != nil {
		return choices{}, err
	}
	services, err := s.store.ServiceNames(ctx)
	if err != nil {
		return choices{}, err
	}
	var open []string
	for _, st := range openStatuses {
		open = append(open, string(st))
	}
	return choices{
		Severities: incident.Severities, Statuses: incident.Statuses, PostmortemStatuses: incident.PostmortemStatuses,
		OutageTypes: incident.OutageTypes, DetectionMethods: incident.DetectionMethods,
		ActionKinds: incident.ActionKinds, ActionStatuses: incident.ActionStatuses,
		Causes: vocab.Causes, Gaps: vocab.Gaps, Services: services, Sorts: incident.Sorts,
		OpenStatuses: strings.Join(open, ","),
	}, nil
}

// incidentList is what the list page shows.
type incidentList struct {
	Query   listQuery
	Page    *incident.Page
	Choices choices
	// Problem is set when a filter could not be read; the filters are
	// shown as typed, with the problem beside them.
	Problem string
	Errors  map[string]string
}

// incidentsPage lists incidents with the API's filters, full-text search,
// a choice of order and cursor pagination; the filters live in the URL,
// so a list can be bookmarked and shared.
func (s *Server) incidentsPage(c *gin.Context) {
	ctx := c.Request.Context()
	ch, err := s.choicesFor(ctx)
	if err != nil {
		writeError(c, err)
		return
	}
	data := incidentList{Query: newListQuery(c.Request.URL.Query()), Choices: ch, Page: &incident.Page{}}
	status := http.StatusOK
	filter, err := filterFrom(c, pageListParams)
	if err == nil {
		data.Page, err = s.store.ListIncidents(ctx, filter)
	}
	if err != nil {
		if incident.ErrorCode(err) != incident.EMALFORMED {
			writeError(c, err)
			return
		}
		status, data.Problem = http.StatusBadRequest, incident.ErrorMessage(err)
		if e, ok := err.(*incident.Error); ok {
			data.Errors = e.Fields
		}
	}
	renderView(c, status, "incidents", newView(c, "Incidents", "incidents", data))
}
