package store

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// ListActionItems lists action items across incidents by due date. Each
// status is read as its own walk of the action_items_status index in due
// date order and the walks are merged, so a page costs the same however
// many items match.
func (s *Store) ListActionItems(ctx context.Context, f incident.ActionItemFilter) (*incident.ActionItemPage, error) {
	limit, err := checkLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = incident.ActionStatuses
	}
	if f.OverdueOn != "" {
		// Only what still needs doing can be overdue.
		statuses = slices.DeleteFunc(slices.Clone(statuses), func(st incident.ActionStatus) bool { return !st.IsOpen() })
	}
	db := s.reader.WithContext(ctx)
	page := &incident.ActionItemPage{Items: []incident.TrackedActionItem{}}
	var rows []trackedRow
	for _, st := range statuses {
		var n int64
		if err := actionItemScope(db.Table("action_items AS a"), f, st).Count(&n).Error; err != nil {
			return nil, err
		}
		page.Total += n
		// Dated and undated items are two walks of action_items_due: one
		// in due-date order, one (due_date = '') in incident order.
		for _, dated := range []bool{true, false} {
			if !dated && f.OverdueOn != "" {
				continue
			}
			// "> ''" rather than "<> ''": a range on the index, which
			// keeps SQLite walking action_items_due in order rather than
			// sorting every item of the status from another index.
			cond := "a.due_date = ''"
			if dated {
				cond = "a.due_date > ''"
			}
			var part []trackedRow
			err := actionItemScope(db.Table("action_items AS a"), f, st).Where(cond).
				Select("a.incident_id, a.position, a.title, a.kind, a.owner, a.due_date, a.status, a.addresses, a.done_at, " +
					"i.title AS incident_title, i.severity AS incident_severity, i.version AS incident_version, i.service_key, s.name AS service").
				Joins("JOIN incidents i ON i.id = a.incident_id").
				Joins("JOIN services s ON s.key = i.service_key").
				Order(actionItemOrder(f)).
				Limit(f.Offset + limit).
				Scan(&part).Error
			if err != nil {
				return nil, err
			}
			rows = append(rows, part...)
		}
	}
	slices.SortStableFunc(rows, func(x, y trackedRow) int { return compareTracked(f, x, y) })
	if f.Offset < len(rows) {
		rows = rows[f.Offset:min(len(rows), f.Offset+limit)]
	} else {
		rows = nil
	}
	for _, r := range rows {
		page.Items = append(page.Items, r.tracked())
	}
	return page, nil
}

// actionItemScope restricts a query on action_items (alias a) to one
// status and the filter's other conditions.
func actionItemScope(q *gorm.DB, f incident.ActionItemFilter, st incident.ActionStatus) *gorm.DB {
	q = q.Where("a.status = ?", st)
	switch f.Owner {
	case "":
	case incident.NoOwner:
		q = q.Where("a.owner = ''")
	default:
		q = q.Where("a.owner = ?", f.Owner)
	}
	if f.OverdueOn != "" {
		q = q.Where("a.due_date > '' AND a.due_date < ?", f.OverdueOn)
	}
	return q
}

// actionItemOrder sorts one walk by due date, then incident and position,
// as action_items_due holds them.
func actionItemOrder(f incident.ActionItemFilter) string {
	if f.RecentFirst {
		return "a.due_date DESC, a.incident_id DESC, a.position"
	}
	return "a.due_date, a.incident_id, a.position"
}

// compareTracked orders rows of several walks as one list: by due date
// (undated last), then incident, then position.
func compareTracked(f incident.ActionItemFilter, x, y trackedRow) int {
	a, b := x.Item, y.Item
	if (a.DueDate == "") != (b.DueDate == "") {
		if a.DueDate == "" {
			return 1
		}
		return -1
	}
	byDate := cmp.Or(strings.Compare(a.DueDate, b.DueDate), cmp.Compare(a.IncidentID, b.IncidentID))
	if f.RecentFirst {
		byDate = -byDate
	}
	return cmp.Or(byDate, a.Position-b.Position)
}

// trackedRow is an action item row with its incident's columns. The row
// is a named field: GORM does not fill an unexported embedded struct.
type trackedRow struct {
	Item             actionItemRow `gorm:"embedded"`
	IncidentTitle    string
	IncidentSeverity string
	IncidentVersion  int
	ServiceKey       string
	Service          string
}

func (r trackedRow) tracked() incident.TrackedActionItem {
	return incident.TrackedActionItem{
		ActionItem: r.Item.item(),
		Position:   r.Item.Position, IncidentID: r.Item.IncidentID, IncidentTitle: r.IncidentTitle,
		IncidentSeverity: incident.Severity(r.IncidentSeverity), IncidentVersion: r.IncidentVersion,
		Service: r.Service, ServiceKey: r.ServiceKey,
	}
}

// ActionItemOwners counts every owner's open and overdue items, the most
// overdue first, from the action_items_owner index alone.
func (s *Store) ActionItemOwners(ctx context.Context, today string) ([]incident.OwnerLoad, error) {
	var out []incident.OwnerLoad
	err := s.reader.WithContext(ctx).Table("action_items").
		Select(`owner, COUNT(*) AS open,
			SUM(CASE WHEN due_date <> '' AND due_date < ? THEN 1 ELSE 0 END) AS overdue`, today).
		Where("status IN ?", []string{string(incident.ActionOpen), string(incident.ActionInProgress)}).
		Group("owner").
		Order("overdue DESC, open DESC, owner").
		Scan(&out).Error
	return out, err
}
