package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Everyone manages their own tokens; an admin manages anyone's. Someone
// else's token is "not found" to a non-admin, so ids cannot be probed.

func (s *Server) listTokens(c *gin.Context) {
	p := principal(c)
	userID := p.User.ID
	if p.Role == incident.RoleAdmin {
		userID = 0
		if name := c.Query("user"); name != "" {
			u, err := s.accounts.User(c.Request.Context(), name)
			if err != nil {
				writeError(c, err)
				return
			}
			userID = u.ID
		}
	}
	tokens, err := s.accounts.Tokens(c.Request.Context(), userID)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": tokens})
}

type newToken struct {
	Label string `json:"label"`
	// ExpiresIn is a lifetime such as "30d" or "720h"; empty for none.
	ExpiresIn string `json:"expires_in"`
	Role      string `json:"role"`
	// User is whose token it is; only an admin may name another user.
	User string `json:"user"`
}

// createdToken is the one answer that shows a token's secret.
type createdToken struct {
	*incident.APIToken
	Token string `json:"token"`
}

func (s *Server) createToken(c *gin.Context) {
	var in newToken
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	p := principal(c)
	owner := p.User
	if in.User != "" && incident.NormalizeUserName(in.User) != owner.Name {
		if p.Role != incident.RoleAdmin {
			writeError(c, incident.Errorf(incident.EFORBIDDEN, "Only an admin may make tokens for someone else."))
			return
		}
		u, err := s.accounts.User(c.Request.Context(), in.User)
		if err != nil {
			writeError(c, err)
			return
		}
		owner = u
	}
	req := auth.TokenRequest{Label: in.Label}
	var err error
	if req.ExpiresIn, err = auth.ParseLifetime("expires_in", in.ExpiresIn); err != nil {
		writeError(c, err)
		return
	}
	if in.Role != "" {
		if req.Role, err = incident.ParseRole("role", in.Role); err != nil {
			writeError(c, err)
			return
		}
	}
	if p.Token != nil && p.Token.Role != "" {
		// A capped token cannot mint a token stronger than itself.
		if req.Role == "" {
			req.Role = p.Role
		} else if !p.Role.AtLeast(req.Role) {
			writeError(c, &incident.Error{Code: incident.EINVALID, Message: "Some fields are not valid.",
				Fields: map[string]string{"role": "cannot be above the role of the token making it (" + string(p.Role) + ")"}})
			return
		}
	}
	t, secret, err := s.accounts.CreateToken(c.Request.Context(), owner, req)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, createdToken{APIToken: t, Token: secret})
}

func (s *Server) revokeToken(c *gin.Context) {
	p := principal(c)
	t, err := s.accounts.Token(c.Request.Context(), c.Param("id"))
	if err == nil && t.UserID != p.User.ID && p.Role != incident.RoleAdmin {
		err = incident.Errorf(incident.ENOTFOUND, "Token %q does not exist.", c.Param("id"))
	}
	if err != nil {
		writeError(c, err)
		return
	}
	if _, err := s.accounts.RevokeToken(c.Request.Context(), t.ID); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
