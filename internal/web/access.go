package web

import (
	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Access is who may call a route.
type Access string

// The access levels, from open to admin.
const (
	// AccessNone is what Routes reports for a route that is in the router
	// but not in the route table: a mistake the route tests catch.
	AccessNone Access = ""
	// AccessOpen: anyone, signed in or not (probes, login, static files).
	AccessOpen Access = "open"
	// AccessSignedIn: any valid credentials, whatever the role (/metrics).
	AccessSignedIn  Access = "signed-in"
	AccessViewer    Access = "viewer"
	AccessResponder Access = "responder"
	AccessAdmin     Access = "admin"
)

// role is the lowest role an access level lets in.
func (a Access) role() incident.Role {
	switch a {
	case AccessViewer:
		return incident.RoleViewer
	case AccessResponder:
		return incident.RoleResponder
	case AccessAdmin:
		return incident.RoleAdmin
	}
	return ""
}

// surface says how a route is reached, which decides its credentials, its
// limits and the shape of its errors.
type surface int

const (
	// probeSurface: /healthz, /readyz, /metrics. Never rate limited;
	// /metrics takes any credentials (Prometheus sends a token).
	probeSurface surface = iota
	// apiSurface: JSON under /api/v1. A bearer token, or the session
	// cookie of a signed-in person; errors in the JSON shape.
	apiSurface
	// pageSurface: server-rendered pages. The session cookie; without one
	// a page redirects to /login; errors are pages.
	pageSurface
	// staticSurface: stylesheets and images. Open, rate limited.
	staticSurface
	// feedSurface: feeds and the status, read by feed readers and status
	// pages: as the API, and a token may come as ?token=, since feed
	// readers send no headers.
	feedSurface
	// integrationSurface: what other systems post to (Alertmanager). As
	// the API, but not rate limited by address: an alert storm comes
	// from a few Alertmanager instances, each with a token, and it is
	// the store that batches the work, not the sender that is slowed.
	integrationSurface
)

// bodyKind is the content type a route takes for its body.
type bodyKind int

const (
	noBody       bodyKind = iota
	jsonBody              // application/json (or a +json type)
	markdownBody          // text/markdown
	yamlBody              // application/yaml (a catalogue)
	formBody              // an HTML form
)

// route is one entry of the route table: every route the server has is
// here, with who may call it. The router is built from this table alone,
// so a route cannot exist without a rule.
type route struct {
	method, path string
	access       Access
	surface      surface
	body         bodyKind
	handle       gin.HandlerFunc
}

// Route is a route of the router, with the access the route table gives
// it (AccessNone if the table has no rule for it).
type Route struct {
	Method string
	Path   string
	Access Access
}

// Routes lists the router's own routes with their access: what the route
// tests walk, so that a route registered around the table fails them.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.router.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path, Access: s.rules[r.Method+" "+r.Path]})
	}
	return out
}
