package webhooks

import (
	"context"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// ManagerStore is what registering webhooks needs from storage.
type ManagerStore interface {
	CreateWebhook(ctx context.Context, w *incident.Webhook) error
	UpdateWebhook(ctx context.Context, id int64, c incident.WebhookChange) (*incident.Webhook, error)
	RotateWebhookSecret(ctx context.Context, id int64, sealed []byte, overlapUntil *time.Time) error
	Webhook(ctx context.Context, id int64) (*incident.Webhook, error)
}

// Manager registers webhooks: it checks where they point, makes their
// secrets and seals them.
type Manager struct {
	Store   ManagerStore
	Keyring *Keyring
	Targets Targets
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// MaxOverlap bounds a rotation's overlap, during which the old secret
// still signs.
const MaxOverlap = 30 * 24 * time.Hour

// DefaultOverlap is the overlap of a rotation that names none.
const DefaultOverlap = 24 * time.Hour

// Create registers w and returns its signing secret, the only time it is
// shown.
func (m *Manager) Create(ctx context.Context, w *incident.Webhook) (string, error) {
	if err := w.Validate(); err != nil {
		return "", err
	}
	if err := m.Targets.Check(ctx, w.URL); err != nil {
		return "", err
	}
	secret := NewSecret()
	sealed, err := m.Keyring.Seal(secret)
	if err != nil {
		return "", err
	}
	w.Secret = sealed
	if err := m.Store.CreateWebhook(ctx, w); err != nil {
		return "", err
	}
	return secret, nil
}

// Update changes a webhook; a new URL is checked as on creation.
func (m *Manager) Update(ctx context.Context, id int64, c incident.WebhookChange) (*incident.Webhook, error) {
	if c.URL != nil {
		probe := incident.Webhook{URL: *c.URL, Events: []incident.EventType{incident.EventIncidentCreated}}
		if err := probe.Validate(); err != nil {
			return nil, err
		}
		if err := m.Targets.Check(ctx, probe.URL); err != nil {
			return nil, err
		}
	}
	return m.Store.UpdateWebhook(ctx, id, c)
}

// RotateSecret gives a webhook a new signing secret and returns it (shown
// this once). The old one keeps signing beside it for overlap (0: not at
// all), and the time that ends is returned.
func (m *Manager) RotateSecret(ctx context.Context, id int64, overlap time.Duration) (string, *time.Time, error) {
	if overlap < 0 || overlap > MaxOverlap {
		return "", nil, &incident.Error{Code: incident.EINVALID, Message: "Some fields are not valid.",
			Fields: map[string]string{"overlap": "must be between 0s and 720h (30 days)"}}
	}
	if _, err := m.Store.Webhook(ctx, id); err != nil {
		return "", nil, err
	}
	secret := NewSecret()
	sealed, err := m.Keyring.Seal(secret)
	if err != nil {
		return "", nil, err
	}
	var until *time.Time
	if overlap > 0 {
		now := time.Now
		if m.Now != nil {
			now = m.Now
		}
		t := now().UTC().Add(overlap).Truncate(time.Second)
		until = &t
	}
	if err := m.Store.RotateWebhookSecret(ctx, id, sealed, until); err != nil {
		return "", nil, err
	}
	return secret, until, nil
}
