package store

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// The row types mirror migrations/sqlite. Timestamps are Unix seconds.

type serviceRow struct {
	Key         string `gorm:"primaryKey"`
	Name        string
	CreatedAt   int64 `gorm:"autoCreateTime:false"`
	Description string
	Kind        string
	Type        string
	Owner       string
	Lifecycle   string
	System      string
	Tags        string // JSON list; "" reads as none
	Annotations string // JSON list of {key, value}; "" reads as none
	UpdatedAt   int64  `gorm:"autoUpdateTime:false"`
}

func (serviceRow) TableName() string { return "services" }

type incidentRow struct {
	ID               int64 `gorm:"primaryKey"`
	ExternalID       *string
	Title            string
	ServiceKey       string
	ServiceName      string `gorm:"->;-:migration"` // read from the services join
	Component        string
	Severity         string
	Status           string
	PostmortemStatus string
	StartedAt        *int64
	DetectedAt       *int64
	MitigatedAt      *int64
	ResolvedAt       *int64
	SortAt           int64
	AffectedUsers    *int64
	CauseCategory    string
	CauseDescription string
	CauseTrigger     string
	DetectionMethod  string
	Extra            string
	Version          int
	CreatedAt        int64 `gorm:"autoCreateTime:false"`
	UpdatedAt        int64 `gorm:"autoUpdateTime:false"`

	// Read from the incident_texts join; written as an incidentTextRow.
	Summary           string `gorm:"->"`
	Description       string `gorm:"->"`
	ImpactDescription string `gorm:"->"`
	WentWell          string `gorm:"->"`
	WentWrong         string `gorm:"->"`
	GotLucky          string `gorm:"->"`
}

func (incidentRow) TableName() string { return "incidents" }

type incidentTextRow struct {
	IncidentID        int64 `gorm:"primaryKey;autoIncrement:false"`
	Summary           string
	Description       string
	ImpactDescription string
	WentWell          string
	WentWrong         string
	GotLucky          string
}

func (incidentTextRow) TableName() string { return "incident_texts" }

type outageTypeRow struct {
	IncidentID int64
	OutageType string
}

func (outageTypeRow) TableName() string { return "incident_outage_types" }

type tagRow struct {
	IncidentID int64
	Position   int
	Tag        string
}

func (tagRow) TableName() string { return "incident_tags" }

type dependentRow struct {
	IncidentID int64
	Position   int
	Name       string
}

func (dependentRow) TableName() string { return "affected_dependents" }

// Finding kinds in the findings table.
const (
	factorKind = "factor"
	gapKind    = "gap"
)

type findingRow struct {
	IncidentID  int64
	Kind        string
	Position    int
	Category    string
	Description string
}

func (findingRow) TableName() string { return "findings" }

type actionItemRow struct {
	IncidentID int64
	Position   int
	Title      string
	Kind       string
	Owner      string
	DueDate    string
	Status     string
	Addresses  string
	DoneAt     *int64
}

func (actionItemRow) TableName() string { return "action_items" }

// item is the row as the domain's action item.
func (r actionItemRow) item() incident.ActionItem {
	return incident.ActionItem{
		Title: r.Title, Kind: incident.ActionKind(r.Kind), Owner: r.Owner, DueDate: r.DueDate,
		Status: incident.ActionStatus(r.Status), Addresses: r.Addresses, DoneAt: timeOrNil(r.DoneAt),
	}
}

type timelineRow struct {
	IncidentID int64
	Position   int
	At         int64
	Kind       string
	Text       string
}

func (timelineRow) TableName() string { return "timeline_entries" }

type linkRow struct {
	IncidentID int64
	Position   int
	Title      string
	URL        string `gorm:"column:url"`
}

func (linkRow) TableName() string { return "links" }

type commentRow struct {
	ID         int64 `gorm:"primaryKey"`
	IncidentID int64
	Author     string
	Body       string
	CreatedAt  int64 `gorm:"autoCreateTime:false"`
}

func (commentRow) TableName() string { return "comments" }

type categoryRow struct {
	Kind        string `gorm:"primaryKey"`
	Slug        string `gorm:"primaryKey"`
	Description string
}

func (categoryRow) TableName() string { return "categories" }

// children holds every child row of a set of incidents, ready to insert.
type children struct {
	texts       []incidentTextRow
	outageTypes []outageTypeRow
	tags        []tagRow
	dependents  []dependentRow
	findings    []findingRow
	actionItems []actionItemRow
	timeline    []timelineRow
	links       []linkRow
	modes       []incidentModeRow
	similarity  []similarityKeyRow
}

func unixOrNil(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	u := t.Unix()
	return &u
}

func timeOrNil(u *int64) *time.Time {
	if u == nil {
		return nil
	}
	t := time.Unix(*u, 0).UTC()
	return &t
}

func fromUnix(u int64) time.Time { return time.Unix(u, 0).UTC() }

// toRow translates a normalised incident into its row; the id is kept.
func toRow(inc *incident.Incident) (incidentRow, error) {
	row := incidentRow{
		ID:               inc.ID,
		Title:            inc.Title,
		ServiceKey:       inc.ServiceKey,
		Component:        inc.Component,
		Severity:         string(inc.Severity),
		Status:           string(inc.Status),
		PostmortemStatus: string(inc.PostmortemStatus),
		StartedAt:        unixOrNil(inc.StartedAt),
		DetectedAt:       unixOrNil(inc.DetectedAt),
		MitigatedAt:      unixOrNil(inc.MitigatedAt),
		ResolvedAt:       unixOrNil(inc.ResolvedAt),
		AffectedUsers:    inc.Impact.AffectedUsers,
		CauseCategory:    inc.PrimaryCause.Category,
		CauseDescription: inc.PrimaryCause.Description,
		CauseTrigger:     inc.PrimaryCause.Trigger,
		DetectionMethod:  string(inc.DetectionMethod),
		Version:          inc.Version,
		CreatedAt:        inc.CreatedAt.Unix(),
		UpdatedAt:        inc.UpdatedAt.Unix(),
	}
	if inc.ExternalID != "" {
		ext := inc.ExternalID
		row.ExternalID = &ext
	}
	row.SortAt = row.CreatedAt
	if row.StartedAt != nil {
		row.SortAt = *row.StartedAt
	}
	if len(inc.Extra) > 0 {
		extra, err := json.Marshal(inc.Extra)
		if err != nil {
			return row, incident.Errorf(incident.EINVALID, "extra fields cannot be stored: %v", err)
		}
		row.Extra = string(extra)
	}
	return row, nil
}

// appendChildren adds the child rows of inc (whose ID is set) to c.
func (c *children) append(inc *incident.Incident) {
	id := inc.ID
	c.texts = append(c.texts, incidentTextRow{
		IncidentID: id, Summary: inc.Summary, Description: inc.Description,
		ImpactDescription: inc.Impact.Description,
		WentWell:          inc.Lessons.WentWell, WentWrong: inc.Lessons.WentWrong, GotLucky: inc.Lessons.GotLucky,
	})
	for _, t := range inc.OutageTypes {
		c.outageTypes = append(c.outageTypes, outageTypeRow{id, string(t)})
	}
	for i, t := range inc.Tags {
		c.tags = append(c.tags, tagRow{id, i, t})
	}
	for i, d := range inc.Impact.AffectedDependents {
		c.dependents = append(c.dependents, dependentRow{id, i, d})
	}
	for i, f := range inc.ContributingFactors {
		c.findings = append(c.findings, findingRow{id, factorKind, i, f.Category, f.Description})
	}
	for i, f := range inc.DetectionGaps {
		c.findings = append(c.findings, findingRow{id, gapKind, i, f.Category, f.Description})
	}
	for i, a := range inc.ActionItems {
		c.actionItems = append(c.actionItems, actionItemRow{
			IncidentID: id, Position: i, Title: a.Title, Kind: string(a.Kind), Owner: a.Owner,
			DueDate: a.DueDate, Status: string(a.Status), Addresses: a.Addresses, DoneAt: unixOrNil(a.DoneAt),
		})
	}
	for i, e := range inc.Timeline {
		c.timeline = append(c.timeline, timelineRow{id, i, e.At.Unix(), e.Kind, e.Text})
	}
	c.similarity = append(c.similarity, similarityRows(inc)...)
	for i, l := range inc.Links {
		c.links = append(c.links, linkRow{id, i, l.Title, l.URL})
	}
	c.modes = append(c.modes, modeLinks(inc)...)
}

// fromRow translates a row into an incident with empty child lists.
func fromRow(row *incidentRow) (incident.Incident, error) {
	inc := incident.Incident{
		ID:               row.ID,
		Title:            row.Title,
		Service:          row.ServiceName,
		ServiceKey:       row.ServiceKey,
		Component:        row.Component,
		Severity:         incident.Severity(row.Severity),
		Status:           incident.Status(row.Status),
		PostmortemStatus: incident.PostmortemStatus(row.PostmortemStatus),
		OutageTypes:      []incident.OutageType{},
		StartedAt:        timeOrNil(row.StartedAt),
		DetectedAt:       timeOrNil(row.DetectedAt),
		MitigatedAt:      timeOrNil(row.MitigatedAt),
		ResolvedAt:       timeOrNil(row.ResolvedAt),
		Summary:          row.Summary,
		Description:      row.Description,
		Impact: incident.Impact{
			Description:        row.ImpactDescription,
			AffectedUsers:      row.AffectedUsers,
			AffectedDependents: []string{},
		},
		PrimaryCause: incident.Cause{
			Category:    row.CauseCategory,
			Description: row.CauseDescription,
			Trigger:     row.CauseTrigger,
		},
		ContributingFactors: []incident.Finding{},
		DetectionGaps:       []incident.Finding{},
		DetectionMethod:     incident.DetectionMethod(row.DetectionMethod),
		ActionItems:         []incident.ActionItem{},
		Timeline:            []incident.TimelineEntry{},
		Lessons:             incident.Lessons{WentWell: row.WentWell, WentWrong: row.WentWrong, GotLucky: row.GotLucky},
		Tags:                []string{},
		Links:               []incident.Link{},
		FailureModes:        []string{},
		Version:             row.Version,
		CreatedAt:           fromUnix(row.CreatedAt),
		UpdatedAt:           fromUnix(row.UpdatedAt),
	}
	if row.ExternalID != nil {
		inc.ExternalID = *row.ExternalID
	}
	if row.Extra != "" {
		extra, err := decodeExtra(row.Extra)
		if err != nil {
			return inc, err
		}
		inc.Extra = extra
	}
	return inc, nil
}

// decodeExtra reads the stored JSON of Extra with canonical numbers: a
// whole number is an int, as the markdown reader gives it, so an imported
// file and its stored copy compare equal.
func decodeExtra(text string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var extra map[string]any
	if err := dec.Decode(&extra); err != nil {
		return nil, err
	}
	for k, v := range extra {
		extra[k] = canonicalNumbers(v)
	}
	return extra, nil
}

func canonicalNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return int(i)
		}
		if u, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			return u
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i := range v {
			v[i] = canonicalNumbers(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = canonicalNumbers(v[k])
		}
	}
	return v
}
