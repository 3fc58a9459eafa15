package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// loginForm is what the login page shows.
type loginForm struct {
	Next, Username, Error string
	SingleSignOn          bool
}

// loginPage shows the login form; a person signed in already goes on.
func (s *Server) loginPage(c *gin.Context) {
	next := localPath(c.Query("next"))
	if principal(c) != nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	s.renderLogin(c, http.StatusOK, s.loginForm(next, "", ""))
}

func (s *Server) renderLogin(c *gin.Context, status int, form loginForm) {
	renderView(c, status, "login", newView(c, "Log in", "login", form))
}

func (s *Server) loginForm(next, username, problem string) loginForm {
	return loginForm{Next: next, Username: username, Error: problem, SingleSignOn: s.oidc != nil}
}

// login checks the form's user name and password and starts a session
// with a fresh id. A failure shows the form again, with the same words
// whatever was wrong.
func (s *Server) login(c *gin.Context) {
	username, password := c.PostForm("username"), c.PostForm("password")
	next := localPath(c.PostForm("next"))
	user, err := s.accounts.Login(c.Request.Context(), username, password, c.ClientIP())
	switch {
	case err == nil:
	case incident.ErrorCode(err) == incident.EUNAUTHORIZED:
		s.renderLogin(c, http.StatusUnauthorized, s.loginForm(next, username, incident.ErrorMessage(err)))
		return
	case incident.ErrorCode(err) == incident.ERATELIMIT:
		var e *incident.Error
		if errors.As(err, &e) {
			c.Header("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		s.renderLogin(c, http.StatusTooManyRequests, s.loginForm(next, username, incident.ErrorMessage(err)))
		return
	default:
		writeError(c, err)
		return
	}
	sm := sessionManager(c)
	if err := s.accounts.StartSession(c.Request.Context(), sm, user, "password"); err != nil {
		writeError(c, err)
		return
	}
	if err := saveSession(c); err != nil {
		writeError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, next)
}

// logout ends the session, if there is one, and goes to the login page.
// It needs nothing but the same-origin check that every unsafe request
// passes.
func (s *Server) logout(c *gin.Context) {
	if sm := sessionManager(c); sm != nil {
		if err := s.accounts.EndSession(c.Request.Context(), sm); err != nil {
			writeError(c, err)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, "/login")
}

// localPath keeps a redirect target on this site: a path of ours, never
// another host ("//evil.example", "/\evil.example") or a scheme.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}
