package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/postmortem"
	"github.com/aftermath-sre/aftermath/internal/report"
)

// The fragments below are what the pages' script fetches to do in place
// what the forms' buttons do by posting the whole form without it: a
// markdown preview, and the incidents similar to a cause being typed.
// They answer HTML, rendered by the same templates as the full pages.

// previewMarkdown renders the posted field "markdown" as a page would.
func previewMarkdown(c *gin.Context) {
	html := postmortem.RenderHTML(c.PostForm("markdown"))
	renderView(c, http.StatusOK, "fragment-preview", &view{Data: html})
}

// similarFragment lists the incidents whose cause or factors read like the
// posted form's (the incident form's own fields), leaving out the
// incident being edited (the field "exclude").
func (s *Server) similarFragment(c *gin.Context) {
	posted, err := postedForm(c)
	if err != nil {
		writeError(c, err)
		return
	}
	inc, _ := parseForm(posted).incident(incident.Incident{})
	exclude, _ := strconv.ParseInt(posted.Get("exclude"), 10, 64)
	similar, err := report.FindSimilar(c.Request.Context(), s.store, causeTexts(inc), exclude, similarShown)
	if err != nil {
		writeError(c, err)
		return
	}
	renderView(c, http.StatusOK, "fragment-similar", &view{Data: similar})
}
