package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// beginOIDC sends the person to the identity provider, keeping the flow's
// state, nonce and PKCE verifier in their session.
func (s *Server) beginOIDC(c *gin.Context) {
	if s.oidc == nil {
		writeError(c, incident.Errorf(incident.ENOTFOUND, "Single sign-on is not set up on this server."))
		return
	}
	url, flow := s.oidc.Begin()
	s.accounts.KeepFlow(c.Request.Context(), sessionManager(c), flow, localPath(c.Query("next")))
	if err := saveSession(c); err != nil {
		writeError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, url)
}

// finishOIDC is where the provider sends the person back: the flow is
// checked and completed, the account made or updated, and a session
// started with a fresh id.
func (s *Server) finishOIDC(c *gin.Context) {
	if s.oidc == nil {
		writeError(c, incident.Errorf(incident.ENOTFOUND, "Single sign-on is not set up on this server."))
		return
	}
	ctx := c.Request.Context()
	sm := sessionManager(c)
	flow, next := s.accounts.TakeFlow(ctx, sm)
	if problem := c.Query("error"); problem != "" {
		if d := c.Query("error_description"); d != "" {
			problem += ": " + d
		}
		s.renderLogin(c, http.StatusUnauthorized, s.loginForm("/", "", "The identity provider refused the sign-in ("+problem+")."))
		return
	}
	id, err := s.oidc.Finish(ctx, flow, c.Query("state"), c.Query("code"))
	if err == nil {
		var user *incident.User
		if user, err = s.accounts.LoginOIDC(ctx, id, c.ClientIP()); err == nil {
			err = s.accounts.StartSession(ctx, sm, user, "oidc")
		}
	}
	switch {
	case err == nil:
	case incident.ErrorCode(err) == incident.EUNAUTHORIZED:
		s.renderLogin(c, http.StatusUnauthorized, s.loginForm("/", "", incident.ErrorMessage(err)))
		return
	default:
		writeError(c, err)
		return
	}
	if err := saveSession(c); err != nil {
		writeError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, localPath(next))
}
