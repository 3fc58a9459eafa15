package incident

import "time"

// Page sizes for lists.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Filter narrows a list of incidents. Zero fields do not filter. Lists are
// ordered newest first by started_at (created_at when that is unknown),
// unless Sort says otherwise.
type Filter struct {
	Service  string // a name or key; matched by key
	Severity Severity
	// Statuses keeps incidents in any of these statuses ("open" on the
	// pages is every status but resolved).
	Statuses         []Status
	PostmortemStatus PostmortemStatus
	OutageType       OutageType
	CauseCategory    string
	Tag              string
	Query            string     // full text over title, summary, description, causes, factors, gaps
	Since            *time.Time // started_at at or after
	Until            *time.Time // started_at before
	Limit            int        // 0 means DefaultLimit; more than MaxLimit is refused
	Cursor           string     // from the previous page's NextCursor; it must come from the same Sort
	Sort             Sort       // "" means SortNewest
	// NoTotal leaves Page.Total at 0: for lists that do not show it,
	// where counting thousands of matches would be the bulk of the work.
	NoTotal bool
}

// Sort is the order of a list.
type Sort string

// The orders a list can take. Each walks an index, so a page costs the
// same however long the history.
const (
	SortNewest  Sort = "newest"  // started_at (or created_at) descending
	SortOldest  Sort = "oldest"  // started_at (or created_at) ascending
	SortUpdated Sort = "updated" // last changed first
)

// Sorts lists the orders, the default first.
var Sorts = []Sort{SortNewest, SortOldest, SortUpdated}

// Page is one page of a list of incidents, with how many match in all.
type Page struct {
	Items      []Incident `json:"items"`
	NextCursor string     `json:"next_cursor"`
	Total      int64      `json:"total"`
}
