package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Store is what this package keeps in the database; *store.Store has it.
type Store interface {
	CreateUser(ctx context.Context, u *incident.User) error
	UserByName(ctx context.Context, name string) (*incident.User, error)
	UserByID(ctx context.Context, id int64) (*incident.User, error)
	UserByOIDCSubject(ctx context.Context, subject string) (*incident.User, error)
	Users(ctx context.Context) ([]incident.User, error)
	CountUsers(ctx context.Context) (int64, error)
	UpdateUser(ctx context.Context, name string, change incident.UserChange) (*incident.User, error)
	DeleteUser(ctx context.Context, name string) (*incident.User, error)

	CreateToken(ctx context.Context, t *incident.APIToken) error
	TokenByHash(ctx context.Context, hash []byte) (*incident.APIToken, *incident.User, error)
	Token(ctx context.Context, id string) (*incident.APIToken, error)
	Tokens(ctx context.Context, userID int64) ([]incident.APIToken, error)
	RevokeToken(ctx context.Context, id string) (*incident.APIToken, error)
	TouchTokens(ctx context.Context, lastUsed map[string]time.Time) error

	SessionStore
	LoginStore
}

// Defaults for Config.
const (
	DefaultCacheTTL        = 5 * time.Second
	DefaultSessionIdle     = 8 * time.Hour
	DefaultSessionLifetime = 7 * 24 * time.Hour
)

// DefaultLoginLimit: ten failures in a row lock an account or an address
// for fifteen minutes; a failure a day old is forgotten.
var DefaultLoginLimit = incident.LoginLimit{Max: 10, Lockout: 15 * time.Minute, Forget: 24 * time.Hour}

// Config sets up Accounts; zero fields take the defaults.
type Config struct {
	Store Store
	// Now is the clock; tests move it.
	Now func() time.Time
	// CacheTTL is how long a checked token, session or user is trusted
	// without asking the database again: the longest a token revoked (or
	// a password changed) on another instance keeps working.
	CacheTTL time.Duration
	// LoginLimit limits failed logins per account and per address.
	LoginLimit incident.LoginLimit
	// SessionIdle ends a session unused for that long; SessionLifetime
	// ends every session that long after its login.
	SessionIdle, SessionLifetime time.Duration
}

// Accounts is the one place accounts, tokens, logins and sessions are
// decided; the API, the pages and the CLI all go through it.
type Accounts struct {
	store  Store
	now    func() time.Time
	ttl    time.Duration
	limit  incident.LoginLimit
	idle   time.Duration
	life   time.Duration
	tokens *ttlCache[string, Principal] // by the token's hash
	users  *ttlCache[int64, *incident.User]
	usage  *usage
	// Sessions keeps sessions for alexedwards/scs.
	Sessions *SessionRows
}

// New builds Accounts from cfg.
func New(cfg Config) *Accounts {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.LoginLimit.Max <= 0 {
		cfg.LoginLimit = DefaultLoginLimit
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	a := &Accounts{store: cfg.Store, now: cfg.Now, ttl: cfg.CacheTTL, limit: cfg.LoginLimit,
		idle: cfg.SessionIdle, life: cfg.SessionLifetime,
		tokens: newTTLCache[string, Principal](), users: newTTLCache[int64, *incident.User](),
		usage: newUsage()}
	a.Sessions = newSessionRows(cfg.Store, cfg.Now, cfg.CacheTTL, cfg.SessionIdle)
	return a
}

// Principal is who a request's credentials name.
type Principal struct {
	User *incident.User
	// Role is what the request may do: the user's role, capped by the
	// token's.
	Role incident.Role
	// Token is the API token used, nil for a session.
	Token *incident.APIToken
}

// Actor is the principal as the audit log records it.
func (p *Principal) Actor(address string) incident.Actor {
	a := incident.Actor{Kind: incident.ActorUser, Name: p.User.Name, UserID: p.User.ID, Role: p.Role, Address: address}
	if p.Token != nil {
		a.Kind, a.TokenID, a.TokenLabel = incident.ActorToken, p.Token.ID, p.Token.Label
	}
	return a
}

// AddUser creates a local account with a password.
func (a *Accounts) AddUser(ctx context.Context, name string, role incident.Role, password string) (*incident.User, error) {
	name = incident.NormalizeUserName(name)
	if err := incident.ValidateUserName("name", name); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, fieldError("role", "must be one of viewer, responder, admin")
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &incident.User{Name: name, Role: role, Source: incident.SourceLocal, PasswordHash: hash}
	if err := a.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// EnsureAdmin creates the account "admin" when there is no account at all,
// with password, or a random one when password is empty. It returns the
// password it set, or "" when accounts exist already.
func (a *Accounts) EnsureAdmin(ctx context.Context, password string) (string, error) {
	n, err := a.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	if password == "" {
		password = RandomPassword()
	}
	_, err = a.AddUser(ctx, "admin", incident.RoleAdmin, password)
	if incident.ErrorCode(err) == incident.EINVALID {
		if _, lookup := a.store.UserByName(ctx, "admin"); lookup == nil {
			return "", nil // another instance made it first
		}
	}
	if err != nil {
		return "", err
	}
	return password, nil
}

// RandomPassword makes a password of 20 URL-safe characters (120 bits).
func RandomPassword() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SetPassword gives an account a new password and ends its sessions.
func (a *Accounts) SetPassword(ctx context.Context, name, password string) (*incident.User, error) {
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	return a.UpdateUser(ctx, name, incident.UserChange{PasswordHash: &hash})
}

// UpdateUser changes an account and forgets what was cached of it, so the
// change holds at once on this instance (and within the cache's TTL on
// the others).
func (a *Accounts) UpdateUser(ctx context.Context, name string, change incident.UserChange) (*incident.User, error) {
	u, err := a.store.UpdateUser(ctx, incident.NormalizeUserName(name), change)
	if err != nil {
		return nil, err
	}
	a.forgetUser(u.ID)
	return u, nil
}

// DeleteUser removes an account, its tokens and (by their epoch) its
// sessions.
func (a *Accounts) DeleteUser(ctx context.Context, name string) (*incident.User, error) {
	u, err := a.store.DeleteUser(ctx, incident.NormalizeUserName(name))
	if err != nil {
		return nil, err
	}
	a.forgetUser(u.ID)
	return u, nil
}

// User finds an account by name.
func (a *Accounts) User(ctx context.Context, name string) (*incident.User, error) {
	return a.store.UserByName(ctx, incident.NormalizeUserName(name))
}

// Users lists every account.
func (a *Accounts) Users(ctx context.Context) ([]incident.User, error) { return a.store.Users(ctx) }

func (a *Accounts) forgetUser(id int64) {
	a.users.remove(id)
	a.tokens.removeIf(func(p Principal) bool { return p.User.ID == id })
}

// unauthorized is the one answer to bad credentials: it never says which
// part was wrong.
func unauthorized(msg string) error { return incident.Errorf(incident.EUNAUTHORIZED, "%s", msg) }
