package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

type tokenRow struct {
	ID         string `gorm:"primaryKey"`
	UserID     int64
	UserName   string `gorm:"->;-:migration"` // read from the users join
	Label      string
	Role       string
	Hash       []byte
	CreatedAt  int64 `gorm:"autoCreateTime:false"`
	LastUsedAt *int64
	ExpiresAt  *int64
}

func (tokenRow) TableName() string { return "api_tokens" }

func (r *tokenRow) token() *incident.APIToken {
	t := &incident.APIToken{ID: r.ID, User: r.UserName, UserID: r.UserID, Label: r.Label,
		Role: incident.Role(r.Role), CreatedAt: fromUnix(r.CreatedAt), Hash: r.Hash}
	if r.LastUsedAt != nil {
		at := fromUnix(*r.LastUsedAt)
		t.LastUsedAt = &at
	}
	if r.ExpiresAt != nil {
		at := fromUnix(*r.ExpiresAt)
		t.ExpiresAt = &at
	}
	return t
}

func withUserName(db *gorm.DB) *gorm.DB {
	return db.Table("api_tokens").Select("api_tokens.*, users.name AS user_name").
		Joins("JOIN users ON users.id = api_tokens.user_id")
}

// CreateToken stores a new token: t carries its public id, owner, label,
// role cap, expiry and the hash of its secret. On success t carries its
// creation time and owner's name.
func (s *Store) CreateToken(ctx context.Context, t *incident.APIToken) error {
	if err := incident.ValidateTokenLabel(t.Label); err != nil {
		return err
	}
	return s.write(ctx, func(tx *writeTx) error {
		var owner userRow
		if err := tx.db.Select("id", "name").Take(&owner, t.UserID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return incident.Errorf(incident.ENOTFOUND, "No such user.")
		} else if err != nil {
			return err
		}
		row := tokenRow{ID: t.ID, UserID: t.UserID, Label: t.Label, Role: string(t.Role), Hash: t.Hash, CreatedAt: tx.unix()}
		if t.ExpiresAt != nil {
			at := t.ExpiresAt.Unix()
			row.ExpiresAt = &at
		}
		if err := tx.db.Omit("UserName").Create(&row).Error; err != nil {
			return err
		}
		t.CreatedAt, t.User = fromUnix(row.CreatedAt), owner.Name
		return tx.recordChanges("token.create", "token", t.ID, nil, t, "id", "created_at", "last_used_at")
	})
}

// TokenByHash finds a token by the hash of its secret, with its owner.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*incident.APIToken, *incident.User, error) {
	var row tokenRow
	err := withUserName(s.reader.WithContext(ctx)).Where("api_tokens.hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, incident.Errorf(incident.ENOTFOUND, "No such token.")
	} else if err != nil {
		return nil, nil, err
	}
	owner, err := s.UserByID(ctx, row.UserID)
	if err != nil {
		return nil, nil, err
	}
	return row.token(), owner, nil
}

// Token finds a token by its public id.
func (s *Store) Token(ctx context.Context, id string) (*incident.APIToken, error) {
	var row tokenRow
	err := withUserName(s.reader.WithContext(ctx)).Where("api_tokens.id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, incident.Errorf(incident.ENOTFOUND, "Token %q does not exist.", id)
	} else if err != nil {
		return nil, err
	}
	return row.token(), nil
}

// Tokens lists the tokens of one user, or of everyone when userID is 0,
// newest first.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]incident.APIToken, error) {
	var rows []tokenRow
	q := withUserName(s.reader.WithContext(ctx)).Order("api_tokens.created_at DESC, api_tokens.id")
	if userID != 0 {
		q = q.Where("api_tokens.user_id = ?", userID)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]incident.APIToken, len(rows))
	for i := range rows {
		out[i] = *rows[i].token()
	}
	return out, nil
}

// RevokeToken deletes a token and returns what it was.
func (s *Store) RevokeToken(ctx context.Context, id string) (*incident.APIToken, error) {
	var revoked *incident.APIToken
	err := s.write(ctx, func(tx *writeTx) error {
		var row tokenRow
		err := withUserName(tx.db).Where("api_tokens.id = ?", id).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return incident.Errorf(incident.ENOTFOUND, "Token %q does not exist.", id)
		} else if err != nil {
			return err
		}
		if err := tx.db.Delete(&tokenRow{}, "id = ?", id).Error; err != nil {
			return err
		}
		revoked = row.token()
		return tx.recordChanges("token.revoke", "token", id, revoked, nil, "id", "created_at", "last_used_at")
	})
	return revoked, err
}

// TouchTokens records when tokens were last used, in one transaction. The
// authenticator batches these, so that using a token costs no write.
func (s *Store) TouchTokens(ctx context.Context, lastUsed map[string]time.Time) error {
	if len(lastUsed) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *writeTx) error {
		for id, at := range lastUsed {
			if err := tx.db.Model(&tokenRow{}).Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, at.Unix()).
				Update("last_used_at", at.Unix()).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
