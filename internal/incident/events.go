package incident

import "time"

// EventType names a change that outgoing webhooks report. The names are
// the contract's (PRODUCT.md, "Outgoing webhooks").
type EventType string

// The event types.
const (
	EventIncidentCreated       EventType = "incident.created"
	EventIncidentUpdated       EventType = "incident.updated"
	EventIncidentStatusChanged EventType = "incident.status_changed"
	EventIncidentDeleted       EventType = "incident.deleted"
	EventPostmortemPublished   EventType = "postmortem.published"
	EventCommentCreated        EventType = "comment.created"
	EventActionItemOverdue     EventType = "action_item.overdue"
)

// EventTypes lists every event type.
var EventTypes = []EventType{
	EventIncidentCreated, EventIncidentUpdated, EventIncidentStatusChanged, EventIncidentDeleted,
	EventPostmortemPublished, EventCommentCreated, EventActionItemOverdue,
}

// Valid reports whether t is one of the event types.
func (t EventType) Valid() bool {
	for _, known := range EventTypes {
		if t == known {
			return true
		}
	}
	return false
}

// Event is one change, as an outgoing webhook delivers it: the body is
// {"type": ..., "timestamp": ..., "data": ...}.
type Event struct {
	Type      EventType `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      EventData `json:"data"`
}

// EventData is what an event says. Incident events carry the whole
// incident; the others a reference to it and what they are about.
type EventData struct {
	Incident *Incident    `json:"incident,omitempty"`
	Ref      *IncidentRef `json:"incident_ref,omitempty"`
	// PreviousStatus is set on incident.status_changed.
	PreviousStatus Status `json:"previous_status,omitempty"`
	// PreviousIncidentID is set on the incident.created of an alert
	// group that fired again after its earlier incident was resolved.
	PreviousIncidentID int64       `json:"previous_incident_id,omitempty"`
	Comment            *Comment    `json:"comment,omitempty"`
	ActionItem         *ActionItem `json:"action_item,omitempty"`
}

// IncidentRef names an incident briefly, in events about its parts.
type IncidentRef struct {
	ID         int64    `json:"id"`
	Title      string   `json:"title"`
	Service    string   `json:"service"`
	ServiceKey string   `json:"service_key"`
	Severity   Severity `json:"severity,omitempty"`
	Status     Status   `json:"status"`
}

// Ref is the incident's brief reference.
func (inc *Incident) Ref() *IncidentRef {
	return &IncidentRef{ID: inc.ID, Title: inc.Title, Service: inc.Service, ServiceKey: inc.ServiceKey,
		Severity: inc.Severity, Status: inc.Status}
}

// IncidentID is the incident the event is about: deliveries to one
// webhook keep the order of its incident's events.
func (e *Event) IncidentID() int64 {
	switch {
	case e.Data.Incident != nil:
		return e.Data.Incident.ID
	case e.Data.Ref != nil:
		return e.Data.Ref.ID
	}
	return 0
}

// UpdateEvents are the events that an update of an incident from before
// to after reports: incident.updated, then incident.status_changed and
// postmortem.published when those happened. Their times are set when the
// change is written.
func UpdateEvents(before, after *Incident) []Event {
	events := []Event{{Type: EventIncidentUpdated, Data: EventData{Incident: after}}}
	if before.Status != after.Status {
		events = append(events, Event{Type: EventIncidentStatusChanged,
			Data: EventData{Incident: after, PreviousStatus: before.Status}})
	}
	if after.PostmortemStatus == PostmortemPublished && before.PostmortemStatus != PostmortemPublished {
		events = append(events, Event{Type: EventPostmortemPublished, Data: EventData{Incident: after}})
	}
	return events
}
