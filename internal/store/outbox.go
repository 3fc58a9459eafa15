package store

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// The outbox: a write emits events (tx.emit) for the changes it makes, and
// just before its commit the events are written, with one delivery per
// webhook that takes them (flushOutbox). An event is therefore stored
// exactly when its change is: no change without its event, no event of a
// change that was rolled back. The delivery worker (internal/webhooks)
// sends them afterwards, at least once.

// deliveryWindow is how long a delivery is retried before it is given up.
const deliveryWindowSeconds = 24 * 60 * 60

type outboxRow struct {
	ID         int64 `gorm:"primaryKey"`
	UID        string
	Type       string
	IncidentID int64
	Payload    []byte
	CreatedAt  int64 `gorm:"autoCreateTime:false"`
}

func (outboxRow) TableName() string { return "outbox_events" }

type deliveryRow struct {
	ID            int64 `gorm:"primaryKey"`
	WebhookID     int64
	EventID       int64
	IncidentID    int64
	State         string
	Attempts      int
	NextAttemptMs int64
	LeaseUntilMs  int64
	ExpiresAt     int64
	LastAttemptAt *int64
	LastStatus    int
	LastError     string
	DeliveredAt   *int64
	CreatedAt     int64 `gorm:"autoCreateTime:false"`
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

// pendingEvent is an emitted event, already encoded: the body is fixed
// when the change is made, so that later changes in the same transaction
// (an alert batch changes one incident several times) do not show in it.
type pendingEvent struct {
	typ        incident.EventType
	incidentID int64
	payload    []byte
	webhooks   []int64 // the webhooks that take it
}

// subscribers are the enabled webhooks and the events each takes, read
// once per write.
type subscribers struct {
	ids    []int64
	events [][]incident.EventType
}

func (tx *writeTx) subscribers() (*subscribers, error) {
	if tx.hooks != nil {
		return tx.hooks, nil
	}
	var rows []webhookRow
	if err := tx.db.Select("id", "events").Where("enabled = ?", true).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	tx.hooks = &subscribers{}
	for _, r := range rows {
		tx.hooks.ids = append(tx.hooks.ids, r.ID)
		tx.hooks.events = append(tx.hooks.events, r.eventTypes())
	}
	return tx.hooks, nil
}

// emit adds events to the write, stamped with its time. An event no
// webhook takes is not kept (nobody would receive it), nor encoded.
func (tx *writeTx) emit(events ...incident.Event) error {
	hooks, err := tx.subscribers()
	if err != nil || len(hooks.ids) == 0 {
		return err
	}
	for _, e := range events {
		var targets []int64
		for i, id := range hooks.ids {
			if slices.Contains(hooks.events[i], e.Type) {
				targets = append(targets, id)
			}
		}
		if len(targets) == 0 {
			continue
		}
		e.Timestamp = tx.now.Truncate(time.Millisecond)
		payload, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("event %s: %w", e.Type, err)
		}
		tx.events = append(tx.events, pendingEvent{typ: e.Type, incidentID: e.IncidentID(), payload: payload, webhooks: targets})
	}
	return nil
}

// flushOutbox writes the write's events, each with a delivery for every
// webhook that takes it.
func (tx *writeTx) flushOutbox() error {
	if len(tx.events) == 0 {
		return nil
	}
	events := tx.events
	tx.events = nil
	nowMs := tx.now.UnixMilli()
	var deliveries []deliveryRow
	for _, e := range events {
		row := outboxRow{UID: newEventUID(), Type: string(e.typ), IncidentID: e.incidentID, Payload: e.payload, CreatedAt: tx.unix()}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		for _, id := range e.webhooks {
			deliveries = append(deliveries, deliveryRow{WebhookID: id, EventID: row.ID, IncidentID: e.incidentID,
				State: incident.DeliveryPending, NextAttemptMs: nowMs, ExpiresAt: tx.unix() + deliveryWindowSeconds,
				CreatedAt: tx.unix()})
		}
	}
	tx.queued += len(deliveries)
	return createRows(tx.db, deliveries)
}

// newEventUID is an event's webhook-id: "msg_" and 128 random bits, unique
// across databases, so that a receiver of several servers (or of a
// restored copy) never takes two events for one.
func newEventUID() string {
	var b [16]byte
	rand.Read(b[:])
	return "msg_" + base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// OnOutbox sets a function called after every write that queued
// deliveries, so that the delivery worker can start at once rather than
// at its next poll. It must not block.
func (s *Store) OnOutbox(fn func()) { s.outboxHook.Store(&fn) }

func (s *Store) outboxWritten() {
	if fn := s.outboxHook.Load(); fn != nil {
		(*fn)()
	}
}
