package report

import "gorm.io/gorm"

// ActionItems sums up the follow-ups of the incidents in the report.
type ActionItems struct {
	Total      int `json:"total"`
	Open       int `json:"open"` // open and in_progress
	InProgress int `json:"in_progress"`
	Overdue    int `json:"overdue"`
	Done       int `json:"done"`
	WontDo     int `json:"wont_do"`
	// CompletionRate is done / (total − wont_do): a dropped item is neither
	// a success nor a debt. 0 when nothing is left to count.
	CompletionRate float64 `json:"completion_rate"`
	// OpenPreventive counts open items meant to stop a recurrence.
	OpenPreventive int `json:"open_preventive"`
}

// actionItems counts in one pass. Due dates are YYYY-MM-DD text, so the
// comparison with the reference day is a string comparison.
func actionItems(db *gorm.DB, in scope, asOf string) (ActionItems, error) {
	var a ActionItems
	from, in := in.over("action_items a", "a")
	err := db.Table(from).
		Select(`COUNT(*) AS total,
			SUM(CASE WHEN a.status IN ('open', 'in_progress') THEN 1 ELSE 0 END) AS open,
			SUM(CASE WHEN a.status = 'in_progress' THEN 1 ELSE 0 END) AS in_progress,
			SUM(CASE WHEN a.status IN ('open', 'in_progress') AND a.due_date <> '' AND a.due_date < ? THEN 1 ELSE 0 END) AS overdue,
			SUM(CASE WHEN a.status = 'done' THEN 1 ELSE 0 END) AS done,
			SUM(CASE WHEN a.status = 'wont_do' THEN 1 ELSE 0 END) AS wont_do,
			SUM(CASE WHEN a.status IN ('open', 'in_progress') AND a.kind = 'prevent' THEN 1 ELSE 0 END) AS open_preventive`, asOf).
		Where(in.cond, in.args...).
		Scan(&a).Error
	if counted := a.Total - a.WontDo; counted > 0 {
		a.CompletionRate = float64(a.Done) / float64(counted)
	}
	return a, err
}
