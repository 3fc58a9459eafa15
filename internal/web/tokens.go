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
	t, secret, err := s.mintToken(c, in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, createdToken{APIToken: t, Token: secret})
}

// mintToken makes the token asked for by the request's principal: for
// themselves, or (an admin) for someone else; never above the role of a
// capped token that asks. The API and the pages both make tokens here.
func (s *Server) mintToken(c *gin.Context, in newToken) (*incident.APIToken, string, error) {
	p := principal(c)
	owner := p.User
	if in.User != "" && incident.NormalizeUserName(in.User) != owner.Name {
		if p.Role != incident.RoleAdmin {
			return nil, "", incident.Errorf(incident.EFORBIDDEN, "Only an admin may make tokens for someone else.")
		}
		u, err := s.accounts.User(c.Request.Context(), in.User)
		if err != nil {
			return nil, "", err
		}
		owner = u
	}
	req := auth.TokenRequest{Label: in.Label}
	var err error
	if req.ExpiresIn, err = auth.ParseLifetime("expires_in", in.ExpiresIn); err != nil {
		return nil, "", err
	}
	if in.Role != "" {
		if req.Role, err = incident.ParseRole("role", in.Role); err != nil {
			return nil, "", err
		}
	}
	if p.Token != nil && p.Token.Role != "" {
		// A capped token cannot mint a token stronger than itself.
		if req.Role == "" {
			req.Role = p.Role
		} else if !p.Role.AtLeast(req.Role) {
			return nil, "", &incident.Error{Code: incident.EINVALID, Message: "Some fields are not valid.",
				Fields: map[string]string{"role": "cannot be above the role of the token making it (" + string(p.Role) + ")"}}
		}
	}
	return s.accounts.CreateToken(c.Request.Context(), owner, req)
}

func (s *Server) revokeToken(c *gin.Context) {
	if err := s.revokeTokenFor(c, c.Param("id")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// revokeTokenFor revokes a token of the request's principal (an admin:
// anyone's). Someone else's token does not exist for a non-admin.
func (s *Server) revokeTokenFor(c *gin.Context, id string) error {
	p := principal(c)
	t, err := s.accounts.Token(c.Request.Context(), id)
	if err == nil && t.UserID != p.User.ID && p.Role != incident.RoleAdmin {
		err = incident.Errorf(incident.ENOTFOUND, "Token %q does not exist.", id)
	}
	if err != nil {
		return err
	}
	_, err = s.accounts.RevokeToken(c.Request.Context(), t.ID)
	return err
}
