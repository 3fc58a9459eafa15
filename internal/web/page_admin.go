package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// The admin pages: accounts, everyone's API tokens, the vocabularies. The
// route table makes them admin-only; the rules (names, roles, password
// length, the last admin, slugs) are in auth, store and the domain.

// adminUsersView is the accounts page.
type adminUsersView struct {
	Users   []incident.User
	Roles   []incident.Role
	Me      string
	Problem string
	// Name and Role keep the new-account form as typed after a refusal.
	Name, Role string
}

func (s *Server) adminUsersPage(c *gin.Context) { s.showUsers(c, http.StatusOK, adminUsersView{}) }

func (s *Server) showUsers(c *gin.Context, status int, v adminUsersView) {
	users, err := s.accounts.Users(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	v.Users, v.Roles, v.Me = users, incident.Roles, principal(c).User.Name
	renderView(c, status, "admin-users", newView(c, "Accounts", "admin", v))
}

// refused reports whether an error is one the admin can act on from the
// page (a name or password that breaks a rule, the last admin), rather
// than one for an error page.
func refused(err error) bool {
	switch incident.ErrorCode(err) {
	case incident.EINVALID, incident.EMALFORMED, incident.ECONFLICT:
		return true
	}
	return false
}

// usersProblem shows the accounts page again with a refusal the admin can
// act on, the form as typed; anything else is an error page.
func (s *Server) usersProblem(c *gin.Context, err error, form adminUsersView) {
	if !refused(err) {
		writeError(c, err)
		return
	}
	form.Problem = problemText(err)
	s.showUsers(c, http.StatusUnprocessableEntity, form)
}

// createUserPage adds an account.
func (s *Server) createUserPage(c *gin.Context) {
	name, roleName := strings.TrimSpace(c.PostForm("name")), c.PostForm("role")
	role, err := incident.ParseRole("role", roleName)
	var u *incident.User
	if err == nil {
		u, err = s.accounts.AddUser(c.Request.Context(), name, role, c.PostForm("password"))
	}
	if err != nil {
		s.usersProblem(c, err, adminUsersView{Name: name, Role: roleName})
		return
	}
	flash(c, "The account %s (%s) is made.", u.Name, u.Role)
	redirectAfterPost(c, "/admin/users")
}

// updateUserPage changes an account's role, sets a new password, or ends
// its sessions: whichever the button pressed says.
func (s *Server) updateUserPage(c *gin.Context) {
	var change incident.UserChange
	var done string
	switch c.PostForm("_action") {
	case "role":
		role, err := incident.ParseRole("role", c.PostForm("role"))
		if err != nil {
			s.usersProblem(c, err, adminUsersView{})
			return
		}
		change.Role, done = &role, "now has the role "+string(role)
	case "password":
		hash, err := auth.HashPassword(c.PostForm("password"))
		if err != nil {
			s.usersProblem(c, err, adminUsersView{})
			return
		}
		change.PasswordHash, done = &hash, "has a new password; their sessions are ended"
	case "end_sessions":
		change.EndSessions, done = true, "is signed out everywhere"
	default:
		writeError(c, &incident.Error{Code: incident.EMALFORMED, Message: "The form did not say what to change.",
			Fields: map[string]string{"_action": "must be role, password or end_sessions"}})
		return
	}
	u, err := s.accounts.UpdateUser(c.Request.Context(), c.Param("name"), change)
	if err != nil {
		s.usersProblem(c, err, adminUsersView{})
		return
	}
	flash(c, "%s %s.", u.Name, done)
	redirectAfterPost(c, "/admin/users")
}

// deleteUserPage deletes an account, with its tokens and sessions.
func (s *Server) deleteUserPage(c *gin.Context) {
	u, err := s.accounts.DeleteUser(c.Request.Context(), c.Param("name"))
	if err != nil {
		s.usersProblem(c, err, adminUsersView{})
		return
	}
	flash(c, "The account %s is deleted.", u.Name)
	redirectAfterPost(c, "/admin/users")
}

// adminTokensPage lists everyone's API tokens.
func (s *Server) adminTokensPage(c *gin.Context) { s.showAdminTokens(c, http.StatusOK, tokensView{}) }

func (s *Server) showAdminTokens(c *gin.Context, status int, form tokensView) {
	ctx := c.Request.Context()
	tokens, err := s.accounts.Tokens(ctx, 0)
	if err != nil {
		writeError(c, err)
		return
	}
	users, err := s.accounts.Users(ctx)
	if err != nil {
		writeError(c, err)
		return
	}
	v := tokensView{Tokens: tokens, Users: users, Roles: incident.Roles, Problem: form.Problem, Form: form.Form,
		Action: "/admin/tokens", Admin: true, Now: time.Now()}
	v.New, v.Secret = s.takeNewToken(c, "/admin/tokens")
	renderView(c, status, "admin-tokens", newView(c, "API tokens", "admin", v))
}

// createTokenPage makes a token for any account.
func (s *Server) createTokenPage(c *gin.Context) {
	in := tokenFromForm(c)
	t, secret, err := s.mintToken(c, in)
	if err != nil {
		if refused(err) || incident.ErrorCode(err) == incident.ENOTFOUND {
			s.showAdminTokens(c, http.StatusUnprocessableEntity, tokensView{Problem: problemText(err), Form: in})
			return
		}
		writeError(c, err)
		return
	}
	s.giveNewToken(c, "/admin/tokens", t, secret)
	flash(c, "The token %s for %s is made. Copy it now: it is shown only this once.", t.ID, t.User)
	redirectAfterPost(c, "/admin/tokens")
}

// revokeTokenPage revokes anyone's token.
func (s *Server) revokeTokenPage(c *gin.Context) { s.revokeAndReturn(c, "/admin/tokens") }

// vocabulariesView is the vocabularies page.
type vocabulariesView struct {
	Causes, Gaps          []incident.Category
	Problem               string
	Kind, Slug, Describes string
}

func (s *Server) adminVocabulariesPage(c *gin.Context) {
	s.showVocabularies(c, http.StatusOK, vocabulariesView{})
}

func (s *Server) showVocabularies(c *gin.Context, status int, v vocabulariesView) {
	cats, err := s.store.Categories(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	for _, cat := range cats {
		if cat.Kind == incident.GapVocabulary {
			v.Gaps = append(v.Gaps, cat)
		} else {
			v.Causes = append(v.Causes, cat)
		}
	}
	renderView(c, status, "admin-vocabularies", newView(c, "Vocabularies", "admin", v))
}

// addCategoryPage extends a vocabulary. Categories are never removed:
// incidents filed under one must stay valid.
func (s *Server) addCategoryPage(c *gin.Context) {
	cat := incident.Category{Kind: incident.VocabularyKind(c.PostForm("kind")), Slug: strings.TrimSpace(c.PostForm("slug")),
		Description: strings.TrimSpace(c.PostForm("description"))}
	if err := s.store.AddCategory(c.Request.Context(), cat); err != nil {
		if refused(err) {
			s.showVocabularies(c, http.StatusUnprocessableEntity, vocabulariesView{Problem: problemText(err),
				Kind: string(cat.Kind), Slug: cat.Slug, Describes: cat.Description})
			return
		}
		writeError(c, err)
		return
	}
	flash(c, "The category %s is added.", cat.Slug)
	redirectAfterPost(c, "/admin/vocabularies")
}
