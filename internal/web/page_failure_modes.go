package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// modeForm is a failure-mode form on a service's page: the one that adds
// a mode (Target "") or the one that edits mode Target, with its values
// as typed and the problems found, by field name.
type modeForm struct {
	Target  string
	Values  map[string]string
	Errors  map[string]string
	Message string // a problem of the whole form (someone saved first)
}

// Value is a field as the form shows it.
func (f *modeForm) Value(name string) string { return f.Values[name] }

// Error is the problem of a field, if any.
func (f *modeForm) Error(name string) string { return f.Errors[name] }

// ID is the HTML id of one of the form's fields.
func (f *modeForm) ID(name string) string {
	if f.Target == "" {
		return "mode-new-" + name
	}
	return "mode-" + f.Target + "-" + name
}

var modeFormFields = []string{"slug", "title", "description", "detection", "mitigation", "status", "version"}

// readModeForm reads a posted failure-mode form into the change it asks
// for, keeping what was typed.
func readModeForm(c *gin.Context, target string) (*modeForm, incident.FailureModeChange, error) {
	posted, err := postedForm(c)
	if err != nil {
		return nil, incident.FailureModeChange{}, err
	}
	f := &modeForm{Target: target, Values: map[string]string{}, Errors: map[string]string{}}
	var change incident.FailureModeChange
	for _, name := range modeFormFields {
		if _, sent := posted[name]; !sent {
			continue
		}
		value := posted.Get(name)
		f.Values[name] = value
		switch name {
		case "slug":
			change.Slug = &value
		case "title":
			change.Title = &value
		case "description":
			change.Description = &value
		case "detection":
			change.Detection = &value
		case "mitigation":
			change.Mitigation = &value
		case "status":
			status := incident.FailureModeStatus(value)
			change.Status = &status
		case "version":
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 1 {
				f.Errors["version"] = "must be the version the mode was read at"
			}
			change.Version = &n
		}
	}
	return f, change, nil
}

// createModePage adds a failure mode from the service page.
func (s *Server) createModePage(c *gin.Context) {
	f, change, err := readModeForm(c, "")
	if err != nil {
		writeError(c, err)
		return
	}
	m, err := s.store.CreateFailureMode(c.Request.Context(), c.Param("key"), change)
	if err != nil {
		s.refusedMode(c, f, err)
		return
	}
	flash(c, "Failure mode %q is added.", m.Title)
	redirectAfterPost(c, "/services/"+m.ServiceKey+"#mode-"+m.Slug)
}

// updateModePage saves a failure mode edited on the service page. The
// form carries the version it was read at, so that an edit made on a page
// someone else has saved since is shown again rather than saved over
// theirs.
func (s *Server) updateModePage(c *gin.Context) {
	f, change, err := readModeForm(c, c.Param("slug"))
	if err != nil {
		writeError(c, err)
		return
	}
	if len(f.Errors) > 0 {
		s.showService(c, http.StatusUnprocessableEntity, func(v *serviceView) { v.ModeForm = f })
		return
	}
	m, err := s.store.UpdateFailureMode(c.Request.Context(), c.Param("key"), c.Param("slug"), change)
	if err != nil {
		s.refusedMode(c, f, err)
		return
	}
	flash(c, "Failure mode %q is saved.", m.Title)
	redirectAfterPost(c, "/services/"+m.ServiceKey+"#mode-"+m.Slug)
}

// deleteModePage removes a failure mode no incident links.
func (s *Server) deleteModePage(c *gin.Context) {
	if _, err := postedForm(c); err != nil {
		writeError(c, err)
		return
	}
	slug := c.Param("slug")
	if err := s.store.DeleteFailureMode(c.Request.Context(), c.Param("key"), slug); err != nil {
		s.refusedMode(c, &modeForm{Target: slug, Values: map[string]string{}, Errors: map[string]string{}}, err)
		return
	}
	flash(c, "Failure mode %q is deleted.", slug)
	redirectAfterPost(c, "/services/"+incident.ServiceKey(c.Param("key"))+"#failure-modes")
}

// refusedMode shows the service page again with the refused form as
// typed: its problems beside the fields (422), or, when someone saved the
// mode first (409), what to do, the form rebased on the current version
// so that saving again is a deliberate choice. Other errors are pages.
func (s *Server) refusedMode(c *gin.Context, f *modeForm, err error) {
	e, ok := err.(*incident.Error)
	switch {
	case ok && e.Code == incident.EINVALID:
		f.Errors = e.Fields
		s.showService(c, http.StatusUnprocessableEntity, func(v *serviceView) { v.ModeForm = f })
	case ok && e.Code == incident.ECONFLICT && e.CurrentVersion > 0:
		f.Message = fmt.Sprintf("Someone saved this failure mode while you were editing it (it is now at version %d): its current text is on this page. "+
			"Your text is kept in the form; save again to replace theirs.", e.CurrentVersion)
		f.Values["version"] = strconv.Itoa(e.CurrentVersion)
		s.showService(c, http.StatusConflict, func(v *serviceView) { v.ModeForm = f })
	case ok && e.Code == incident.ECONFLICT:
		f.Message = e.Message
		s.showService(c, http.StatusConflict, func(v *serviceView) { v.ModeForm = f })
	default:
		writeError(c, err)
	}
}
