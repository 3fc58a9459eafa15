package incident

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// Role is what a person or token may do. Roles are ordered: each can do
// everything the one below it can.
type Role string

// The roles, lowest first.
const (
	RoleViewer    Role = "viewer"    // read everything
	RoleResponder Role = "responder" // file and edit incidents, comment, import
	RoleAdmin     Role = "admin"     // delete, vocabularies, users, others' tokens, the audit log
)

// Roles lists the roles, lowest first.
var Roles = []Role{RoleViewer, RoleResponder, RoleAdmin}

// rank orders the roles; an unknown role ranks below every known one, so
// it can do nothing.
func (r Role) rank() int {
	for i, known := range Roles {
		if r == known {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r may do what min may do.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// Lower returns the lower of two roles: a token limited to viewer stays a
// viewer however high its owner's role.
func (r Role) Lower(other Role) Role {
	if other.rank() < r.rank() {
		return other
	}
	return r
}

// ParseRole reads a role name, reporting a field error for anything else.
func ParseRole(field, name string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(name)))
	if !r.Valid() {
		return "", &Error{Code: EINVALID, Message: "Some fields are not valid.",
			Fields: map[string]string{field: "must be one of viewer, responder, admin"}}
	}
	return r, nil
}

// ActorKind says what kind of credentials a change was made with.
type ActorKind string

// The kinds of actor.
const (
	ActorUser   ActorKind = "user"   // a person signed in with a session
	ActorToken  ActorKind = "token"  // an API token, on behalf of its owner
	ActorCLI    ActorKind = "cli"    // the aftermath command on the database's machine
	ActorSystem ActorKind = "system" // the server itself (first start, demo data)
	// ActorAnonymous is someone not signed in: a failed login.
	ActorAnonymous ActorKind = "anonymous"
)

// Actor is who is asking: it is carried in the context from the edge that
// checked the credentials to the store, which records it in the audit log.
type Actor struct {
	Kind ActorKind `json:"kind"`
	// Name is the user's name; for the CLI, the operating-system user.
	Name string `json:"name"`
	// TokenID and TokenLabel name the API token used, if any.
	TokenID    string `json:"token_id,omitempty"`
	TokenLabel string `json:"token_label,omitempty"`
	// UserID is the account's id (0 for the CLI and the system).
	UserID int64 `json:"-"`
	Role   Role  `json:"role,omitempty"`
	// Address is the client's IP address, as far as it can be known.
	Address string `json:"address,omitempty"`
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor carried by ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// User is an account. Credentials never leave the server: the password
// hash and the session epoch are not serialised.
type User struct {
	ID   int64  `json:"-"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Source is "local" (a password) or "oidc" (single sign-on).
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	PasswordHash string `json:"-"`
	// SessionEpoch is raised whenever the user's sessions must end
	// (a password change); a session made under an older epoch is void.
	SessionEpoch int64 `json:"-"`
	// OIDCSubject is "issuer subject" for single-sign-on accounts.
	OIDCSubject string `json:"-"`
}

// User sources.
const (
	SourceLocal = "local"
	SourceOIDC  = "oidc"
)

// APIToken describes an API token. The secret itself is shown once, on
// creation, and only its hash is stored.
type APIToken struct {
	ID     string `json:"id"`
	User   string `json:"user"`
	UserID int64  `json:"-"`
	Label  string `json:"label"`
	// Role caps what the token may do below its owner's role; empty means
	// the owner's role.
	Role       Role       `json:"role,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	Hash       []byte     `json:"-"`
}

// Limits on account fields.
const (
	MaxUserName   = 64
	MaxTokenLabel = 100
)

var userNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@+-]*$`)

// NormalizeUserName lowercases and trims a user name: names are compared
// without case, so "Sam" and "sam" are one account.
func NormalizeUserName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// ValidateUserName checks a normalised user name: ASCII letters, digits and
// . _ @ + -, starting with a letter or digit, so that names cannot look
// alike in another script and fit in a URL path as they are.
func ValidateUserName(field, name string) error {
	errs := FieldErrors{}
	switch {
	case name == "":
		errs.Add(field, "is required")
	case len(name) > MaxUserName:
		errs.Add(field, tooLong(MaxUserName))
	case !userNamePattern.MatchString(name):
		errs.Add(field, "may hold only lowercase letters, digits and . _ @ + -, and must start with a letter or digit")
	}
	return errs.Err()
}

// ValidateTokenLabel checks a token's label.
func ValidateTokenLabel(label string) error {
	errs := FieldErrors{}
	optionalName(&errs, "label", label, MaxTokenLabel)
	return errs.Err()
}

// UserChange is a change to an account; nil fields stay as they are.
type UserChange struct {
	Role         *Role
	PasswordHash *string
	// EndSessions voids every session of the user (a new password does
	// this by itself).
	EndSessions bool
}

// LoginLimit is the login rate limit: after Max failures in a row for one
// account or one address, its logins are refused for Lockout; a failure
// older than Forget no longer counts.
type LoginLimit struct {
	Max     int
	Lockout time.Duration
	Forget  time.Duration
}
