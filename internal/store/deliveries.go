package store

import (
	"context"
	"strconv"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// claimable is the condition on a delivery ("d") that a worker may take
// now (the first parameter, in milliseconds): pending, due, not leased by
// another worker, its webhook enabled, and no earlier event of the same
// incident still pending for the same webhook, so that each receiver gets
// an incident's events in the order they happened. The literals 'pending'
// let SQLite use the partial indexes.
const claimable = `d.state = 'pending' AND d.next_attempt_ms <= @now AND d.lease_until_ms <= @now
	AND d.webhook_id IN (SELECT id FROM webhooks WHERE enabled = @enabled)
	AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
		WHERE e.webhook_id = d.webhook_id AND e.incident_id = d.incident_id
		AND e.state = 'pending' AND e.event_id < d.event_id)`

// ClaimDeliveries takes up to limit deliveries that are due, leasing them
// for lease: until then no worker of this instance or another takes them
// again. A worker that dies mid-attempt loses its lease, and the delivery
// is tried again after it ends (at least once, never twice at once).
// Deliveries past their 24 hours are given up on the way.
func (s *Store) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]incident.DeliveryJob, error) {
	now := s.Now().UTC()
	args := map[string]any{"now": now.UnixMilli(), "enabled": true, "expired": now.Unix()}
	// A look on the reader first: an idle server polls without taking
	// the write lock.
	var due []int64
	err := s.reader.WithContext(ctx).Raw(`SELECT d.id FROM webhook_deliveries d WHERE `+claimable+`
		UNION ALL SELECT id FROM webhook_deliveries WHERE state = 'pending' AND expires_at <= @expired LIMIT 1`, args).
		Scan(&due).Error
	if err != nil || len(due) == 0 {
		return nil, err
	}
	var jobs []incident.DeliveryJob
	err = s.write(ctx, func(tx *writeTx) error {
		err := tx.db.Exec(`UPDATE webhook_deliveries SET state = 'failed',
			last_error = CASE WHEN last_error = '' THEN 'not delivered within 24 hours' ELSE last_error || ' (given up after 24 hours)' END
			WHERE state = 'pending' AND expires_at <= @expired AND lease_until_ms <= @now`, args).Error
		if err != nil {
			return err
		}
		var ids []int64
		q := `SELECT d.id FROM webhook_deliveries d WHERE ` + claimable + ` ORDER BY d.next_attempt_ms, d.id LIMIT @limit` + tx.engine.claimLock("d")
		args["limit"] = limit
		if err := tx.db.Raw(q, args).Scan(&ids).Error; err != nil || len(ids) == 0 {
			return err
		}
		until := tx.now.Add(lease)
		err = tx.db.Exec("UPDATE webhook_deliveries SET lease_until_ms = ?, attempts = attempts + 1 WHERE id IN ?", until.UnixMilli(), ids).Error
		if err != nil {
			return err
		}
		var rows []struct {
			ID, WebhookID  int64
			Attempts       int
			ExpiresAt      int64
			URL            string
			Secret         []byte
			PreviousSecret []byte
			PreviousUntil  *int64
			UID, Type      string
			Payload        []byte
		}
		err = tx.db.Raw(`SELECT d.id, d.webhook_id, d.attempts, d.expires_at, w.url, w.secret, w.previous_secret,
				w.previous_until, e.uid, e.type, e.payload
			FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN outbox_events e ON e.id = d.event_id
			WHERE d.id IN ? ORDER BY d.next_attempt_ms, d.id`, ids).Scan(&rows).Error
		if err != nil {
			return err
		}
		for _, r := range rows {
			job := incident.DeliveryJob{ID: r.ID, WebhookID: r.WebhookID, URL: r.URL, EventID: r.UID,
				Type: incident.EventType(r.Type), Payload: r.Payload, Attempts: r.Attempts, Secret: r.Secret,
				ExpiresAt: fromUnix(r.ExpiresAt), LeaseUntil: until}
			if r.PreviousUntil != nil && *r.PreviousUntil > tx.unix() {
				job.PreviousSecret = r.PreviousSecret
			}
			jobs = append(jobs, job)
		}
		return nil
	})
	return jobs, err
}

// RecordDeliveries writes what attempts came to, in one transaction. A
// 410 disables the webhook, in the audit log as the system's doing.
func (s *Store) RecordDeliveries(ctx context.Context, outcomes []incident.DeliveryOutcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	ctx = incident.WithActor(ctx, incident.Actor{Kind: incident.ActorSystem, Name: "webhooks"})
	return s.write(ctx, func(tx *writeTx) error {
		for _, o := range outcomes {
			at := o.At.UTC().Unix()
			updates := map[string]any{"lease_until_ms": 0, "last_attempt_at": at, "last_status": o.Status, "last_error": o.Error}
			switch {
			case o.Delivered:
				updates["state"], updates["delivered_at"], updates["last_error"] = incident.DeliveryDelivered, at, ""
			case o.Gone || o.GiveUp:
				updates["state"] = incident.DeliveryFailed
			default:
				updates["next_attempt_ms"] = o.NextAttempt.UnixMilli()
			}
			err := tx.db.Model(&deliveryRow{}).Where("id = ? AND state = ?", o.ID, incident.DeliveryPending).Updates(updates).Error
			if err != nil {
				return err
			}
			if o.Gone {
				if err := disableGoneWebhook(tx, o); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func disableGoneWebhook(tx *writeTx, o incident.DeliveryOutcome) error {
	reason := "the receiver answered 410 Gone at " + o.At.UTC().Format(time.RFC3339)
	res := tx.db.Model(&webhookRow{}).Where("id = ? AND enabled = ?", o.WebhookID, true).
		Updates(map[string]any{"enabled": false, "disabled_reason": reason, "updated_at": tx.unix()})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	tx.record("webhook.disable", "webhook", strconv.FormatInt(o.WebhookID, 10), []incident.FieldChange{
		incident.Changed("enabled", true, false), incident.Set("disabled_reason", reason)})
	return nil
}

// PendingDeliveries counts the deliveries not yet made or given up.
func (s *Store) PendingDeliveries(ctx context.Context) (int64, error) {
	var n int64
	err := s.reader.WithContext(ctx).Model(&deliveryRow{}).Where("state = ?", incident.DeliveryPending).Count(&n).Error
	return n, err
}

// PruneDeliveries removes the delivery log's entries made before cutoff
// that are over (delivered or given up), and the events no delivery needs
// any more. It reports how many entries it removed.
func (s *Store) PruneDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	var removed int64
	err := s.write(ctx, func(tx *writeTx) error {
		res := tx.db.Where("state <> ? AND created_at < ?", incident.DeliveryPending, cutoff.Unix()).Delete(&deliveryRow{})
		if res.Error != nil {
			return res.Error
		}
		removed = res.RowsAffected
		return tx.db.Exec("DELETE FROM outbox_events WHERE created_at < ? AND id NOT IN (SELECT event_id FROM webhook_deliveries)", cutoff.Unix()).Error
	})
	return removed, err
}
