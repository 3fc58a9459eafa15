package store

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// writeTx is one transaction on the writer. It carries who is asking (the
// actor from the request's context) and when (the store's clock, read once
// so that every row of one change carries the same time).
type writeTx struct {
	db     *gorm.DB
	engine engine
	actor  incident.Actor
	now    time.Time
	// audit holds the entries the write recorded, appended to the audit
	// log just before the commit.
	audit []pendingAudit
	// events holds the events the write emitted, put in the outbox just
	// before the commit (see emit).
	events []pendingEvent
	// queued counts the deliveries the outbox made for webhooks.
	queued int
	// hooks caches the enabled webhooks for emit.
	hooks *subscribers
}

// write runs fn in one transaction on the writer. It is the one way this
// package writes: every change goes through it, so every change knows its
// actor and its time, and what fn records with tx.record joins the audit
// log in the same transaction (both commit, or neither), as do the events
// it emits with tx.emit for outgoing webhooks. A context without an actor
// writes as the system.
func (s *Store) write(ctx context.Context, fn func(tx *writeTx) error) error {
	actor, ok := incident.ActorFrom(ctx)
	if !ok {
		actor = incident.Actor{Kind: incident.ActorSystem}
	}
	now := s.Now().UTC()
	queued := 0
	err := s.writer.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		tx := &writeTx{db: db, engine: s.engine, actor: actor, now: now}
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.flushOutbox(); err != nil {
			return err
		}
		queued = tx.queued
		return tx.appendAudit()
	})
	if err == nil && queued > 0 {
		s.outboxWritten()
	}
	return translate(err)
}

// forUpdate locks the rows a query reads until the write commits, so that
// a write that reads, decides and then changes cannot be overtaken by
// another instance's write of the same rows in between. SQLite's one
// writer needs no lock, and GORM leaves the clause out there.
func forUpdate(db *gorm.DB) *gorm.DB { return db.Clauses(clause.Locking{Strength: "UPDATE"}) }

// lockIncidents locks the rows of the incidents with the given ids, in id
// order (so that two writes locking overlapping sets cannot deadlock).
func lockIncidents(tx *gorm.DB, ids []int64) error {
	for chunk := range slices.Chunk(slices.Sorted(slices.Values(ids)), batchRows) {
		var locked []int64
		if err := forUpdate(tx.Model(&incidentRow{})).Where("id IN ?", chunk).Order("id").Pluck("id", &locked).Error; err != nil {
			return err
		}
	}
	return nil
}

// unix is the transaction's time in whole seconds, as timestamps are stored.
func (tx *writeTx) unix() int64 { return tx.now.Unix() }

// actorName is how a record names who made a change (a failure mode's
// history, a webhook disabled by hand): the person's or token owner's
// name, else the kind of actor ("cli", "system").
func actorName(a incident.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return string(a.Kind)
}
