package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

type webhookRow struct {
	ID             int64 `gorm:"primaryKey"`
	URL            string
	Description    string
	Events         string // a JSON array of event types
	Enabled        bool
	DisabledReason string
	Secret         []byte
	PreviousSecret []byte
	PreviousUntil  *int64
	CreatedAt      int64 `gorm:"autoCreateTime:false"`
	UpdatedAt      int64 `gorm:"autoUpdateTime:false"`
}

func (webhookRow) TableName() string { return "webhooks" }

func (r *webhookRow) eventTypes() []incident.EventType {
	var types []incident.EventType
	json.Unmarshal([]byte(r.Events), &types) // written by this package from a valid list
	return types
}

func (r *webhookRow) webhook() incident.Webhook {
	w := incident.Webhook{ID: r.ID, URL: r.URL, Description: r.Description, Events: r.eventTypes(),
		Enabled: r.Enabled, DisabledReason: r.DisabledReason, CreatedAt: fromUnix(r.CreatedAt),
		UpdatedAt: fromUnix(r.UpdatedAt), Secret: r.Secret, PreviousSecret: r.PreviousSecret}
	if r.PreviousUntil != nil {
		t := fromUnix(*r.PreviousUntil)
		w.PreviousSecretUntil = &t
	}
	if w.Events == nil {
		w.Events = []incident.EventType{}
	}
	return w
}

// webhookAudit is what the audit log keeps of a webhook: never its secrets.
type webhookAudit struct {
	URL         string               `json:"url"`
	Description string               `json:"description"`
	Events      []incident.EventType `json:"events"`
	Enabled     bool                 `json:"enabled"`
}

func auditOf(w *incident.Webhook) webhookAudit {
	return webhookAudit{URL: w.URL, Description: w.Description, Events: w.Events, Enabled: w.Enabled}
}

// CreateWebhook stores a new webhook with its sealed secret (w.Secret).
// On success w carries its id and times.
func (s *Store) CreateWebhook(ctx context.Context, w *incident.Webhook) error {
	if err := w.Validate(); err != nil {
		return err
	}
	events, err := json.Marshal(w.Events)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *writeTx) error {
		var n int64
		if err := tx.db.Model(&webhookRow{}).Count(&n).Error; err != nil {
			return err
		}
		if n >= incident.MaxWebhooks {
			return incident.Errorf(incident.EINVALID, "There are already %d webhooks, the most a server keeps; delete one first.", n)
		}
		w.Enabled, w.DisabledReason = true, ""
		w.CreatedAt, w.UpdatedAt = tx.now.Truncate(time.Second), tx.now.Truncate(time.Second)
		row := webhookRow{URL: w.URL, Description: w.Description, Events: string(events), Enabled: true,
			Secret: w.Secret, CreatedAt: tx.unix(), UpdatedAt: tx.unix()}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		w.ID = row.ID
		if err := tx.recordChanges("webhook.create", "webhook", strconv.FormatInt(w.ID, 10), nil, auditOf(w)); err != nil {
			return err
		}
		tx.audit[len(tx.audit)-1].changes = append(tx.audit[len(tx.audit)-1].changes, incident.Set("secret", "created"))
		return nil
	})
}

// Webhooks lists every webhook, oldest first, with its pending deliveries.
func (s *Store) Webhooks(ctx context.Context) ([]incident.Webhook, error) {
	var rows []webhookRow
	if err := s.reader.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	var pending []struct {
		WebhookID int64
		N         int64
	}
	err := s.reader.WithContext(ctx).Model(&deliveryRow{}).Select("webhook_id, COUNT(*) AS n").
		Where("state = ?", incident.DeliveryPending).Group("webhook_id").Scan(&pending).Error
	if err != nil {
		return nil, err
	}
	counts := map[int64]int64{}
	for _, p := range pending {
		counts[p.WebhookID] = p.N
	}
	out := make([]incident.Webhook, len(rows))
	for i := range rows {
		out[i] = rows[i].webhook()
		out[i].Pending = counts[rows[i].ID]
	}
	return out, nil
}

// Webhook returns one webhook, with its sealed secrets.
func (s *Store) Webhook(ctx context.Context, id int64) (*incident.Webhook, error) {
	row, err := webhookIn(s.reader.WithContext(ctx), id)
	if err != nil {
		return nil, err
	}
	w := row.webhook()
	err = s.reader.WithContext(ctx).Model(&deliveryRow{}).
		Where("webhook_id = ? AND state = ?", id, incident.DeliveryPending).Count(&w.Pending).Error
	return &w, err
}

func webhookIn(db *gorm.DB, id int64) (*webhookRow, error) {
	var row webhookRow
	err := db.Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, incident.Errorf(incident.ENOTFOUND, "Webhook %d does not exist.", id)
	}
	return &row, err
}

// UpdateWebhook applies a change to a webhook and returns it as it is
// now. Enabling it clears the reason it was disabled for.
func (s *Store) UpdateWebhook(ctx context.Context, id int64, c incident.WebhookChange) (*incident.Webhook, error) {
	var out incident.Webhook
	err := s.write(ctx, func(tx *writeTx) error {
		row, err := webhookIn(tx.db, id)
		if err != nil {
			return err
		}
		before := row.webhook()
		w := before
		if c.URL != nil {
			w.URL = *c.URL
		}
		if c.Description != nil {
			w.Description = *c.Description
		}
		if c.Events != nil {
			w.Events = *c.Events
		}
		if c.Enabled != nil {
			w.Enabled = *c.Enabled
			w.DisabledReason = ""
			if !w.Enabled {
				w.DisabledReason = "disabled by " + actorName(tx.actor)
			}
		}
		if err := w.Validate(); err != nil {
			return err
		}
		out = w
		changes, err := incident.Changes(auditOf(&before), auditOf(&w))
		if err != nil || len(changes) == 0 {
			return err
		}
		events, err := json.Marshal(w.Events)
		if err != nil {
			return err
		}
		out.UpdatedAt = tx.now.Truncate(time.Second)
		err = tx.db.Model(&webhookRow{}).Where("id = ?", id).Updates(map[string]any{
			"url": w.URL, "description": w.Description, "events": string(events),
			"enabled": w.Enabled, "disabled_reason": w.DisabledReason, "updated_at": tx.unix()}).Error
		if err != nil {
			return err
		}
		tx.record("webhook.update", "webhook", strconv.FormatInt(id, 10), changes)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RotateWebhookSecret makes sealed the webhook's secret. The secret it had
// keeps signing beside the new one until overlapUntil (none when nil), so
// that receivers can move to the new one without missing a delivery.
func (s *Store) RotateWebhookSecret(ctx context.Context, id int64, sealed []byte, overlapUntil *time.Time) error {
	return s.write(ctx, func(tx *writeTx) error {
		row, err := webhookIn(tx.db, id)
		if err != nil {
			return err
		}
		updates := map[string]any{"secret": sealed, "previous_secret": nil, "previous_until": nil, "updated_at": tx.unix()}
		changes := []incident.FieldChange{incident.Set("secret", "rotated")}
		if overlapUntil != nil {
			updates["previous_secret"], updates["previous_until"] = row.Secret, overlapUntil.Unix()
			changes = append(changes, incident.Set("previous_secret_until", overlapUntil.UTC().Truncate(time.Second)))
		}
		if err := tx.db.Model(&webhookRow{}).Where("id = ?", id).Updates(updates).Error; err != nil {
			return err
		}
		tx.record("webhook.rotate_secret", "webhook", strconv.FormatInt(id, 10), changes)
		return nil
	})
}

// DeleteWebhook removes a webhook with its delivery log.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *writeTx) error {
		row, err := webhookIn(tx.db, id)
		if err != nil {
			return err
		}
		if err := tx.db.Delete(&webhookRow{}, id).Error; err != nil {
			return err
		}
		// Events no delivery needs any more go too.
		if err := tx.db.Exec("DELETE FROM outbox_events WHERE id NOT IN (SELECT event_id FROM webhook_deliveries)").Error; err != nil {
			return err
		}
		before := row.webhook()
		return tx.recordChanges("webhook.delete", "webhook", strconv.FormatInt(id, 10), auditOf(&before), nil)
	})
}

// Deliveries lists a webhook's delivery log, newest first: limit entries
// with an id below before (0 for the newest).
func (s *Store) Deliveries(ctx context.Context, webhookID, before int64, limit int) (*incident.DeliveryPage, error) {
	if _, err := webhookIn(s.reader.WithContext(ctx), webhookID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 50
	}
	var rows []struct {
		ID, WebhookID, IncidentID   int64
		State, LastError, UID, Type string
		Attempts, LastStatus        int
		NextAttemptMs, CreatedAt    int64
		LastAttemptAt, DeliveredAt  *int64
	}
	q := s.reader.WithContext(ctx).Table("webhook_deliveries AS d").
		Select("d.id, d.webhook_id, d.incident_id, d.state, d.last_error, d.attempts, d.last_status, d.next_attempt_ms, "+
			"d.created_at, d.last_attempt_at, d.delivered_at, e.uid, e.type").Joins("JOIN outbox_events e ON e.id = d.event_id").
		Where("d.webhook_id = ?", webhookID).Order("d.id DESC").Limit(limit + 1)
	if before > 0 {
		q = q.Where("d.id < ?", before)
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	page := &incident.DeliveryPage{Items: []incident.Delivery{}}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = strconv.FormatInt(rows[limit-1].ID, 10)
	}
	for _, r := range rows {
		d := incident.Delivery{ID: r.ID, WebhookID: r.WebhookID, EventID: r.UID, Type: incident.EventType(r.Type),
			IncidentID: r.IncidentID, State: r.State, Attempts: r.Attempts, LastStatus: r.LastStatus,
			LastError: r.LastError, LastAttemptAt: timeOrNil(r.LastAttemptAt), DeliveredAt: timeOrNil(r.DeliveredAt),
			CreatedAt: fromUnix(r.CreatedAt)}
		if r.State == incident.DeliveryPending {
			t := time.UnixMilli(r.NextAttemptMs).UTC()
			d.NextAttemptAt = &t
		}
		page.Items = append(page.Items, d)
	}
	return page, nil
}
