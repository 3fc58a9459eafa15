package auth

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// LoginStore counts failed logins; *store.Store has it.
type LoginStore interface {
	LoginLockedUntil(ctx context.Context, keys []string) (time.Time, error)
	RecordLoginFailure(ctx context.Context, name string, keys []string, limit incident.LoginLimit) (time.Time, error)
	RecordLogin(ctx context.Context, action, name, method string, keys []string) error
	ForgetLoginFailures(ctx context.Context, forget time.Duration) error
}

// Login checks a user name and password from a client at address. Whatever
// is wrong (no such user, a wrong password, a single-sign-on account) the
// answer is the same, and takes as long: a user who does not exist is
// checked against a dummy hash.
//
// After the limit's failures in a row for the account or for the address,
// logins from either answer ERATELIMIT until the lock ends, without
// checking the password: a guesser learns nothing more. Accounts that do
// not exist are counted and locked like real ones, so a lock does not tell
// either.
//
// Every attempt is in the audit log: a success as the user, a failure as
// an anonymous caller from address.
func (a *Accounts) Login(ctx context.Context, name, password, address string) (*incident.User, error) {
	return a.checkPassword(ctx, "login", name, password, address)
}

func (a *Accounts) checkPassword(ctx context.Context, action, name, password, address string) (*incident.User, error) {
	name = incident.NormalizeUserName(name)
	if len(name) > incident.MaxUserName {
		name = name[:incident.MaxUserName] // no account has a longer name
	}
	keys := loginKeys(name, address)
	until, err := a.store.LoginLockedUntil(ctx, keys)
	if err != nil {
		return nil, err
	}
	if !until.IsZero() {
		return nil, lockedOut(until, a.now())
	}
	u, err := a.store.UserByName(ctx, name)
	switch {
	case incident.ErrorCode(err) == incident.ENOTFOUND:
		WasteTime(password)
	case err != nil:
		return nil, err
	case CheckPassword(u.PasswordHash, password):
		who := incident.WithActor(ctx, incident.Actor{Kind: incident.ActorUser, Name: u.Name, UserID: u.ID, Role: u.Role, Address: address})
		if err := a.store.RecordLogin(who, action, u.Name, "password", keys); err != nil {
			return nil, err
		}
		return u, nil
	}
	anonymous := incident.WithActor(ctx, incident.Actor{Kind: incident.ActorAnonymous, Address: address})
	if _, err := a.store.RecordLoginFailure(anonymous, name, keys, a.limit); err != nil {
		return nil, err
	}
	return nil, unauthorized("The user name or password is not right.")
}

// ChangeOwnPassword sets user's password after checking the current one.
// A wrong current password counts as a failed login, so a stolen session
// cannot be used to guess it.
func (a *Accounts) ChangeOwnPassword(ctx context.Context, user *incident.User, current, next, address string) (*incident.User, error) {
	if err := CheckPasswordRules("new_password", next); err != nil {
		return nil, err
	}
	if _, err := a.checkPassword(ctx, "password.confirm", user.Name, current, address); err != nil {
		if incident.ErrorCode(err) == incident.EUNAUTHORIZED {
			return nil, fieldError("current_password", "is not right")
		}
		return nil, err
	}
	return a.SetPassword(ctx, user.Name, next)
}

// loginKeys are the counters a login attempt touches: its account's and
// its address's (an IPv6 client by its /64, which one host usually holds
// whole).
func loginKeys(name, address string) []string {
	keys := []string{"user " + name}
	if addr, err := netip.ParseAddr(address); err == nil {
		addr = addr.Unmap()
		if addr.Is6() {
			keys = append(keys, "addr "+netip.PrefixFrom(addr, 64).Masked().String())
		} else {
			keys = append(keys, "addr "+addr.String())
		}
	} else if address != "" {
		keys = append(keys, "addr "+address)
	}
	return keys
}

func lockedOut(until, now time.Time) error {
	minutes := max(1, int(math.Ceil(until.Sub(now).Minutes())))
	return &incident.Error{Code: incident.ERATELIMIT,
		Message:    fmt.Sprintf("Too many failed logins; try again in %d minutes.", minutes),
		RetryAfter: int(math.Ceil(until.Sub(now).Seconds()))}
}
