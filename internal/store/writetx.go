package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// writeTx is one transaction on the writer. It carries who is asking (the
// actor from the request's context) and when (the store's clock, read once
// so that every row of one change carries the same time).
type writeTx struct {
	db    *gorm.DB
	actor incident.Actor
	now   time.Time
}

// write runs fn in one transaction on the writer. It is the one way this
// package writes: every change goes through it, so every change knows its
// actor and its time. A context without an actor writes as the system.
func (s *Store) write(ctx context.Context, fn func(tx *writeTx) error) error {
	actor, ok := incident.ActorFrom(ctx)
	if !ok {
		actor = incident.Actor{Kind: incident.ActorSystem}
	}
	now := s.Now().UTC()
	return s.writer.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		return fn(&writeTx{db: db, actor: actor, now: now})
	})
}

// unix is the transaction's time in whole seconds, as timestamps are stored.
func (tx *writeTx) unix() int64 { return tx.now.Unix() }
