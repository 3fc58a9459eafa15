package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// incidentForm is the incident form's values, by the JSON field names of
// the incident ("title", "primary_cause.category", …). A list is sent as
// one column per field, each row's values at the same position
// ("action_items.title", "action_items.owner", …), so that a script can
// add a row by copying one. The form is the same whether it was filled
// from a stored incident or posted by a person: a form that fails to
// save shows exactly what was typed.
//
// The form only decodes: it turns text into typed values and reports
// text that cannot be read (a malformed time, a number that is not one).
// Every rule is the domain's (incident.Validate, through the store).
type incidentForm struct {
	values url.Values
}

// formList describes a list of the incident as form columns. blank are
// the columns that say whether a row holds anything: a row with all of
// them empty is left out, which is how a person removes a row without a
// script, and how the spare empty rows of the form are ignored.
type formList struct {
	name    string
	columns []string
	blank   []string
}

var (
	factorsList  = formList{"contributing_factors", []string{"category", "description"}, []string{"category", "description"}}
	gapsList     = formList{"detection_gaps", []string{"category", "description"}, []string{"category", "description"}}
	actionsList  = formList{"action_items", []string{"title", "kind", "owner", "due_date", "status", "addresses", "done_at"}, []string{"title", "owner", "due_date"}}
	timelineList = formList{"timeline", []string{"at", "kind", "text"}, []string{"at", "kind", "text"}}
	linksList    = formList{"links", []string{"title", "url"}, []string{"title", "url"}}
	formLists    = []formList{factorsList, gapsList, actionsList, timelineList, linksList}
)

// Scalar fields, as the form names them.
var formScalars = []string{
	"title", "service", "component", "severity", "status", "postmortem_status", "detection_method",
	"started_at", "detected_at", "mitigated_at", "resolved_at",
	"summary", "description", "impact.description", "impact.affected_users", "impact.affected_dependents",
	"primary_cause.category", "primary_cause.description", "primary_cause.trigger",
	"lessons.went_well", "lessons.went_wrong", "lessons.got_lucky", "tags", "version",
}

// formTimeLayouts are the forms a time may be typed in: what a
// datetime-local input sends (seconds optional), and RFC 3339 for those
// who paste one. Times without a zone are UTC, as the form says.
var formTimeLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04"}

// formOf fills a form from an incident.
func formOf(inc *incident.Incident) *incidentForm {
	v := url.Values{}
	set := func(name, value string) { v.Set(name, value) }
	set("title", inc.Title)
	set("service", inc.Service)
	set("component", inc.Component)
	set("severity", string(inc.Severity))
	set("status", string(inc.Status))
	set("postmortem_status", string(inc.PostmortemStatus))
	set("detection_method", string(inc.DetectionMethod))
	for _, t := range inc.OutageTypes {
		v.Add("outage_types", string(t))
	}
	for _, m := range inc.FailureModes {
		v.Add("failure_modes", m)
	}
	for name, t := range map[string]*time.Time{"started_at": inc.StartedAt, "detected_at": inc.DetectedAt, "mitigated_at": inc.MitigatedAt, "resolved_at": inc.ResolvedAt} {
		set(name, formTime(t))
	}
	set("summary", inc.Summary)
	set("description", inc.Description)
	set("impact.description", inc.Impact.Description)
	if inc.Impact.AffectedUsers != nil {
		set("impact.affected_users", strconv.FormatInt(*inc.Impact.AffectedUsers, 10))
	}
	set("impact.affected_dependents", strings.Join(inc.Impact.AffectedDependents, "\n"))
	set("primary_cause.category", inc.PrimaryCause.Category)
	set("primary_cause.description", inc.PrimaryCause.Description)
	set("primary_cause.trigger", inc.PrimaryCause.Trigger)
	set("lessons.went_well", inc.Lessons.WentWell)
	set("lessons.went_wrong", inc.Lessons.WentWrong)
	set("lessons.got_lucky", inc.Lessons.GotLucky)
	set("tags", strings.Join(inc.Tags, ", "))
	if inc.Version > 0 {
		set("version", strconv.Itoa(inc.Version))
	}
	row := func(list formList, values ...string) {
		for i, col := range list.columns {
			v.Add(list.name+"."+col, values[i])
		}
	}
	for _, f := range inc.ContributingFactors {
		row(factorsList, f.Category, f.Description)
	}
	for _, g := range inc.DetectionGaps {
		row(gapsList, g.Category, g.Description)
	}
	for _, a := range inc.ActionItems {
		row(actionsList, a.Title, string(a.Kind), a.Owner, a.DueDate, string(a.Status), a.Addresses, formTime(a.DoneAt))
	}
	for _, e := range inc.Timeline {
		row(timelineList, formTime(&e.At), e.Kind, e.Text)
	}
	for _, l := range inc.Links {
		row(linksList, l.Title, l.URL)
	}
	return &incidentForm{values: v}
}

// parseForm reads a posted form, keeping only its known fields and
// leaving out the rows that hold nothing.
func parseForm(posted url.Values) *incidentForm {
	v := url.Values{}
	for _, name := range formScalars {
		if value, ok := posted[name]; ok && len(value) > 0 {
			v.Set(name, value[0])
		}
	}
	v["outage_types"] = posted["outage_types"]
	v["failure_modes"] = posted["failure_modes"]
	for _, list := range formLists {
		rows := 0
		for _, col := range list.columns {
			rows = max(rows, len(posted[list.name+"."+col]))
		}
		for r := range rows {
			cell := func(col string) string {
				if column := posted[list.name+"."+col]; r < len(column) {
					return column[r]
				}
				return ""
			}
			if !slices.ContainsFunc(list.blank, func(col string) bool { return strings.TrimSpace(cell(col)) != "" }) {
				continue
			}
			for _, col := range list.columns {
				v.Add(list.name+"."+col, cell(col))
			}
		}
	}
	return &incidentForm{values: v}
}

func formTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

// Value is a scalar field as the form shows it.
func (f *incidentForm) Value(name string) string { return f.values.Get(name) }

// Has reports whether a multi-valued field (the outage type and failure
// mode checkboxes) holds value.
func (f *incidentForm) Has(name, value string) bool { return slices.Contains(f.values[name], value) }

// Rows are a list's rows as the form shows them.
func (f *incidentForm) Rows(name string) []formRow {
	list, _ := listNamed(name)
	n := len(f.values[list.name+"."+list.columns[0]])
	rows := make([]formRow, n)
	for r := range rows {
		rows[r] = formRow{Index: r, cells: map[string]string{}}
		for _, col := range list.columns {
			if column := f.values[list.name+"."+col]; r < len(column) {
				rows[r].cells[col] = column[r]
			}
		}
	}
	return rows
}

// addRow gives a list one more empty row (the "Add" button without a
// script).
func (f *incidentForm) addRow(name string) {
	list, ok := listNamed(name)
	if !ok {
		return
	}
	for _, col := range list.columns {
		f.values.Add(list.name+"."+col, "")
	}
}

func listNamed(name string) (formList, bool) {
	for _, l := range formLists {
		if l.name == name {
			return l, true
		}
	}
	return formList{}, false
}

// formRow is one row of a list in the form.
type formRow struct {
	Index int
	cells map[string]string
}

// Get is a cell of the row.
func (r formRow) Get(col string) string { return r.cells[col] }

// incident decodes the form onto base, a copy of the stored incident (or
// a new one): the fields the form shows are replaced, the others (the id,
// external id, extra front-matter keys) are kept. Text that cannot be
// read is reported by field name, as the domain reports its own rules.
func (f *incidentForm) incident(base incident.Incident) (*incident.Incident, formErrors) {
	errs := formErrors{}
	inc := base
	v := f.values
	inc.Title = v.Get("title")
	inc.Service = v.Get("service")
	inc.Component = v.Get("component")
	inc.Severity = incident.Severity(v.Get("severity"))
	inc.Status = incident.Status(v.Get("status"))
	inc.PostmortemStatus = incident.PostmortemStatus(v.Get("postmortem_status"))
	inc.DetectionMethod = incident.DetectionMethod(v.Get("detection_method"))
	inc.OutageTypes = nil
	for _, t := range v["outage_types"] {
		inc.OutageTypes = append(inc.OutageTypes, incident.OutageType(t))
	}
	inc.FailureModes = slices.Clone(v["failure_modes"])
	inc.StartedAt = parseFormTime(errs, "started_at", v.Get("started_at"))
	inc.DetectedAt = parseFormTime(errs, "detected_at", v.Get("detected_at"))
	inc.MitigatedAt = parseFormTime(errs, "mitigated_at", v.Get("mitigated_at"))
	inc.ResolvedAt = parseFormTime(errs, "resolved_at", v.Get("resolved_at"))
	inc.Summary = v.Get("summary")
	inc.Description = v.Get("description")
	inc.Impact = incident.Impact{Description: v.Get("impact.description"), AffectedDependents: lines(v.Get("impact.affected_dependents"))}
	if raw := strings.TrimSpace(strings.ReplaceAll(v.Get("impact.affected_users"), ",", "")); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			errs.Add("impact.affected_users", "must be a whole number")
		} else {
			inc.Impact.AffectedUsers = &n
		}
	}
	inc.PrimaryCause = incident.Cause{Category: v.Get("primary_cause.category"),
		Description: v.Get("primary_cause.description"), Trigger: strings.TrimSpace(v.Get("primary_cause.trigger"))}
	inc.Lessons = incident.Lessons{WentWell: v.Get("lessons.went_well"), WentWrong: v.Get("lessons.went_wrong"), GotLucky: v.Get("lessons.got_lucky")}
	inc.Tags = nil
	for t := range strings.SplitSeq(v.Get("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			inc.Tags = append(inc.Tags, t)
		}
	}
	if raw := v.Get("version"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			errs.Add("version", "must be the version the incident was read at")
		}
		inc.Version = n
	}

	inc.ContributingFactors, inc.DetectionGaps = nil, nil
	for _, r := range f.Rows(factorsList.name) {
		inc.ContributingFactors = append(inc.ContributingFactors, incident.Finding{Category: r.Get("category"), Description: r.Get("description")})
	}
	for _, r := range f.Rows(gapsList.name) {
		inc.DetectionGaps = append(inc.DetectionGaps, incident.Finding{Category: r.Get("category"), Description: r.Get("description")})
	}
	inc.ActionItems = nil
	for _, r := range f.Rows(actionsList.name) {
		field := fmt.Sprintf("action_items[%d].", r.Index)
		inc.ActionItems = append(inc.ActionItems, incident.ActionItem{
			Title: r.Get("title"), Kind: incident.ActionKind(r.Get("kind")), Owner: r.Get("owner"),
			DueDate: strings.TrimSpace(r.Get("due_date")), Status: incident.ActionStatus(r.Get("status")),
			Addresses: r.Get("addresses"), DoneAt: parseFormTime(errs, field+"done_at", r.Get("done_at")),
		})
	}
	inc.Timeline = nil
	for _, r := range f.Rows(timelineList.name) {
		e := incident.TimelineEntry{Kind: strings.TrimSpace(r.Get("kind")), Text: r.Get("text")}
		if at := parseFormTime(errs, fmt.Sprintf("timeline[%d].at", r.Index), r.Get("at")); at != nil {
			e.At = *at
		}
		inc.Timeline = append(inc.Timeline, e)
	}
	inc.Links = nil
	for _, r := range f.Rows(linksList.name) {
		inc.Links = append(inc.Links, incident.Link{Title: strings.TrimSpace(r.Get("title")), URL: strings.TrimSpace(r.Get("url"))})
	}
	return &inc, errs
}

// parseFormTime reads a time typed in the form (UTC unless it says
// otherwise); empty is unknown.
func parseFormTime(errs formErrors, field, raw string) *time.Time {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	for _, layout := range formTimeLayouts {
		if t, err := time.Parse(layout, raw); err == nil {
			t = t.UTC()
			return &t
		}
	}
	errs.Add(field, "must be a date and time, like 2025-03-14T15:02 (UTC)")
	return nil
}

// lines splits a text area into its non-empty lines.
func lines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// formErrors are the problems of a form by field name, the domain's
// names: "title", "action_items[2].owner".
type formErrors map[string]string

// Add records a problem unless the field has one already: the first found
// is the one shown.
func (e formErrors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// Of is the message for a scalar field.
func (e formErrors) Of(name string) string { return e[name] }

// At is the message for a cell of a list's row.
func (e formErrors) At(list string, row int, col string) string {
	return e[fmt.Sprintf("%s[%d].%s", list, row, col)]
}

// InList is the first message about a list or any of its cells, for the
// heading of its section.
func (e formErrors) InList(list string) string {
	if msg, ok := e[list]; ok {
		return msg
	}
	return ""
}

// fieldID is the HTML id of a field: "primary_cause.category" →
// "f-primary_cause-category"; of a cell, "f-action_items-2-owner". The
// error summary links to it.
func fieldID(name string) string {
	r := strings.NewReplacer(".", "-", "[", "-", "]", "")
	return "f-" + r.Replace(name)
}
