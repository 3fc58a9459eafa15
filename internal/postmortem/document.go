package postmortem

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// document is the front matter of our own format. Its fields are written
// in this order, every one of them every time, so a reader always finds the
// whole incident and the same incident always gives the same bytes.
//
// The names are PRODUCT.md's. The free description is not here: it lives in
// the body (see DescriptionMarker), and service_key is not here because it
// is derived from service.
type document struct {
	ID                  *int64                    `yaml:"id"` // null until stored
	ExternalID          string                    `yaml:"external_id"`
	Title               string                    `yaml:"title"`
	Service             string                    `yaml:"service"`
	Component           string                    `yaml:"component"`
	Severity            incident.Severity         `yaml:"severity"`
	Status              incident.Status           `yaml:"status"`
	PostmortemStatus    incident.PostmortemStatus `yaml:"postmortem_status"`
	OutageTypes         []incident.OutageType     `yaml:"outage_types"`
	StartedAt           timestamp                 `yaml:"started_at"`
	DetectedAt          timestamp                 `yaml:"detected_at"`
	MitigatedAt         timestamp                 `yaml:"mitigated_at"`
	ResolvedAt          timestamp                 `yaml:"resolved_at"`
	Summary             string                    `yaml:"summary"`
	Impact              impactYAML                `yaml:"impact"`
	PrimaryCause        causeYAML                 `yaml:"primary_cause"`
	ContributingFactors []findingYAML             `yaml:"contributing_factors"`
	DetectionGaps       []findingYAML             `yaml:"detection_gaps"`
	DetectionMethod     incident.DetectionMethod  `yaml:"detection_method"`
	FailureModes        []string                  `yaml:"failure_modes"`
	ActionItems         []actionItemYAML          `yaml:"action_items"`
	Timeline            []timelineEntryYAML       `yaml:"timeline"`
	Lessons             lessonsYAML               `yaml:"lessons"`
	Tags                []string                  `yaml:"tags"`
	Links               []linkYAML                `yaml:"links"`
	Version             *int                      `yaml:"version"` // null until stored
	CreatedAt           timestamp                 `yaml:"created_at"`
	UpdatedAt           timestamp                 `yaml:"updated_at"`
}

// The nested parts mirror the incident package's types with YAML names; the
// domain types carry JSON tags only, and keeping the file's names here means
// the API and the file format can evolve separately.

type impactYAML struct {
	Description        string   `yaml:"description"`
	AffectedUsers      *int64   `yaml:"affected_users"`
	AffectedDependents []string `yaml:"affected_dependents"`
}

type causeYAML struct {
	Category    string `yaml:"category"`
	Description string `yaml:"description"`
	Trigger     string `yaml:"trigger"`
}

type findingYAML struct {
	Category    string `yaml:"category"`
	Description string `yaml:"description"`
}

type actionItemYAML struct {
	Title     string                `yaml:"title"`
	Kind      incident.ActionKind   `yaml:"kind"`
	Owner     string                `yaml:"owner"`
	DueDate   string                `yaml:"due_date"`
	Status    incident.ActionStatus `yaml:"status"`
	Addresses string                `yaml:"addresses"`
	DoneAt    timestamp             `yaml:"done_at"`
}

type timelineEntryYAML struct {
	At   timestamp `yaml:"at"`
	Kind string    `yaml:"kind"`
	Text string    `yaml:"text"`
}

type lessonsYAML struct {
	WentWell  string `yaml:"went_well"`
	WentWrong string `yaml:"went_wrong"`
	GotLucky  string `yaml:"got_lucky"`
}

type linkYAML struct {
	Title string `yaml:"title"`
	URL   string `yaml:"url"`
}

// newDocument copies an incident's fields into the front-matter shape.
func newDocument(inc *incident.Incident) *document {
	d := &document{
		ID:               nonZero(inc.ID),
		ExternalID:       inc.ExternalID,
		Title:            inc.Title,
		Service:          inc.Service,
		Component:        inc.Component,
		Severity:         inc.Severity,
		Status:           inc.Status,
		PostmortemStatus: inc.PostmortemStatus,
		OutageTypes:      inc.OutageTypes,
		StartedAt:        timestamp{inc.StartedAt},
		DetectedAt:       timestamp{inc.DetectedAt},
		MitigatedAt:      timestamp{inc.MitigatedAt},
		ResolvedAt:       timestamp{inc.ResolvedAt},
		Summary:          inc.Summary,
		Impact: impactYAML{
			Description:        inc.Impact.Description,
			AffectedUsers:      inc.Impact.AffectedUsers,
			AffectedDependents: inc.Impact.AffectedDependents,
		},
		PrimaryCause:    causeYAML(inc.PrimaryCause),
		DetectionMethod: inc.DetectionMethod,
		FailureModes:    inc.FailureModes,
		Lessons:         lessonsYAML(inc.Lessons),
		Tags:            inc.Tags,
		Version:         nonZero(inc.Version),
		CreatedAt:       requiredTimestamp(inc.CreatedAt),
		UpdatedAt:       requiredTimestamp(inc.UpdatedAt),
	}
	for _, f := range inc.ContributingFactors {
		d.ContributingFactors = append(d.ContributingFactors, findingYAML(f))
	}
	for _, g := range inc.DetectionGaps {
		d.DetectionGaps = append(d.DetectionGaps, findingYAML(g))
	}
	for _, a := range inc.ActionItems {
		d.ActionItems = append(d.ActionItems, actionItemYAML{
			Title: a.Title, Kind: a.Kind, Owner: a.Owner, DueDate: a.DueDate,
			Status: a.Status, Addresses: a.Addresses, DoneAt: timestamp{a.DoneAt},
		})
	}
	for _, e := range inc.Timeline {
		d.Timeline = append(d.Timeline, timelineEntryYAML{At: requiredTimestamp(e.At), Kind: e.Kind, Text: e.Text})
	}
	for _, l := range inc.Links {
		d.Links = append(d.Links, linkYAML(l))
	}
	return d
}

// incident copies the front matter back into an incident. The description
// and Extra come from elsewhere in the file and are filled in by the caller.
func (d *document) incident() *incident.Incident {
	inc := &incident.Incident{
		ID:               orZero(d.ID),
		ExternalID:       d.ExternalID,
		Title:            d.Title,
		Service:          d.Service,
		Component:        d.Component,
		Severity:         d.Severity,
		Status:           d.Status,
		PostmortemStatus: d.PostmortemStatus,
		OutageTypes:      d.OutageTypes,
		StartedAt:        d.StartedAt.at,
		DetectedAt:       d.DetectedAt.at,
		MitigatedAt:      d.MitigatedAt.at,
		ResolvedAt:       d.ResolvedAt.at,
		Summary:          d.Summary,
		Impact: incident.Impact{
			Description:        d.Impact.Description,
			AffectedUsers:      d.Impact.AffectedUsers,
			AffectedDependents: d.Impact.AffectedDependents,
		},
		PrimaryCause:    incident.Cause(d.PrimaryCause),
		DetectionMethod: d.DetectionMethod,
		FailureModes:    d.FailureModes,
		Lessons:         incident.Lessons(d.Lessons),
		Tags:            d.Tags,
		Version:         orZero(d.Version),
		CreatedAt:       d.CreatedAt.orZero(),
		UpdatedAt:       d.UpdatedAt.orZero(),
	}
	for _, f := range d.ContributingFactors {
		inc.ContributingFactors = append(inc.ContributingFactors, incident.Finding(f))
	}
	for _, g := range d.DetectionGaps {
		inc.DetectionGaps = append(inc.DetectionGaps, incident.Finding(g))
	}
	for _, a := range d.ActionItems {
		inc.ActionItems = append(inc.ActionItems, incident.ActionItem{
			Title: a.Title, Kind: a.Kind, Owner: a.Owner, DueDate: a.DueDate,
			Status: a.Status, Addresses: a.Addresses, DoneAt: a.DoneAt.at,
		})
	}
	for _, e := range d.Timeline {
		inc.Timeline = append(inc.Timeline, incident.TimelineEntry{At: e.At.orZero(), Kind: e.Kind, Text: e.Text})
	}
	for _, l := range d.Links {
		inc.Links = append(inc.Links, incident.Link(l))
	}
	return inc
}

// nonZero writes an id or a version that is not set yet (0) as null:
// in a file, an id and a version are positive whole numbers or absent.
func nonZero[T int | int64](n T) *T {
	if n == 0 {
		return nil
	}
	return &n
}

func orZero[T int | int64](p *T) T {
	if p == nil {
		return 0
	}
	return *p
}

// timestamp is a time in the front matter: RFC 3339 in UTC, or null when
// unknown. Reading also takes an empty string as unknown, and any RFC 3339
// offset (incident.Normalize later converts it to UTC).
type timestamp struct{ at *time.Time }

// requiredTimestamp wraps a time that the domain keeps as a value; its zero
// value is written as null rather than as year 1.
func requiredTimestamp(t time.Time) timestamp {
	if t.IsZero() {
		return timestamp{}
	}
	return timestamp{&t}
}

func (ts timestamp) orZero() time.Time {
	if ts.at == nil {
		return time.Time{}
	}
	return *ts.at
}

// node writes the time in UTC with as many fractional digits as it has
// (none once incident.Normalize has run), plain, as people write times by
// hand. Years outside 0000–9999 have no RFC 3339 form and are refused
// rather than written unreadably.
func (ts timestamp) node() (*yaml.Node, error) {
	if ts.at == nil {
		return scalarNode("!!null", "null"), nil
	}
	t := ts.at.UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		return nil, fmt.Errorf("must be within the years 0000-9999")
	}
	return scalarNode("!!timestamp", t.Format(time.RFC3339Nano)), nil
}

// UnmarshalYAML reads an RFC 3339 time, null, or "" (unknown).
func (ts *timestamp) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return lineErrorf(n, "expected an RFC 3339 time such as 2025-03-14T15:02:00Z")
	}
	if n.ShortTag() == "!!null" || n.Value == "" {
		ts.at = nil
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, n.Value)
	if err != nil {
		return lineErrorf(n, "%q is not an RFC 3339 time such as 2025-03-14T15:02:00Z", n.Value)
	}
	// 0000-01-01T00:00:00+01:00 is in year -1 once in UTC, which has no
	// RFC 3339 form to write back.
	if utc := t.UTC(); utc.Year() < 0 || utc.Year() > 9999 {
		return lineErrorf(n, "%q is outside the years 0000-9999 in UTC", n.Value)
	}
	ts.at = &t
	return nil
}
