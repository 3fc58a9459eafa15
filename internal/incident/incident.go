package incident

import "time"

// Incident is one outage and its post-mortem: what happened, why, why it was
// not caught sooner, and what will be done about it.
//
// Timestamps are UTC; nil means unknown. The JSON names are the API contract.
type Incident struct {
	ID         int64  `json:"id"`
	ExternalID string `json:"external_id,omitempty"`
	Title      string `json:"title"`
	// Service is the display name; ServiceKey identifies it (see ServiceKey).
	Service          string           `json:"service"`
	ServiceKey       string           `json:"service_key"`
	Component        string           `json:"component,omitempty"`
	Severity         Severity         `json:"severity,omitempty"`
	Status           Status           `json:"status"`
	PostmortemStatus PostmortemStatus `json:"postmortem_status"`
	OutageTypes      []OutageType     `json:"outage_types"`

	StartedAt   *time.Time `json:"started_at"`
	DetectedAt  *time.Time `json:"detected_at"`
	MitigatedAt *time.Time `json:"mitigated_at"`
	ResolvedAt  *time.Time `json:"resolved_at"`

	Summary     string `json:"summary"`
	Description string `json:"description"`
	Impact      Impact `json:"impact"`

	PrimaryCause        Cause           `json:"primary_cause"`
	ContributingFactors []Finding       `json:"contributing_factors"`
	DetectionGaps       []Finding       `json:"detection_gaps"`
	DetectionMethod     DetectionMethod `json:"detection_method,omitempty"`
	// FailureModes are the known failure modes that materialised: "slug"
	// of the incident's own service, "service/slug" of another (see
	// ParseFailureModeRef).
	FailureModes []string `json:"failure_modes"`

	ActionItems []ActionItem    `json:"action_items"`
	Timeline    []TimelineEntry `json:"timeline"`
	Lessons     Lessons         `json:"lessons"`
	Tags        []string        `json:"tags"`
	Links       []Link          `json:"links"`

	// Extra keeps front-matter keys that Aftermath does not model, so an
	// imported file is written back with them on export.
	Extra map[string]any `json:"extra,omitempty"`

	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Cause is the primary cause: one per incident, possibly empty while the
// incident is being investigated.
type Cause struct {
	Category    string `json:"category"`
	Description string `json:"description"`
	// Trigger is what set it off: a deploy, a config push, a traffic spike.
	Trigger string `json:"trigger,omitempty"`
}

// IsZero reports whether no part of the cause is known yet.
func (c Cause) IsZero() bool { return c == Cause{} }

// Finding is a contributing factor or a detection gap.
type Finding struct {
	Category    string `json:"category"`
	Description string `json:"description"`
}

// Impact says who and what was hurt.
type Impact struct {
	Description        string   `json:"description"`
	AffectedUsers      *int64   `json:"affected_users,omitempty"`
	AffectedDependents []string `json:"affected_dependents"`
}

// ActionItem is a follow-up. Addresses optionally names what it fixes:
// "primary_cause", "contributing_factors[N]" or "detection_gaps[N]".
type ActionItem struct {
	Title     string       `json:"title"`
	Kind      ActionKind   `json:"kind"`
	Owner     string       `json:"owner,omitempty"`
	DueDate   string       `json:"due_date,omitempty"` // YYYY-MM-DD
	Status    ActionStatus `json:"status"`
	Addresses string       `json:"addresses,omitempty"`
	// DoneAt is when the item was marked done; it is what "did the fix
	// work" reports measure recurrences against.
	DoneAt *time.Time `json:"done_at,omitempty"`
}

// TimelineEntry is one moment in the incident's story.
type TimelineEntry struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind,omitempty"`
	Text string    `json:"text"`
}

// Lessons learned, each markdown.
type Lessons struct {
	WentWell  string `json:"went_well"`
	WentWrong string `json:"went_wrong"`
	GotLucky  string `json:"got_lucky"`
}

// Link points at a source post, a dashboard or a ticket.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Comment is one message in an incident's discussion.
type Comment struct {
	ID         int64     `json:"id"`
	IncidentID int64     `json:"incident_id"`
	Author     string    `json:"author"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// Durations derived from the timestamps; nil when either end is unknown.

// TimeToDetect is detected_at − started_at.
func (inc *Incident) TimeToDetect() *time.Duration { return between(inc.StartedAt, inc.DetectedAt) }

// TimeToMitigate is mitigated_at − started_at.
func (inc *Incident) TimeToMitigate() *time.Duration {
	return between(inc.StartedAt, inc.MitigatedAt)
}

// TimeToResolve is resolved_at − started_at.
func (inc *Incident) TimeToResolve() *time.Duration { return between(inc.StartedAt, inc.ResolvedAt) }

func between(from, to *time.Time) *time.Duration {
	if from == nil || to == nil {
		return nil
	}
	d := to.Sub(*from)
	return &d
}
