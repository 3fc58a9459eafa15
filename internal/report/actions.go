package report

import "context"

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

// actionItems counts the action items and computes the completion rate.
func actionItems(ctx context.Context, src Source, in Scope, asOf string) (ActionItems, error) {
	a, err := src.CountActionItems(ctx, in, asOf)
	if counted := a.Total - a.WontDo; counted > 0 {
		a.CompletionRate = float64(a.Done) / float64(counted)
	}
	return a, err
}
