package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// The account handlers are admin-only (the route table says so); the rules
// (names, roles, password length, the last admin) are in auth and store.

func (s *Server) listUsers(c *gin.Context) {
	users, err := s.accounts.Users(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": users})
}

type newUser struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

func (s *Server) createUser(c *gin.Context) {
	var in newUser
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	role, err := incident.ParseRole("role", in.Role)
	if err != nil {
		writeError(c, err)
		return
	}
	u, err := s.accounts.AddUser(c.Request.Context(), in.Name, role, in.Password)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", "/api/v1/users/"+u.Name)
	c.JSON(http.StatusCreated, u)
}

type userPatch struct {
	Role        *string `json:"role"`
	Password    *string `json:"password"`
	EndSessions bool    `json:"end_sessions"`
}

// patchUser changes a role or a password, or ends every session of the
// user; a new password ends them too.
func (s *Server) patchUser(c *gin.Context) {
	var in userPatch
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	change := incident.UserChange{EndSessions: in.EndSessions}
	if in.Role != nil {
		role, err := incident.ParseRole("role", *in.Role)
		if err != nil {
			writeError(c, err)
			return
		}
		change.Role = &role
	}
	if in.Password != nil {
		hash, err := auth.HashPassword(*in.Password)
		if err != nil {
			writeError(c, err)
			return
		}
		change.PasswordHash = &hash
	}
	u, err := s.accounts.UpdateUser(c.Request.Context(), c.Param("name"), change)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s *Server) deleteUser(c *gin.Context) {
	if _, err := s.accounts.DeleteUser(c.Request.Context(), c.Param("name")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// me says who the credentials name: scripts check their token with it.
func (s *Server) me(c *gin.Context) {
	p := principal(c)
	out := meAnswer{Name: p.User.Name, Role: p.Role, Source: p.User.Source}
	if p.Token != nil {
		out.Token = &meToken{ID: p.Token.ID, Label: p.Token.Label, ExpiresAt: p.Token.ExpiresAt}
	}
	c.JSON(http.StatusOK, out)
}

// meAnswer says who the credentials name.
type meAnswer struct {
	Name   string        `json:"name"`
	Role   incident.Role `json:"role"`
	Source string        `json:"source"`
	// Token is the token used, if the request came with one.
	Token *meToken `json:"token,omitempty"`
}

type meToken struct {
	ID        string     `json:"id"`
	Label     string     `json:"label"`
	ExpiresAt *time.Time `json:"expires_at"`
}

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changeOwnPassword sets the caller's password after checking the current
// one. Every session of the user ends; the caller's own session, if the
// change came through one, starts again under the new password.
func (s *Server) changeOwnPassword(c *gin.Context) {
	var in passwordChange
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	p := principal(c)
	u, err := s.accounts.ChangeOwnPassword(c.Request.Context(), p.User, in.CurrentPassword, in.NewPassword, c.ClientIP())
	if err != nil {
		writeError(c, err)
		return
	}
	if sm := sessionManager(c); sm != nil && p.Token == nil {
		if err := s.accounts.StartSession(c.Request.Context(), sm, u, "password"); err != nil {
			writeError(c, err)
			return
		}
	}
	c.Status(http.StatusNoContent)
}
