package webhooks

import (
	"context"
	"log/slog"
	"time"
)

// ReminderStore is what the reminder job needs from storage.
type ReminderStore interface {
	RemindOverdue(ctx context.Context) (int, error)
}

// Reminders is the daily job that emits action_item.overdue: it runs at
// start and then just after every UTC midnight, when items become
// overdue. Each item is reminded of once, whatever the restarts and
// however many instances run the job: the store remembers which.
type Reminders struct {
	Store  ReminderStore
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// afterMidnight is how long after midnight (UTC) the job runs, so that
// clocks a little behind have passed it too.
const afterMidnight = time.Minute

// Run runs the job until ctx ends.
func (r *Reminders) Run(ctx context.Context) {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	for {
		r.runOnce(ctx)
		t := now().UTC()
		next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC).Add(afterMidnight)
		timer := time.NewTimer(next.Sub(t))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

func (r *Reminders) runOnce(ctx context.Context) {
	n, err := r.Store.RemindOverdue(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		r.Logger.Error("reminders: overdue action items", "error", err.Error())
	case n > 0:
		r.Logger.Info("reminders: overdue action items", "reminded", n)
	}
}
