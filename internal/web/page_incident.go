package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// similarShown is how many similar incidents a page lists.
const similarShown = 8

// incidentPage is what the incident page shows.
type incidentPage struct {
	Inc      *incident.Incident
	Comments []incident.Comment
	Similar  []report.SimilarIncident
	Choices  choices
	Today    string
	// Modes are the failure modes that materialised.
	Modes []linkedMode
	// Comment and CommentError keep a comment that could not be posted.
	Comment, CommentError string
}

// Addresses says in words what an action item's addresses names.
func (p incidentPage) Addresses(ref string) string { return describeAddresses(p.Inc, ref) }

// describeAddresses turns "contributing_factors[1]" into "contributing
// factor 2 (deployment)".
func describeAddresses(inc *incident.Incident, ref string) string {
	name, index, ok := strings.Cut(strings.TrimSuffix(ref, "]"), "[")
	n, err := strconv.Atoi(index)
	switch {
	case ref == "primary_cause":
		return "the primary cause"
	case !ok || err != nil:
		return ref
	case name == "contributing_factors" && n < len(inc.ContributingFactors):
		return fmt.Sprintf("contributing factor %d (%s)", n+1, inc.ContributingFactors[n].Category)
	case name == "detection_gaps" && n < len(inc.DetectionGaps):
		return fmt.Sprintf("detection gap %d (%s)", n+1, inc.DetectionGaps[n].Category)
	}
	return ref
}

// causeTexts are an incident's cause and factor descriptions, what a
// similarity search matches.
func causeTexts(inc *incident.Incident) []report.SimilarText {
	var out []report.SimilarText
	if inc.PrimaryCause.Description != "" {
		out = append(out, report.SimilarText{Role: "cause", Category: inc.PrimaryCause.Category, Description: inc.PrimaryCause.Description})
	}
	for _, f := range inc.ContributingFactors {
		out = append(out, report.SimilarText{Role: "factor", Category: f.Category, Description: f.Description})
	}
	return out
}

func (s *Server) incidentPage(c *gin.Context) {
	s.showIncident(c, http.StatusOK, "", "")
}

// showIncident renders the incident page; comment and problem keep a
// comment that could not be posted.
func (s *Server) showIncident(c *gin.Context, status int, comment, problem string) {
	ctx := c.Request.Context()
	inc, err := s.incidentAt(c)
	if err != nil {
		writeError(c, err)
		return
	}
	comments, err := s.store.Comments(ctx, inc.ID)
	if err != nil {
		writeError(c, err)
		return
	}
	similar, err := report.FindSimilar(ctx, s.store, causeTexts(inc), inc.ID, similarShown)
	if err != nil {
		writeError(c, err)
		return
	}
	modes, err := s.linkedModes(ctx, inc)
	if err != nil {
		writeError(c, err)
		return
	}
	data := incidentPage{Inc: inc, Comments: comments, Similar: similar, Modes: modes,
		Choices: choices{Statuses: incident.Statuses, PostmortemStatuses: incident.PostmortemStatuses, ActionStatuses: incident.ActionStatuses},
		Today:   time.Now().UTC().Format(time.DateOnly), Comment: comment, CommentError: problem}
	renderView(c, status, "incident", newView(c, inc.Title, "incidents", data))
}

// addCommentPage posts a comment from the incident page; its author is
// the signed-in person.
func (s *Server) addCommentPage(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		writeError(c, err)
		return
	}
	body := c.PostForm("body")
	comment := incident.Comment{IncidentID: id, Author: principal(c).User.Name, Body: body}
	if err := s.store.AddComment(c.Request.Context(), &comment); err != nil {
		if incident.ErrorCode(err) == incident.EINVALID {
			s.showIncident(c, http.StatusUnprocessableEntity, body, "The comment "+fieldMessage(err, "body")+".")
			return
		}
		writeError(c, err)
		return
	}
	flash(c, "Your comment is posted.")
	redirectAfterPost(c, fmt.Sprintf("/incidents/%d#comment-%d", id, comment.ID))
}

// fieldMessage is the domain's message for one field of a validation error.
func fieldMessage(err error, field string) string {
	if e, ok := err.(*incident.Error); ok && e.Fields[field] != "" {
		return e.Fields[field]
	}
	return incident.ErrorMessage(err)
}

// changeStatus sets an incident's status and post-mortem status from the
// incident page. The form carries the version it was shown at: a change
// made meanwhile is never overwritten unseen.
func (s *Server) changeStatus(c *gin.Context) {
	s.updateFromPage(c, func(inc *incident.Incident) (string, error) {
		if v := c.PostForm("status"); v != "" {
			inc.Status = incident.Status(v)
		}
		if v := c.PostForm("postmortem_status"); v != "" {
			inc.PostmortemStatus = incident.PostmortemStatus(v)
		}
		return fmt.Sprintf("Status: %s; post-mortem: %s.", label(inc.Status), label(inc.PostmortemStatus)), nil
	}, "")
}

// changeActionItem sets the status of one action item.
func (s *Server) changeActionItem(c *gin.Context) {
	n, err := strconv.Atoi(c.Param("item"))
	s.updateFromPage(c, func(inc *incident.Incident) (string, error) {
		if err != nil || n < 0 || n >= len(inc.ActionItems) {
			return "", incident.Errorf(incident.ENOTFOUND, "Incident %d has no action item %q.", inc.ID, c.Param("item"))
		}
		item := &inc.ActionItems[n]
		item.Status = incident.ActionStatus(c.PostForm("status"))
		return fmt.Sprintf("“%s” is now %s.", item.Title, label(item.Status)), nil
	}, "#action-items")
}

// updateFromPage applies a small change made on the incident page to the
// stored incident at the version the page was shown at, and goes back to
// the page. A stale version or a value the domain refuses is explained on
// the page; nothing is changed then.
func (s *Server) updateFromPage(c *gin.Context, change func(*incident.Incident) (string, error), anchor string) {
	ctx := c.Request.Context()
	inc, err := s.incidentAt(c)
	if err != nil {
		writeError(c, err)
		return
	}
	back := fmt.Sprintf("/incidents/%d", inc.ID)
	if to := c.PostForm("back"); to != "" {
		// The action-items page sends people back to itself.
		back, anchor = localPath(to), ""
	}
	version, convErr := strconv.Atoi(c.PostForm("version"))
	if convErr != nil || version < 1 {
		writeError(c, &incident.Error{Code: incident.EMALFORMED, Message: "The form did not say which version of the incident it changes.",
			Fields: map[string]string{"version": "is required"}})
		return
	}
	done, err := change(inc)
	if err == nil {
		inc.Version = version
		err = s.store.UpdateIncident(ctx, inc)
	}
	if err == nil {
		flash(c, "%s", done)
		redirectAfterPost(c, back+anchor)
		return
	}
	switch incident.ErrorCode(err) {
	case incident.ECONFLICT:
		flash(c, "Not changed: someone else saved this incident meanwhile. Here is the current version; make the change again if it still applies.")
		redirectAfterPost(c, back+anchor)
		return
	case incident.EINVALID:
		var parts []string
		if e, ok := err.(*incident.Error); ok {
			for field, msg := range e.Fields {
				parts = append(parts, label(field)+" "+msg)
			}
		}
		flash(c, "Not changed: %s.", strings.Join(parts, "; "))
		redirectAfterPost(c, back+anchor)
		return
	}
	writeError(c, err)
}

// deleteIncidentPage asks an admin to confirm a deletion.
func (s *Server) deleteIncidentPage(c *gin.Context) {
	inc, err := s.incidentAt(c)
	if err != nil {
		writeError(c, err)
		return
	}
	renderView(c, http.StatusOK, "incident-delete", newView(c, "Delete "+inc.Title, "incidents", inc))
}

// deleteIncidentConfirmed deletes the incident with its comments.
func (s *Server) deleteIncidentConfirmed(c *gin.Context) {
	inc, err := s.incidentAt(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if err := s.store.DeleteIncident(c.Request.Context(), inc.ID); err != nil {
		writeError(c, err)
		return
	}
	flash(c, "Incident %d, “%s”, is deleted.", inc.ID, inc.Title)
	redirectAfterPost(c, "/incidents")
}
