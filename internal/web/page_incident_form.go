package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// incidentFormPage is what the new and edit forms show.
type incidentFormPage struct {
	Form    *incidentForm
	Errors  formErrors
	Summary []fieldProblem
	// Action is where the form posts; Stored is the incident being edited
	// (nil for a new one).
	Action  string
	Stored  *incident.Incident
	Choices choices
	// Conflict explains that someone saved the incident meanwhile.
	Conflict *editConflict
	// Similar lists past incidents whose cause reads like the one typed;
	// SimilarAsked says a search was made (so an empty list means none).
	Similar      []report.SimilarIncident
	SimilarAsked bool
	Previews     map[string]template.HTML
	// Modes are the failure modes offered for the service in the form.
	Modes *modeChoices
}

// fieldProblem is one entry of the error summary at the top of a form.
type fieldProblem struct{ ID, Label, Message string }

// editConflict is a stale edit: the incident is at Current now.
type editConflict struct {
	Current *incident.Incident
	// Differs names the fields where the current version differs from
	// what was posted.
	Differs []string
}

// AddressOptions are what an action item may say it addresses, from the
// rows the form holds now.
func (p incidentFormPage) AddressOptions() []addressOption {
	out := []addressOption{{"", "—"}, {"primary_cause", "The primary cause"}}
	for _, r := range p.Form.Rows(factorsList.name) {
		out = append(out, addressOption{fmt.Sprintf("contributing_factors[%d]", r.Index), fmt.Sprintf("Contributing factor %d%s", r.Index+1, orBlank(r.Get("category")))})
	}
	for _, r := range p.Form.Rows(gapsList.name) {
		out = append(out, addressOption{fmt.Sprintf("detection_gaps[%d]", r.Index), fmt.Sprintf("Detection gap %d%s", r.Index+1, orBlank(r.Get("category")))})
	}
	return out
}

type addressOption struct{ Value, Label string }

func orBlank(category string) string {
	if category == "" {
		return ""
	}
	return ": " + category
}

// ID is a field's HTML id, for the template.
func (p incidentFormPage) ID(name string) string { return fieldID(name) }

// SpareRow is the empty row a script copies when a row is added; its
// index, spareIndex, is replaced in the copy's ids.
func (p incidentFormPage) SpareRow() formRow {
	return formRow{Index: spareIndex, cells: map[string]string{}}
}

const spareIndex = 999

// CellID is the HTML id of a cell of a list's row.
func (p incidentFormPage) CellID(list string, row int, col string) string {
	return fieldID(fmt.Sprintf("%s[%d].%s", list, row, col))
}

// postedForm reads a posted form's fields; the body is capped already, and
// a larger one is refused with 413.
func postedForm(c *gin.Context) (url.Values, error) {
	if err := c.Request.ParseMultipartForm(MaxBodyBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, tooLarge()
		}
		return nil, incident.Errorf(incident.EMALFORMED, "The form could not be read.")
	}
	return c.Request.PostForm, nil
}

// newIncidentPage shows an empty form, one row ready in each list. A
// service page links to it with ?service=KEY, which fills in the service
// (by its name) and so offers its failure modes.
func (s *Server) newIncidentPage(c *gin.Context) {
	blank := &incident.Incident{Status: incident.StatusInvestigating, PostmortemStatus: incident.PostmortemDraft,
		DetectionMethod: incident.DetectedByUnknown}
	if named := strings.TrimSpace(c.Query("service")); named != "" {
		blank.Service = named
		if svc, err := s.store.GetService(c.Request.Context(), named); err == nil {
			blank.Service = svc.Name
		} else if incident.ErrorCode(err) != incident.ENOTFOUND {
			writeError(c, err)
			return
		}
	}
	form := formOf(blank)
	s.renderIncidentForm(c, http.StatusOK, &incidentFormPage{Form: withSpareRows(form), Action: "/incidents"})
}

// editIncidentPage shows the stored incident in the form.
func (s *Server) editIncidentPage(c *gin.Context) {
	inc, err := s.incidentAt(c)
	if err != nil {
		writeError(c, err)
		return
	}
	s.renderIncidentForm(c, http.StatusOK, &incidentFormPage{Form: withSpareRows(formOf(inc)),
		Action: fmt.Sprintf("/incidents/%d", inc.ID), Stored: inc})
}

// withSpareRows gives each empty list one empty row to fill in.
func withSpareRows(f *incidentForm) *incidentForm {
	for _, l := range formLists {
		if len(f.Rows(l.name)) == 0 {
			f.addRow(l.name)
		}
	}
	return f
}

// createIncidentPage files the posted form as a new incident.
func (s *Server) createIncidentPage(c *gin.Context) {
	posted, err := postedForm(c)
	if err != nil {
		writeError(c, err)
		return
	}
	page := &incidentFormPage{Form: parseForm(posted), Action: "/incidents"}
	if s.formAction(c, page) {
		return
	}
	inc, errs := page.Form.incident(incident.Incident{})
	inc.Version = 0
	if len(errs) == 0 {
		err := s.store.CreateIncident(c.Request.Context(), inc)
		if err == nil {
			flash(c, "Incident %d is filed.", inc.ID)
			redirectAfterPost(c, fmt.Sprintf("/incidents/%d", inc.ID))
			return
		}
		if !s.formProblem(c, page, err) {
			return
		}
	} else {
		s.addDomainProblems(c.Request.Context(), page, inc, errs, true)
	}
	s.renderIncidentForm(c, http.StatusUnprocessableEntity, page)
}

// updateIncidentPage saves the posted form over the stored incident,
// provided nobody saved it since the form was shown.
func (s *Server) updateIncidentPage(c *gin.Context) {
	ctx := c.Request.Context()
	stored, err := s.incidentAt(c)
	if err != nil {
		writeError(c, err)
		return
	}
	posted, err := postedForm(c)
	if err != nil {
		writeError(c, err)
		return
	}
	page := &incidentFormPage{Form: parseForm(posted), Action: fmt.Sprintf("/incidents/%d", stored.ID), Stored: stored}
	if s.formAction(c, page) {
		return
	}
	inc, errs := page.Form.incident(*stored)
	if page.Form.Value("version") == "" {
		errs.Add("version", "is missing: reload the incident and edit it again")
	}
	if len(errs) == 0 {
		err := s.store.UpdateIncident(ctx, inc)
		switch {
		case err == nil:
			flash(c, "Your changes are saved (version %d).", inc.Version)
			redirectAfterPost(c, fmt.Sprintf("/incidents/%d", inc.ID))
			return
		case incident.ErrorCode(err) == incident.ECONFLICT:
			s.explainConflict(c, page)
			return
		}
		if !s.formProblem(c, page, err) {
			return
		}
	} else {
		s.addDomainProblems(ctx, page, inc, errs, stored.Severity != "")
	}
	s.renderIncidentForm(c, http.StatusUnprocessableEntity, page)
}

// explainConflict shows the form again with everything the person typed,
// says that someone saved the incident meanwhile and where it differs,
// and links to the current version. The form now carries the current
// version, so saving again is a deliberate choice to replace it.
func (s *Server) explainConflict(c *gin.Context, page *incidentFormPage) {
	current, err := s.store.GetIncident(c.Request.Context(), page.Stored.ID)
	if err != nil {
		writeError(c, err)
		return
	}
	page.Conflict = &editConflict{Current: current, Differs: differingFields(formOf(current), page.Form)}
	page.Form.values.Set("version", strconv.Itoa(current.Version))
	page.Stored = current
	s.renderIncidentForm(c, http.StatusConflict, page)
}

// differingFields names the fields whose values differ between two forms.
func differingFields(a, b *incidentForm) []string {
	var out []string
	for _, name := range formScalars {
		if name != "version" && strings.TrimSpace(a.Value(name)) != strings.TrimSpace(b.Value(name)) {
			out = append(out, fieldLabel(name))
		}
	}
	for _, multi := range []string{"outage_types", "failure_modes"} {
		if !slices.Equal(a.values[multi], b.values[multi]) {
			out = append(out, fieldLabel(multi))
		}
	}
	for _, l := range formLists {
		for _, col := range l.columns {
			if !slices.Equal(a.values[l.name+"."+col], b.values[l.name+"."+col]) {
				out = append(out, fieldLabel(l.name))
				break
			}
		}
	}
	return out
}

// formAction handles the buttons that do not save: preview a markdown
// field, look for similar incidents, add a row to a list. They show the
// form again with what was typed; it reports whether it answered.
func (s *Server) formAction(c *gin.Context, page *incidentFormPage) bool {
	action := c.PostForm("_action")
	if action == "" {
		return false
	}
	switch verb, arg, _ := strings.Cut(action, ":"); verb {
	case "preview":
		page.Previews = map[string]template.HTML{arg: postmortem.RenderHTML(page.Form.Value(arg))}
	case "similar":
		inc, _ := page.Form.incident(incident.Incident{})
		exclude := int64(0)
		if page.Stored != nil {
			exclude = page.Stored.ID
		}
		similar, err := report.FindSimilar(c.Request.Context(), s.store, causeTexts(inc), exclude, similarShown)
		if err != nil {
			writeError(c, err)
			return true
		}
		page.Similar, page.SimilarAsked = similar, true
	case "add":
		page.Form.addRow(arg)
	case "modes":
		// The form is shown again with the modes of the service typed.
	}
	s.renderIncidentForm(c, http.StatusOK, page)
	return true
}

// formProblem puts a refusal from the store beside the fields it names;
// it reports false when the error is not the person's to fix and has
// been answered as an error page.
func (s *Server) formProblem(c *gin.Context, page *incidentFormPage, err error) bool {
	e, ok := err.(*incident.Error)
	if !ok || (e.Code != incident.EINVALID && e.Code != incident.EMALFORMED) {
		writeError(c, err)
		return false
	}
	page.Errors = formErrors(e.Fields)
	if len(e.Fields) == 0 {
		page.Errors = formErrors{"": e.Message}
	}
	return true
}

// addDomainProblems shows, beside the form's own decoding problems, what
// the domain finds wrong with the rest, so that one round trip shows
// every problem. filed applies the rule for a person's incident (a
// severity is required).
func (s *Server) addDomainProblems(ctx context.Context, page *incidentFormPage, inc *incident.Incident, errs formErrors, filed bool) {
	page.Errors = errs
	vocab, err := s.store.Vocabulary(ctx)
	if err != nil {
		return
	}
	check := *inc
	check.Normalize()
	validate := check.Validate
	if filed {
		validate = check.ValidateFiled
	}
	if e, ok := validate(vocab).(*incident.Error); ok {
		for field, msg := range e.Fields {
			errs.Add(field, msg)
		}
	}
}

// renderIncidentForm shows the form with its problems summed up at the top.
func (s *Server) renderIncidentForm(c *gin.Context, status int, page *incidentFormPage) {
	ch, err := s.choicesFor(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	page.Choices = ch
	if page.Modes, err = s.offerModes(c.Request.Context(), page.Form.Value("service"), page.Form.values["failure_modes"]); err != nil {
		writeError(c, err)
		return
	}
	if page.Errors == nil {
		page.Errors = formErrors{}
	}
	foldModeErrors(page.Errors)
	page.Summary = summarise(page.Errors)
	title := "File an incident"
	if page.Stored != nil {
		title = "Edit: " + page.Stored.Title
	}
	renderView(c, status, "incident-form", newView(c, title, "incidents", page))
}

// summarise lists the problems in the order of the form's fields.
func summarise(errs formErrors) []fieldProblem {
	out := make([]fieldProblem, 0, len(errs))
	for field, msg := range errs {
		out = append(out, fieldProblem{ID: fieldID(field), Label: fieldLabel(field), Message: msg})
	}
	order := func(p fieldProblem) int {
		for i, name := range formOrder {
			if strings.HasPrefix(p.ID, fieldID(name)) {
				return i
			}
		}
		return len(formOrder)
	}
	slices.SortStableFunc(out, func(a, b fieldProblem) int {
		if oa, ob := order(a), order(b); oa != ob {
			return oa - ob
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// formOrder is the order of the fields on the form.
var formOrder = []string{
	"title", "service", "component", "severity", "status", "postmortem_status", "outage_types",
	"started_at", "detected_at", "mitigated_at", "resolved_at", "detection_method",
	"summary", "impact", "primary_cause", "failure_modes", "contributing_factors", "detection_gaps", "action_items",
	"timeline", "lessons", "tags", "links", "description", "version",
}

// fieldLabels name the fields as the form labels them.
var fieldLabels = map[string]string{
	"title": "Title", "service": "Service", "component": "Component", "severity": "Severity",
	"status": "Status", "postmortem_status": "Post-mortem status", "outage_types": "Outage types",
	"detection_method": "Detected by", "started_at": "Impact started", "detected_at": "Detected",
	"mitigated_at": "Mitigated", "resolved_at": "Resolved", "summary": "Summary", "description": "Description",
	"impact.description": "Impact", "impact.affected_users": "Users affected", "impact.affected_dependents": "Also affected",
	"primary_cause.category": "Cause category", "primary_cause.description": "Primary cause",
	"primary_cause.trigger": "Trigger", "lessons.went_well": "What went well", "lessons.went_wrong": "What went wrong",
	"lessons.got_lucky": "Where we got lucky", "tags": "Tags", "version": "Version",
	"contributing_factors": "Contributing factors", "detection_gaps": "Detection gaps",
	"action_items": "Action items", "failure_modes": "Failure modes", "timeline": "Timeline", "links": "Links", "extra": "Other front matter",
	"external_id": "External id",
}

// fieldLabel names a field for people: "action_items[2].owner" is "Action
// items, row 3: owner".
func fieldLabel(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	list, rest, ok := strings.Cut(field, "[")
	if !ok {
		return label(field)
	}
	index, col, _ := strings.Cut(rest, "]")
	n, _ := strconv.Atoi(index)
	name := fieldLabels[list]
	if name == "" {
		name = label(list)
	}
	if col = strings.TrimPrefix(col, "."); col != "" {
		return fmt.Sprintf("%s, row %d: %s", name, n+1, label(col))
	}
	return fmt.Sprintf("%s, row %d", name, n+1)
}
