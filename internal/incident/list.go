package incident

import "time"

// Page sizes for lists.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Filter narrows a list of incidents. Zero fields do not filter. Lists are
// ordered newest first by started_at (created_at when that is unknown),
// then by id.
type Filter struct {
	Service       string // a name or key; matched by key
	Severity      Severity
	Status        Status
	OutageType    OutageType
	CauseCategory string
	Tag           string
	Query         string     // full text over title, summary, description, causes, factors, gaps
	Since         *time.Time // started_at at or after
	Until         *time.Time // started_at before
	Limit         int        // 0 means DefaultLimit; more than MaxLimit is refused
	Cursor        string     // from the previous page's NextCursor
}

// Page is one page of a list of incidents, with how many match in all.
type Page struct {
	Items      []Incident `json:"items"`
	NextCursor string     `json:"next_cursor"`
	Total      int64      `json:"total"`
}
