package store

import (
	"context"
	"slices"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Failed logins are counted in the database, per account and per client
// address, so that every instance on one database enforces one limit.

type loginFailureRow struct {
	Key           string `gorm:"primaryKey"`
	Failures      int
	LastFailureAt int64
	LockedUntil   int64
}

func (loginFailureRow) TableName() string { return "login_failures" }

// LoginLockedUntil returns when the last lock among keys ends, or the
// zero time when none is locked now.
func (s *Store) LoginLockedUntil(ctx context.Context, keys []string) (time.Time, error) {
	var until int64
	err := s.reader.WithContext(ctx).Model(&loginFailureRow{}).
		Where("key IN ? AND locked_until > ?", keys, s.Now().Unix()).
		Select("COALESCE(MAX(locked_until), 0)").Scan(&until).Error
	if err != nil || until == 0 {
		return time.Time{}, err
	}
	return fromUnix(until), nil
}

// RecordLoginFailure counts one failed login for the account name against
// each key, locks those that reach the limit, and records the failure (and
// any lock) in the audit log. It reports when the lock ends if one was set.
func (s *Store) RecordLoginFailure(ctx context.Context, name string, keys []string, p incident.LoginLimit) (time.Time, error) {
	var lockedUntil time.Time
	err := s.write(ctx, func(tx *writeTx) error {
		tx.record("login.failed", "user", name, nil)
		now := tx.unix()
		// One statement per key counts the failure, so that failures
		// arriving at several instances at once are all counted; keys in
		// order, so that two such writes cannot deadlock.
		for _, key := range slices.Sorted(slices.Values(keys)) {
			var r loginFailureRow
			err := tx.db.Raw(`INSERT INTO login_failures (key, failures, last_failure_at, locked_until) VALUES (?, 1, ?, 0)
				ON CONFLICT (key) DO UPDATE SET
					failures = CASE WHEN excluded.last_failure_at - login_failures.last_failure_at > ? THEN 1 ELSE login_failures.failures + 1 END,
					locked_until = CASE WHEN excluded.last_failure_at - login_failures.last_failure_at > ? THEN 0 ELSE login_failures.locked_until END,
					last_failure_at = excluded.last_failure_at
				RETURNING key, failures, last_failure_at, locked_until`,
				key, now, int64(p.Forget.Seconds()), int64(p.Forget.Seconds())).Scan(&r).Error
			if err != nil {
				return err
			}
			if r.Failures < p.Max {
				continue
			}
			r.LockedUntil = now + int64(p.Lockout.Seconds())
			lockedUntil = fromUnix(r.LockedUntil)
			tx.record("login.locked", "login", key, []incident.FieldChange{
				incident.Set("failures", r.Failures), incident.Set("locked_until", lockedUntil)})
			if err := tx.db.Model(&loginFailureRow{}).Where("key = ?", key).Update("locked_until", r.LockedUntil).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return lockedUntil, err
}

// RecordLogin records a successful check of name's password (action
// "login", or "password.confirm" before a password change) by method in
// the audit log, and forgets the failures of keys: a success ends a run of
// failures.
func (s *Store) RecordLogin(ctx context.Context, action, name, method string, keys []string) error {
	return s.write(ctx, func(tx *writeTx) error {
		tx.record(action, "user", name, []incident.FieldChange{incident.Set("method", method)})
		return tx.db.Where("key IN ?", keys).Delete(&loginFailureRow{}).Error
	})
}

// ForgetLoginFailures removes counters that no longer count: unlocked and
// older than forget.
func (s *Store) ForgetLoginFailures(ctx context.Context, forget time.Duration) error {
	return s.write(ctx, func(tx *writeTx) error {
		now := tx.unix()
		return tx.db.Where("locked_until <= ? AND last_failure_at < ?", now, now-int64(forget.Seconds())).
			Delete(&loginFailureRow{}).Error
	})
}
