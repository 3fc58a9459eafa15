package auth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// TokenRequest describes a token to create.
type TokenRequest struct {
	Label string
	// ExpiresIn is the token's lifetime; 0 means it does not expire.
	ExpiresIn time.Duration
	// Role caps the token below its owner's role; empty means the owner's.
	Role incident.Role
}

// MaxTokenLifetime bounds ExpiresIn (ten years), so that an expiry always
// fits the database's integers.
const MaxTokenLifetime = 10 * 365 * 24 * time.Hour

// CreateToken makes an API token for owner. The secret is returned once
// and never stored: only its hash is.
func (a *Accounts) CreateToken(ctx context.Context, owner *incident.User, req TokenRequest) (*incident.APIToken, string, error) {
	req.Label = strings.TrimSpace(req.Label)
	if err := incident.ValidateTokenLabel(req.Label); err != nil {
		return nil, "", err
	}
	if req.ExpiresIn < 0 || req.ExpiresIn > MaxTokenLifetime {
		return nil, "", fieldError("expires_in", "must be a positive duration of at most ten years")
	}
	if req.Role != "" {
		if !req.Role.Valid() {
			return nil, "", fieldError("role", "must be one of viewer, responder, admin")
		}
		if !owner.Role.AtLeast(req.Role) {
			return nil, "", fieldError("role", fmt.Sprintf("cannot be above the owner's role (%s)", owner.Role))
		}
	}
	id, secret := newToken()
	t := &incident.APIToken{ID: id, UserID: owner.ID, Label: req.Label, Role: req.Role, Hash: secretHash(secret)}
	if req.ExpiresIn > 0 {
		at := a.now().Add(req.ExpiresIn).UTC().Truncate(time.Second)
		t.ExpiresAt = &at
	}
	if err := a.store.CreateToken(ctx, t); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// Tokens lists the tokens of userID, or everyone's when userID is 0.
func (a *Accounts) Tokens(ctx context.Context, userID int64) ([]incident.APIToken, error) {
	return a.store.Tokens(ctx, userID)
}

// Token finds a token by its public id.
func (a *Accounts) Token(ctx context.Context, id string) (*incident.APIToken, error) {
	return a.store.Token(ctx, id)
}

// RevokeToken deletes a token. It stops working at once on this instance
// and within the cache's TTL on others.
func (a *Accounts) RevokeToken(ctx context.Context, id string) (*incident.APIToken, error) {
	t, err := a.store.RevokeToken(ctx, id)
	if err != nil {
		return nil, err
	}
	a.tokens.removeIf(func(p Principal) bool { return p.Token != nil && p.Token.ID == id })
	return t, nil
}

// AuthenticateToken checks an API token. A token checked within the
// cache's TTL is answered from memory, so a client's requests cost no
// database read for it; its use is recorded in memory and written in
// batches by FlushUsage.
func (a *Accounts) AuthenticateToken(ctx context.Context, raw string) (*Principal, error) {
	if !wellFormedToken(raw) {
		return nil, unauthorized("The token is not valid.")
	}
	now := a.now()
	hash := secretHash(raw)
	key := string(hash)
	p, ok := a.tokens.get(key, now)
	if !ok {
		fresh, err := a.lookupToken(ctx, hash)
		switch {
		case incident.ErrorCode(err) == incident.ENOTFOUND:
			a.tokens.remove(key)
			return nil, unauthorized("The token is not valid.")
		case err != nil:
			// The database does not answer: a token that was valid a
			// moment ago still is, for what can be answered without it.
			if p, ok = a.tokens.stale(key, now); !ok {
				return nil, err
			}
		default:
			p = *fresh
			until := now.Add(a.ttl)
			if p.Token.ExpiresAt != nil && p.Token.ExpiresAt.Before(until) {
				until = *p.Token.ExpiresAt
			}
			a.tokens.put(key, p, until, now)
		}
	}
	if p.Token.ExpiresAt != nil && !now.Before(*p.Token.ExpiresAt) {
		return nil, unauthorized("The token has expired.")
	}
	a.usage.record(p.Token.ID, now)
	return &p, nil
}

// lookupToken reads a token and its owner from the database.
func (a *Accounts) lookupToken(ctx context.Context, hash []byte) (*Principal, error) {
	t, owner, err := a.store.TokenByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	role := owner.Role
	if t.Role != "" {
		role = role.Lower(t.Role)
	}
	return &Principal{User: owner, Role: role, Token: t}, nil
}

// FlushUsage writes when each token was last used, for all the uses since
// the last flush, in one transaction.
func (a *Accounts) FlushUsage(ctx context.Context) error {
	pending := a.usage.take()
	if err := a.store.TouchTokens(ctx, pending); err != nil {
		a.usage.putBack(pending)
		return err
	}
	return nil
}

// usage collects the last use of each token between flushes.
type usage struct {
	mu      sync.Mutex
	pending map[string]time.Time
}

func newUsage() *usage { return &usage{pending: map[string]time.Time{}} }

func (u *usage) record(id string, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if at.After(u.pending[id]) {
		u.pending[id] = at
	}
}

func (u *usage) take() map[string]time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	p := u.pending
	u.pending = map[string]time.Time{}
	return p
}

func (u *usage) putBack(p map[string]time.Time) {
	for id, at := range p {
		u.record(id, at)
	}
}

// ParseLifetime reads a token lifetime as people write one: a Go duration
// (720h, 90m) or a number of days (30d). "" and "0" mean no expiry.
func ParseLifetime(field, s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err = fmt.Sscanf(days, "%d", &n); err == nil && fmt.Sprint(n) == days {
			d = time.Duration(n) * 24 * time.Hour
		} else {
			err = fmt.Errorf("bad day count")
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 || d > MaxTokenLifetime {
		return 0, fieldError(field, "must be a duration such as 30d, 720h or 90m, at most ten years")
	}
	return d, nil
}
