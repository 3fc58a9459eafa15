package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/ui"
)

// pages holds one parsed template set per page, so that pages may each
// define their own blocks without colliding.
type pages struct {
	home *template.Template
}

func parsePages() *pages {
	return &pages{
		home: template.Must(template.ParseFS(ui.Templates, "templates/home.html")),
	}
}

// staticFiles serves ui/static under /static/.
func staticFiles() http.FileSystem {
	sub, err := fs.Sub(ui.Static, "static")
	if err != nil {
		panic(err) // embedded at build time
	}
	return http.FS(sub)
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func render(c *gin.Context, page *template.Template, data any) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) home(c *gin.Context) {
	page, err := s.store.ListIncidents(c.Request.Context(), store.Filter{Limit: 10})
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, s.pages.home, struct {
		Incidents int64
		Recent    []incident.Incident
	}{page.Total, page.Items})
}
