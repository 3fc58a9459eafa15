package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Sessions are kept in the database so that every instance on one database
// sees the same ones. Rows are keyed by the SHA-256 of the session token,
// so that a copy of the database holds no usable cookie; the caller hashes.

type sessionRow struct {
	TokenHash []byte `gorm:"primaryKey"`
	Data      []byte
	Expiry    int64 // Unix nanoseconds
}

func (sessionRow) TableName() string { return "sessions" }

// FindSession returns a session's data if it exists and has not expired
// by the store's clock.
func (s *Store) FindSession(ctx context.Context, tokenHash []byte) ([]byte, time.Time, bool, error) {
	var row sessionRow
	err := s.reader.WithContext(ctx).Where("token_hash = ? AND expiry > ?", tokenHash, s.Now().UnixNano()).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, time.Time{}, false, nil
	} else if err != nil {
		return nil, time.Time{}, false, err
	}
	return row.Data, time.Unix(0, row.Expiry).UTC(), true, nil
}

// CommitSession writes a session, replacing any with the same token.
func (s *Store) CommitSession(ctx context.Context, tokenHash, data []byte, expiry time.Time) error {
	return s.write(ctx, func(tx *writeTx) error {
		return tx.db.Clauses(clause.OnConflict{UpdateAll: true}).
			Create(&sessionRow{TokenHash: tokenHash, Data: data, Expiry: expiry.UnixNano()}).Error
	})
}

// DeleteSession removes a session; a missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return s.write(ctx, func(tx *writeTx) error {
		return tx.db.Where("token_hash = ?", tokenHash).Delete(&sessionRow{}).Error
	})
}

// DeleteExpiredSessions removes the sessions that expired before now and
// says how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *writeTx) error {
		res := tx.db.Where("expiry <= ?", tx.now.UnixNano()).Delete(&sessionRow{})
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}
