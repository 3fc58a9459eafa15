package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// A new secret (an API token, a webhook's signing secret) is shown once, on
// the page after the post that made it. It must not be stored on the server
// (the sessions table would keep it), so it travels to that page in a
// short-lived cookie of its own, scoped to the page, which the page clears
// as it shows it.
const (
	newTokenCookie  = "aftermath_new_token"
	newSecretCookie = "aftermath_new_secret"
)

// tokensView is a list of tokens with the secret of one just made.
type tokensView struct {
	Tokens []incident.APIToken
	// New is the token just made, Secret its secret.
	New, Secret string
	Roles       []incident.Role
	Users       []incident.User
	Problem     string
	Form        newToken
	Action      string
	Admin       bool
	Now         time.Time
}

// takeNewToken reads and clears the cookie that carries a new token's
// secret to the page at path.
func (s *Server) takeNewToken(c *gin.Context, path string) (id, secret string) {
	id, secret, _ = strings.Cut(s.takeHandedOver(c, newTokenCookie, path), " ")
	return id, secret
}

// giveNewToken hands a new token's secret to the page at path.
func (s *Server) giveNewToken(c *gin.Context, path string, t *incident.APIToken, secret string) {
	s.handOver(c, newTokenCookie, path, t.ID+" "+secret)
}

// handOver gives value to the next request for the page at path, in the
// cookie name, for two minutes at most. The value is escaped: a cookie
// cannot carry every character, and a secret's base64 has + and /.
func (s *Server) handOver(c *gin.Context, name, path, value string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: url.QueryEscape(value), Path: path, MaxAge: 120,
		HttpOnly: true, Secure: s.isHTTPS(c.Request), SameSite: http.SameSiteStrictMode})
}

// takeHandedOver reads and clears what handOver gave the page at path.
func (s *Server) takeHandedOver(c *gin.Context, name, path string) string {
	cookie, err := c.Request.Cookie(name)
	if err != nil || cookie.Value == "" {
		return ""
	}
	raw, err := url.QueryUnescape(cookie.Value)
	if err != nil {
		return ""
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Path: path, MaxAge: -1, HttpOnly: true,
		Secure: s.isHTTPS(c.Request), SameSite: http.SameSiteStrictMode})
	return raw
}

// accountView is the signed-in person's own page.
type accountView struct {
	User    *incident.User
	Tokens  tokensView
	Problem string
}

// accountPage shows who the person is, lets them change their password,
// and lists their API tokens.
func (s *Server) accountPage(c *gin.Context) {
	s.showAccount(c, http.StatusOK, "", tokensView{})
}

func (s *Server) showAccount(c *gin.Context, status int, problem string, form tokensView) {
	p := principal(c)
	tokens, err := s.accounts.Tokens(c.Request.Context(), p.User.ID)
	if err != nil {
		writeError(c, err)
		return
	}
	tv := tokensView{Tokens: tokens, Roles: incident.Roles, Problem: form.Problem, Form: form.Form, Action: "/account/tokens", Now: time.Now()}
	tv.New, tv.Secret = s.takeNewToken(c, "/account")
	renderView(c, status, "account", newView(c, "Your account", "account", accountView{User: p.User, Tokens: tv, Problem: problem}))
}

// changePasswordPage changes the person's own password; every other
// session of theirs ends, this one goes on.
func (s *Server) changePasswordPage(c *gin.Context) {
	p := principal(c)
	current, next := c.PostForm("current_password"), c.PostForm("new_password")
	if next != c.PostForm("new_password_again") {
		s.showAccount(c, http.StatusUnprocessableEntity, "The new password and its repetition differ.", tokensView{})
		return
	}
	u, err := s.accounts.ChangeOwnPassword(c.Request.Context(), p.User, current, next, c.ClientIP())
	if err != nil {
		if code := incident.ErrorCode(err); code == incident.EINVALID || code == incident.EUNAUTHORIZED || code == incident.ERATELIMIT {
			s.showAccount(c, statusOf[code], problemText(err), tokensView{})
			return
		}
		writeError(c, err)
		return
	}
	if err := s.accounts.StartSession(c.Request.Context(), sessionManager(c), u, "password"); err != nil {
		writeError(c, err)
		return
	}
	flash(c, "Your password is changed; your other sessions are ended.")
	redirectAfterPost(c, "/account")
}

// tokenFromForm reads the token form: label, lifetime, role and (admin)
// whose.
func tokenFromForm(c *gin.Context) newToken {
	return newToken{Label: strings.TrimSpace(c.PostForm("label")), ExpiresIn: strings.TrimSpace(c.PostForm("expires_in")),
		Role: c.PostForm("role"), User: c.PostForm("user")}
}

// createOwnTokenPage makes an API token for the person.
func (s *Server) createOwnTokenPage(c *gin.Context) {
	in := tokenFromForm(c)
	in.User = ""
	t, secret, err := s.mintToken(c, in)
	if err != nil {
		if incident.ErrorCode(err) == incident.EINVALID {
			s.showAccount(c, http.StatusUnprocessableEntity, "", tokensView{Problem: problemText(err), Form: in})
			return
		}
		writeError(c, err)
		return
	}
	s.giveNewToken(c, "/account", t, secret)
	flash(c, "The token %s is made. Copy it now: it is shown only this once.", t.ID)
	redirectAfterPost(c, "/account#tokens")
}

// revokeOwnTokenPage revokes one of the person's tokens.
func (s *Server) revokeOwnTokenPage(c *gin.Context) { s.revokeAndReturn(c, "/account#tokens") }

// revokeAndReturn revokes the token of the :id parameter (the request's
// own, or anyone's for an admin) and goes back to the list at back.
func (s *Server) revokeAndReturn(c *gin.Context, back string) {
	if err := s.revokeTokenFor(c, c.Param("id")); err != nil {
		writeError(c, err)
		return
	}
	flash(c, "The token %s is revoked.", c.Param("id"))
	redirectAfterPost(c, back)
}
