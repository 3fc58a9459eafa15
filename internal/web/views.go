package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/ui"
)

// viewFiles names, for each page, the template files it is made of besides
// the shared layout (layout.html). Each page is parsed into a set of its
// own at start-up, so that every page may define "title" and "content"
// without colliding, and a page that is missing or does not parse stops
// the server from starting rather than failing a request later. Views
// whose name starts with "fragment-" are parts of a page that scripts
// fetch (a markdown preview, similar incidents): they have no layout.
var viewFiles = map[string][]string{
	"login":              {"login.html"},
	"error":              {"error.html"},
	"home":               {"home.html", "_incidents.html", "_badges.html", "_actions.html"},
	"incidents":          {"incidents.html", "_incidents.html", "_badges.html"},
	"incident":           {"incident.html", "_badges.html", "_similar.html", "_markdown.html"},
	"incident-form":      {"incident_form.html", "_badges.html", "_similar.html", "_markdown.html", "_mode_choices.html"},
	"incident-delete":    {"incident_delete.html", "_badges.html"},
	"action-items":       {"action_items.html", "_badges.html", "_actions.html"},
	"reports":            {"reports.html", "_badges.html", "_charts.html", "_recurrence.html", "_report_failure_modes.html"},
	"services":           {"services.html"},
	"service":            {"service.html", "_incidents.html", "_badges.html", "_charts.html", "_blast_radius.html", "_failure_modes.html", "_markdown.html", "_recurrence.html"},
	"account":            {"account.html", "_tokens.html"},
	"admin-users":        {"admin_users.html", "_admin_nav.html"},
	"admin-tokens":       {"admin_tokens.html", "_tokens.html", "_admin_nav.html"},
	"admin-vocabularies": {"admin_vocabularies.html", "_admin_nav.html"},
	"admin-webhooks":     {"admin_webhooks.html", "_admin_nav.html"},
	"admin-webhook":      {"admin_webhook.html", "_admin_nav.html"},
	"fragment-preview":   {"_markdown.html"},
	"fragment-similar":   {"_similar.html", "_badges.html"},
	"fragment-modes":     {"_mode_choices.html"},
}

// views holds the parsed page sets by name.
type views map[string]*template.Template

// parseViews parses every page. It panics on a template error: the
// templates are embedded in the binary, so an error is a bug that no
// configuration can cause, and the server must not start with it.
func parseViews() views {
	out := views{}
	for name, files := range viewFiles {
		t := template.New(name).Funcs(viewFuncs)
		var paths []string
		if !strings.HasPrefix(name, "fragment-") {
			paths = append(paths, "templates/layout.html")
		}
		for _, f := range files {
			paths = append(paths, "templates/"+f)
		}
		out[name] = template.Must(t.ParseFS(ui.Templates, paths...))
	}
	return out
}

// pageViews are parsed once for the process: writeError, the one place
// errors are answered, shows them as pages without a server at hand.
var pageViews = parseViews()

// view is what every page's template receives: the page's own Data, and
// what the layout needs (who is signed in, which part of the site this
// is, a message left by the previous request).
type view struct {
	Title string
	// Section is the navigation entry to mark as current.
	Section   string
	Me        *viewer
	Flash     string
	RequestID string
	Data      any
}

// viewer is the signed-in person as the layout shows them; nil when
// nobody is.
type viewer struct {
	Name string
	Role incident.Role
}

// CanRespond reports whether the person may file and edit incidents.
func (v *viewer) CanRespond() bool { return v != nil && v.Role.AtLeast(incident.RoleResponder) }

// IsAdmin reports whether the person may administer the server.
func (v *viewer) IsAdmin() bool { return v != nil && v.Role.AtLeast(incident.RoleAdmin) }

const flashKey = "flash"

// newView starts a page's view with the request's person and the message
// the previous request left for it (which it takes, so it shows once).
func newView(c *gin.Context, title, section string, data any) *view {
	v := &view{Title: title, Section: section, RequestID: requestID(c), Data: data}
	if p := principal(c); p != nil {
		v.Me = &viewer{Name: p.User.Name, Role: p.Role}
	}
	if sm := sessionManager(c); sm != nil && v.Me != nil {
		v.Flash = sm.PopString(c.Request.Context(), flashKey)
	}
	return v
}

// flash leaves a message for the next page the person sees: what a form
// post did, shown after its redirect.
func flash(c *gin.Context, format string, args ...any) {
	if sm := sessionManager(c); sm != nil {
		sm.Put(c.Request.Context(), flashKey, fmt.Sprintf(format, args...))
	}
}

// renderView executes a page into a buffer first, so that a template
// error becomes a clean error page rather than half a page.
func renderView(c *gin.Context, status int, name string, v *view) {
	t, ok := pageViews[name]
	if !ok {
		writeError(c, fmt.Errorf("no view %q", name))
		return
	}
	entry := "layout"
	if strings.HasPrefix(name, "fragment-") {
		entry = strings.TrimPrefix(name, "fragment-")
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, entry, v); err != nil {
		writeError(c, fmt.Errorf("view %s: %w", name, err))
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// redirectAfterPost ends a successful form post: 303 sends the browser to
// the page of what changed with a GET, so that reloading it cannot post
// the form again.
func redirectAfterPost(c *gin.Context, to string) {
	c.Redirect(http.StatusSeeOther, to)
}
