package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Name         string
	Role         string
	Source       string
	PasswordHash string
	SessionEpoch int64
	OIDCSubject  *string `gorm:"column:oidc_subject"`
	CreatedAt    int64   `gorm:"autoCreateTime:false"`
	UpdatedAt    int64   `gorm:"autoUpdateTime:false"`
}

func (userRow) TableName() string { return "users" }

func (r *userRow) user() *incident.User {
	u := &incident.User{ID: r.ID, Name: r.Name, Role: incident.Role(r.Role), Source: r.Source,
		CreatedAt: fromUnix(r.CreatedAt), UpdatedAt: fromUnix(r.UpdatedAt),
		PasswordHash: r.PasswordHash, SessionEpoch: r.SessionEpoch}
	if r.OIDCSubject != nil {
		u.OIDCSubject = *r.OIDCSubject
	}
	return u
}

// CreateUser adds an account. u's name must be normalised and valid and
// its password already hashed; on success u carries its id and times.
func (s *Store) CreateUser(ctx context.Context, u *incident.User) error {
	if err := incident.ValidateUserName("name", u.Name); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return &incident.Error{Code: incident.EINVALID, Message: "Some fields are not valid.",
			Fields: map[string]string{"role": "must be one of viewer, responder, admin"}}
	}
	if u.Source == "" {
		u.Source = incident.SourceLocal
	}
	return s.write(ctx, func(tx *writeTx) error {
		row := userRow{Name: u.Name, Role: string(u.Role), Source: u.Source, PasswordHash: u.PasswordHash,
			SessionEpoch: 1, CreatedAt: tx.unix(), UpdatedAt: tx.unix()}
		if u.OIDCSubject != "" {
			row.OIDCSubject = &u.OIDCSubject
		}
		err := tx.db.Create(&row).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return &incident.Error{Code: incident.EINVALID, Message: "The user exists already.",
				Fields: map[string]string{"name": "is taken"}}
		} else if err != nil {
			return err
		}
		*u = *row.user()
		tx.record("user.create", "user", u.Name, []incident.FieldChange{
			incident.Set("name", u.Name), incident.Set("role", u.Role), incident.Set("source", u.Source)})
		return nil
	})
}

// UserByName finds an account by its (normalised) name.
func (s *Store) UserByName(ctx context.Context, name string) (*incident.User, error) {
	return s.findUser(ctx, "name = ?", name)
}

// UserByID finds an account by id.
func (s *Store) UserByID(ctx context.Context, id int64) (*incident.User, error) {
	return s.findUser(ctx, "id = ?", id)
}

// UserByOIDCSubject finds the single-sign-on account of "issuer subject".
func (s *Store) UserByOIDCSubject(ctx context.Context, subject string) (*incident.User, error) {
	return s.findUser(ctx, "oidc_subject = ?", subject)
}

func (s *Store) findUser(ctx context.Context, where string, arg any) (*incident.User, error) {
	var row userRow
	err := s.reader.WithContext(ctx).Where(where, arg).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, incident.Errorf(incident.ENOTFOUND, "No such user.")
	} else if err != nil {
		return nil, err
	}
	return row.user(), nil
}

// Users lists every account by name.
func (s *Store) Users(ctx context.Context) ([]incident.User, error) {
	var rows []userRow
	if err := s.reader.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]incident.User, len(rows))
	for i := range rows {
		out[i] = *rows[i].user()
	}
	return out, nil
}

// CountUsers says how many accounts there are; `serve` makes the first.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.reader.WithContext(ctx).Model(&userRow{}).Count(&n).Error
	return n, err
}

// UpdateUser changes an account's role or password. A new password, or
// EndSessions, raises the session epoch, which voids every session made
// before. The last admin cannot be demoted.
func (s *Store) UpdateUser(ctx context.Context, name string, change incident.UserChange) (*incident.User, error) {
	if change.Role != nil && !change.Role.Valid() {
		return nil, &incident.Error{Code: incident.EINVALID, Message: "Some fields are not valid.",
			Fields: map[string]string{"role": "must be one of viewer, responder, admin"}}
	}
	var updated *incident.User
	err := s.write(ctx, func(tx *writeTx) error {
		row, err := userForUpdate(tx, name)
		if err != nil {
			return err
		}
		if change.Role != nil && row.Role == string(incident.RoleAdmin) && *change.Role != incident.RoleAdmin {
			if err := keepAnAdmin(tx, row.ID); err != nil {
				return err
			}
		}
		// The audit log says that the password changed, never what to.
		var changes []incident.FieldChange
		if change.Role != nil && string(*change.Role) != row.Role {
			changes = append(changes, incident.Changed("role", row.Role, *change.Role))
			row.Role = string(*change.Role)
		}
		if change.PasswordHash != nil && row.Source == incident.SourceOIDC {
			// A password would let the account in without the provider.
			return &incident.Error{Code: incident.EINVALID, Message: "This account signs in at the identity provider; it has no password.",
				Fields: map[string]string{"password": "cannot be set on a single-sign-on account"}}
		}
		if change.PasswordHash != nil {
			row.PasswordHash = *change.PasswordHash
			changes = append(changes, incident.Set("password", "changed"))
		}
		if change.PasswordHash != nil || change.EndSessions {
			row.SessionEpoch++
			changes = append(changes, incident.Set("sessions", "ended"))
		}
		tx.record("user.update", "user", row.Name, changes)
		row.UpdatedAt = tx.unix()
		if err := tx.db.Model(&userRow{ID: row.ID}).
			Select("role", "password_hash", "session_epoch", "updated_at").Updates(row).Error; err != nil {
			return err
		}
		updated = row.user()
		return nil
	})
	return updated, err
}

// DeleteUser removes an account with its tokens; its sessions die with it
// (they name a user that no longer exists). The last admin stays.
func (s *Store) DeleteUser(ctx context.Context, name string) (*incident.User, error) {
	var deleted *incident.User
	err := s.write(ctx, func(tx *writeTx) error {
		row, err := userForUpdate(tx, name)
		if err != nil {
			return err
		}
		if row.Role == string(incident.RoleAdmin) {
			if err := keepAnAdmin(tx, row.ID); err != nil {
				return err
			}
		}
		if err := tx.db.Delete(&userRow{}, row.ID).Error; err != nil {
			return err
		}
		deleted = row.user()
		tx.record("user.delete", "user", row.Name, []incident.FieldChange{
			{Field: "role", Before: mustJSON(row.Role)}, {Field: "source", Before: mustJSON(row.Source)}})
		return nil
	})
	return deleted, err
}

func mustJSON(v any) json.RawMessage {
	data, _ := json.Marshal(v)
	return data
}

func userForUpdate(tx *writeTx, name string) (*userRow, error) {
	var row userRow
	err := forUpdate(tx.db).Where("name = ?", name).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, incident.Errorf(incident.ENOTFOUND, "User %q does not exist.", name)
	}
	return &row, err
}

// keepAnAdmin refuses a change that would leave no admin besides userID:
// nobody could then manage accounts from the API.
func keepAnAdmin(tx *writeTx, userID int64) error {
	// The admins' rows are locked, so that two admins demoting each other
	// on two instances at once cannot both pass this check.
	var admins []int64
	if err := forUpdate(tx.db.Model(&userRow{})).Where("role = ?", incident.RoleAdmin).Order("id").Pluck("id", &admins).Error; err != nil {
		return err
	}
	if !slices.ContainsFunc(admins, func(id int64) bool { return id != userID }) {
		return &incident.Error{Code: incident.EINVALID, Message: "This is the last admin; make another admin first.",
			Fields: map[string]string{"role": "the last admin must stay an admin"}}
	}
	return nil
}
