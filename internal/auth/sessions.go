package auth

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// SessionStore keeps sessions in the database, keyed by the hash of their
// token; *store.Store has it.
type SessionStore interface {
	FindSession(ctx context.Context, tokenHash []byte) ([]byte, time.Time, bool, error)
	CommitSession(ctx context.Context, tokenHash, data []byte, expiry time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
	DeleteExpiredSessions(ctx context.Context) (int64, error)
}

// Cookie names. Over HTTPS the cookie takes the __Host- prefix, which
// browsers accept only when Secure, on path /, without a Domain: no other
// host or path can set or shadow it.
const (
	CookieName       = "aftermath_session"
	SecureCookieName = "__Host-aftermath_session"
)

// Keys of the values a session holds.
const (
	sessionUser   = "uid"
	sessionEpoch  = "epoch"
	sessionAuthAt = "auth_at"
	sessionVia    = "via"
)

// NewSessionManager makes the scs manager for one scheme: secure for
// requests that came over HTTPS, plain otherwise. Both share one store.
func (a *Accounts) NewSessionManager(secure bool) *scs.SessionManager {
	sm := scs.New()
	sm.Store = a.Sessions
	sm.Codec = sessionCodec{}
	sm.IdleTimeout = a.idle
	sm.Lifetime = a.life
	sm.Cookie.Name = CookieName
	if secure {
		sm.Cookie.Name = SecureCookieName
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = secure
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = true
	return sm
}

// StartSession signs user in on the request's session. The session gets a
// new token first, so that a token planted before the login (session
// fixation) is worth nothing after it.
func (a *Accounts) StartSession(ctx context.Context, sm *scs.SessionManager, user *incident.User, via string) error {
	if err := sm.RenewToken(ctx); err != nil {
		return err
	}
	for _, key := range sm.Keys(ctx) {
		sm.Remove(ctx, key) // nothing from before the login survives it
	}
	sm.Put(ctx, sessionUser, user.ID)
	sm.Put(ctx, sessionEpoch, user.SessionEpoch)
	sm.Put(ctx, sessionAuthAt, a.now().Unix())
	sm.Put(ctx, sessionVia, via)
	return nil
}

// SessionPrincipal returns who the request's session names, or nil for a
// session that names nobody or no longer counts: its user is gone, its
// password changed since (the epoch moved), or it outlived the absolute
// lifetime. A void session is destroyed, so its cookie is cleared.
func (a *Accounts) SessionPrincipal(ctx context.Context, sm *scs.SessionManager) (*Principal, error) {
	id := sm.GetInt64(ctx, sessionUser)
	if id == 0 {
		return nil, nil
	}
	now := a.now()
	u, ok := a.users.get(id, now)
	if !ok {
		var err error
		u, err = a.store.UserByID(ctx, id)
		if incident.ErrorCode(err) == incident.ENOTFOUND {
			return nil, sm.Destroy(ctx)
		} else if err != nil {
			return nil, err
		}
		a.users.put(id, u, now.Add(a.ttl), now)
	}
	authAt := time.Unix(sm.GetInt64(ctx, sessionAuthAt), 0)
	if u.SessionEpoch != sm.GetInt64(ctx, sessionEpoch) || now.Sub(authAt) >= a.life {
		return nil, sm.Destroy(ctx)
	}
	return &Principal{User: u, Role: u.Role}, nil
}

// EndSession signs the request's session out and deletes it.
func (a *Accounts) EndSession(ctx context.Context, sm *scs.SessionManager) error {
	return sm.Destroy(ctx)
}

// SessionRows adapts the database's sessions to scs (scs.CtxStore). It
// hashes tokens before they reach the database, and spares the writer:
//
//   - scs commits a session on every request to push its idle expiry
//     forward; a commit that changes nothing but moves the expiry by less
//     than coalesceWithin is skipped, so the stored expiry may trail the
//     cookie's by that much (a tenth of the idle timeout, at most 5 min);
//   - a session read within the cache's TTL is answered from memory, so a
//     logout on another instance takes up to the TTL to reach this one
//     (at once on this one).
type SessionRows struct {
	store          SessionStore
	now            func() time.Time
	ttl            time.Duration
	coalesceWithin time.Duration
	cache          *ttlCache[string, sessionEntry]
}

type sessionEntry struct {
	data   []byte
	expiry time.Time
}

var _ scs.CtxStore = (*SessionRows)(nil)

func newSessionRows(st SessionStore, now func() time.Time, ttl, idle time.Duration) *SessionRows {
	return &SessionRows{store: st, now: now, ttl: ttl, coalesceWithin: min(idle/10, 5*time.Minute),
		cache: newTTLCache[string, sessionEntry]()}
}

// FindCtx returns the session with token, if it exists and has not expired.
func (r *SessionRows) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	hash := secretHash(token)
	now := r.now()
	if e, ok := r.cache.get(string(hash), now); ok {
		if !now.Before(e.expiry) {
			return nil, false, nil
		}
		return e.data, true, nil
	}
	data, expiry, found, err := r.store.FindSession(ctx, hash)
	if err != nil || !found {
		return nil, false, err
	}
	r.cache.put(string(hash), sessionEntry{data: data, expiry: expiry}, now.Add(r.ttl), now)
	return data, true, nil
}

// CommitCtx stores the session, unless only its expiry moved, and by
// little.
func (r *SessionRows) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	hash := secretHash(token)
	now := r.now()
	// scs reckons the expiry from time.Now; the store judges it by our
	// clock. They are one clock in a server, but tests move ours.
	expiry = expiry.Add(now.Sub(time.Now()))
	if e, ok := r.cache.get(string(hash), now); ok && bytes.Equal(e.data, data) &&
		!e.expiry.Before(expiry.Add(-r.coalesceWithin)) && !e.expiry.After(expiry) {
		return nil
	}
	if err := r.store.CommitSession(ctx, hash, data, expiry); err != nil {
		return err
	}
	r.cache.put(string(hash), sessionEntry{data: bytes.Clone(data), expiry: expiry}, now.Add(r.ttl), now)
	return nil
}

// DeleteCtx deletes the session with token.
func (r *SessionRows) DeleteCtx(ctx context.Context, token string) error {
	hash := secretHash(token)
	r.cache.remove(string(hash))
	return r.store.DeleteSession(ctx, hash)
}

// Find is FindCtx without a context.
func (r *SessionRows) Find(token string) ([]byte, bool, error) {
	return r.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context.
func (r *SessionRows) Commit(token string, data []byte, expiry time.Time) error {
	return r.CommitCtx(context.Background(), token, data, expiry)
}

// Delete is DeleteCtx without a context.
func (r *SessionRows) Delete(token string) error { return r.DeleteCtx(context.Background(), token) }

// Keys of a sign-in in progress, kept in the pre-login session.
const (
	flowState    = "oidc_state"
	flowNonce    = "oidc_nonce"
	flowVerifier = "oidc_verifier"
	flowNext     = "oidc_next"
	// flowLifetime bounds a pre-login session: a sign-in takes minutes.
	flowLifetime = 10 * time.Minute
)

// KeepFlow keeps a single-sign-on flow and where to go after it in the
// request's session, which lives for ten minutes unless a login follows.
func (a *Accounts) KeepFlow(ctx context.Context, sm *scs.SessionManager, f Flow, next string) {
	sm.Put(ctx, flowState, f.State)
	sm.Put(ctx, flowNonce, f.Nonce)
	sm.Put(ctx, flowVerifier, f.Verifier)
	sm.Put(ctx, flowNext, next)
	if sm.GetInt64(ctx, sessionUser) == 0 {
		sm.SetDeadline(ctx, time.Now().Add(flowLifetime))
	}
}

// TakeFlow takes the flow out of the session: each can be finished once.
func (a *Accounts) TakeFlow(ctx context.Context, sm *scs.SessionManager) (Flow, string) {
	f := Flow{State: sm.PopString(ctx, flowState), Nonce: sm.PopString(ctx, flowNonce), Verifier: sm.PopString(ctx, flowVerifier)}
	return f, sm.PopString(ctx, flowNext)
}
