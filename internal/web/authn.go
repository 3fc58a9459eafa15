package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

const principalKey = "principal"

// authenticate finds who the request's credentials name: a bearer token
// if the request has an Authorization header (a bad one is refused, never
// ignored), else the session. Nobody is fine here; authorize decides.
func (s *Server) authenticate(c *gin.Context) {
	if c.GetHeader("Authorization") != "" {
		s.authenticateToken(c)
		return
	}
	sm := sessionManager(c)
	if sm == nil {
		c.Next()
		return
	}
	p, err := s.accounts.SessionPrincipal(c.Request.Context(), sm)
	if err != nil {
		writeError(c, err)
		return
	}
	if p != nil && !safeMethod(c.Request.Method) && c.GetHeader("Sec-Fetch-Site") == "" && c.GetHeader("Origin") == "" {
		// Every browser that can hold our cookie sends one of these on an
		// unsafe request; without either, the origin cannot be checked,
		// so the cookie does not count.
		writeError(c, crossSite())
		return
	}
	if p != nil {
		setPrincipal(c, p)
	}
	c.Next()
}

// authenticateToken checks the request's bearer token.
func (s *Server) authenticateToken(c *gin.Context) {
	header := c.GetHeader("Authorization")
	if header == "" {
		c.Next()
		return
	}
	scheme, raw, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		writeError(c, incident.Errorf(incident.EUNAUTHORIZED, "The Authorization header must be \"Bearer aft_…\"."))
		return
	}
	p, err := s.accounts.AuthenticateToken(c.Request.Context(), strings.TrimSpace(raw))
	if err != nil {
		writeError(c, err)
		return
	}
	setPrincipal(c, p)
	c.Next()
}

// setPrincipal keeps p for the handlers and puts its actor in the
// request's context, where the store finds it for the audit log.
func setPrincipal(c *gin.Context, p *auth.Principal) {
	c.Set(principalKey, p)
	c.Request = c.Request.WithContext(incident.WithActor(c.Request.Context(), p.Actor(c.ClientIP())))
}

// principal is who the request's credentials name, or nil.
func principal(c *gin.Context) *auth.Principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(*auth.Principal)
	return pr
}

// authorize lets a request through when its principal may call a route
// of the given access: 401 without credentials (a page redirects to the
// login), 403 with a role too low.
func authorize(access Access) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principal(c)
		switch {
		case access == AccessOpen:
		case p == nil:
			if isPage(c) && safeMethod(c.Request.Method) {
				c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
				c.Abort()
				return
			}
			c.Header("WWW-Authenticate", `Bearer realm="aftermath"`)
			writeError(c, incident.Errorf(incident.EUNAUTHORIZED, "Sign in first: send \"Authorization: Bearer aft_…\" or log in."))
			return
		case access == AccessSignedIn:
		case !p.Role.AtLeast(access.role()):
			writeError(c, incident.Errorf(incident.EFORBIDDEN, "This needs the %s role; %s has the %s role.", access.role(), p.User.Name, p.Role))
			return
		}
		c.Next()
	}
}

func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
