package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

type reminderRow struct {
	IncidentID int64  `gorm:"primaryKey;autoIncrement:false"`
	Item       string `gorm:"primaryKey"`
	RemindedAt int64
}

func (reminderRow) TableName() string { return "action_item_reminders" }

// reminderBatch is how many overdue items one transaction reminds of.
const reminderBatch = 500

// RemindOverdue emits action_item.overdue once for every action item that
// is overdue today (the store's clock, in UTC): open or in progress, due
// before today. The reminder is remembered in the database, by incident,
// title and due date, in the transaction of its event, so that a restart
// or a second instance running the same job never repeats it; an item
// given a new due date is reminded of again when that one passes. It
// reports how many reminders it emitted.
func (s *Store) RemindOverdue(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := s.remindBatch(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

func (s *Store) remindBatch(ctx context.Context) (reminded int, more bool, err error) {
	err = s.write(ctx, func(tx *writeTx) error {
		today := tx.now.Format(time.DateOnly)
		var items []actionItemRow
		err := tx.db.Raw(`SELECT a.* FROM action_items a
			WHERE a.status IN ('open', 'in_progress') AND a.due_date <> '' AND a.due_date < ?
			AND NOT EXISTS (SELECT 1 FROM action_item_reminders r
				WHERE r.incident_id = a.incident_id AND r.item = a.due_date || ' ' || a.title)
			ORDER BY a.incident_id, a.position LIMIT ?`, today, reminderBatch).Scan(&items).Error
		if err != nil || len(items) == 0 {
			return err
		}
		more = len(items) == reminderBatch
		refs := map[int64]*incident.IncidentRef{}
		for _, it := range items {
			// The item's identity for reminders, as the query spells it.
			key := it.DueDate + " " + it.Title
			res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).
				Create(&reminderRow{IncidentID: it.IncidentID, Item: key, RemindedAt: tx.unix()})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue // another instance reminded of it first
			}
			ref, ok := refs[it.IncidentID]
			if !ok {
				if ref, err = incidentRef(tx.db, it.IncidentID); err != nil {
					return err
				}
				refs[it.IncidentID] = ref
			}
			item := it.item()
			if err := tx.emit(incident.Event{Type: incident.EventActionItemOverdue,
				Data: incident.EventData{Ref: ref, ActionItem: &item}}); err != nil {
				return err
			}
			reminded++
		}
		return nil
	})
	return reminded, more, err
}
