package web

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// listFilter reads the list filters from the query string, refusing values
// that could never match (SEV9, a malformed date) rather than answering an
// empty page.
func listFilter(c *gin.Context) (incident.Filter, error) {
	return filterFrom(c, listParams)
}

// filterFrom reads the list filters after checking that the query string
// holds only the parameters allowed, each once.
func filterFrom(c *gin.Context, allowed []string) (incident.Filter, error) {
	if err := checkParams(c, allowed); err != nil {
		return incident.Filter{}, err
	}
	var errs incident.FieldErrors
	f := incident.Filter{
		Service:          c.Query("service"),
		Severity:         incident.Severity(c.Query("severity")),
		Statuses:         statusList(c.Query("status")),
		PostmortemStatus: incident.PostmortemStatus(c.Query("postmortem_status")),
		Sort:             incident.Sort(c.Query("sort")),
		OutageType:       incident.OutageType(c.Query("outage_type")),
		CauseCategory:    c.Query("cause_category"),
		Tag:              c.Query("tag"),
		Query:            c.Query("q"),
		Cursor:           c.Query("cursor"),
	}
	checkEnum(&errs, "severity", f.Severity, incident.Severities)
	for _, st := range f.Statuses {
		checkEnum(&errs, "status", st, incident.Statuses)
	}
	checkEnum(&errs, "postmortem_status", f.PostmortemStatus, incident.PostmortemStatuses)
	checkEnum(&errs, "sort", f.Sort, incident.Sorts)
	checkEnum(&errs, "outage_type", f.OutageType, incident.OutageTypes)
	f.Since = parseTimeParam(c, "since", &errs)
	f.Until = parseTimeParam(c, "until", &errs)
	f.Limit = limitParam(c, &errs)
	return f, badParams(&errs)
}

// limitParam reads the page size, 0 when the query does not say.
func limitParam(c *gin.Context, errs *incident.FieldErrors) int {
	raw := c.Query("limit")
	if raw == "" {
		return 0
	}
	limit, ok := incident.ParseCount(raw, incident.MaxLimit)
	if !ok {
		errs.Add("limit", "must be a number from 1 to "+strconv.Itoa(incident.MaxLimit))
	}
	return int(limit)
}

// statusList reads a status filter: one status, or several separated by
// commas ("investigating,identified,monitoring": every open incident).
func statusList(raw string) []incident.Status {
	var out []incident.Status
	for part := range strings.SplitSeq(raw, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, incident.Status(part))
		}
	}
	return out
}

func checkEnum[T ~string](errs *incident.FieldErrors, name string, value T, allowed []T) {
	if value != "" && !slices.Contains(allowed, value) {
		errs.Add(name, incident.MustBeOneOf(allowed))
	}
}
