package incident

// ActionItemFilter narrows the action items listed across incidents (the
// action-items page and the dashboard). Zero fields do not filter.
type ActionItemFilter struct {
	Owner    string // exact; NoOwner for items nobody owns
	Statuses []ActionStatus
	// OverdueOn keeps open and in-progress items due before this day
	// (YYYY-MM-DD).
	OverdueOn string
	// RecentFirst lists the latest due dates first (what just slipped);
	// otherwise the earliest come first. Items without a due date come last.
	RecentFirst bool
	Limit       int // 0 means DefaultLimit, at most MaxLimit
	Offset      int
}

// NoOwner is the Owner filter for items that nobody owns.
const NoOwner = "-"

// TrackedActionItem is an action item with the incident it belongs to.
type TrackedActionItem struct {
	ActionItem
	// Position is the item's index in its incident's list.
	Position         int
	IncidentID       int64
	IncidentTitle    string
	IncidentSeverity Severity
	IncidentVersion  int
	Service          string
	ServiceKey       string
}

// ActionItemPage is one page of action items and how many match in all.
type ActionItemPage struct {
	Items []TrackedActionItem
	Total int64
}

// OwnerLoad is how many open and overdue action items one owner has.
type OwnerLoad struct {
	Owner   string // "" for items nobody owns
	Open    int64  // open and in progress
	Overdue int64  // of those, due before the day asked about
}
