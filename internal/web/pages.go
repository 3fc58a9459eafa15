package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/ui"
)

// pages holds one parsed template set per page, so that pages may each
// define their own blocks without colliding.
type pages struct {
	home     *template.Template
	login    *template.Template
	webhooks *template.Template
}

func parsePages() *pages {
	return &pages{
		home:     template.Must(template.ParseFS(ui.Templates, "templates/home.html")),
		login:    template.Must(template.ParseFS(ui.Templates, "templates/login.html")),
		webhooks: template.Must(template.ParseFS(ui.Templates, "templates/admin_webhooks.html")),
	}
}

// errorPage is how errors on pages are shown. It is parsed once for the
// process, since writeError, the one place errors are answered, has no
// server at hand.
var errorPage = template.Must(template.ParseFS(ui.Templates, "templates/error.html"))

// static is ui/static, served under /static/.
var static = func() fs.FS {
	sub, err := fs.Sub(ui.Static, "static")
	if err != nil {
		panic(err) // embedded at build time
	}
	return sub
}()

// serveStatic answers a file of ui/static; a folder or a missing file is
// a 404 in the error shape, never a listing.
func serveStatic(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("filepath"), "/")
	if info, err := fs.Stat(static, name); err != nil || info.IsDir() || name == "" {
		writeError(c, incident.Errorf(incident.ENOTFOUND, "There is nothing at %s.", c.Request.URL.Path))
		return
	}
	http.ServeFileFS(c.Writer, c.Request, static, name)
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func render(c *gin.Context, status int, page *template.Template, data any) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		writeError(c, err)
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) home(c *gin.Context) {
	page, err := s.store.ListIncidents(c.Request.Context(), store.Filter{Limit: 10})
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, s.pages.home, struct {
		User      string
		Incidents int64
		Recent    []incident.Incident
	}{principal(c).User.Name, page.Total, page.Items})
}
