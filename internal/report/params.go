package report

import (
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// DefaultGroups is how many recurrences a report describes in words and
// how many returns after a fix it lists in detail; the lists of ids are
// complete.
const DefaultGroups = 25

// Params select and shape a report. The zero value reports on every
// incident, as of now.
type Params struct {
	// Since and Until bound started_at: since inclusive, until exclusive.
	Since, Until *time.Time
	// Service is a service name or key; empty means every service.
	Service string
	// Now is the reference time: its UTC day decides what is overdue. Zero
	// means time.Now().
	Now time.Time
	// Groups caps the recurrences described in words and the returns after
	// a fix listed in detail (the lists of ids are complete). Zero means
	// DefaultGroups.
	Groups int
}

// ParseBound reads a window bound as the API and the CLI accept it: RFC 3339,
// or a date (YYYY-MM-DD, midnight UTC).
func ParseBound(raw string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, strings.TrimSpace(raw)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// check refuses a window that can hold nothing.
func (p *Params) check() error {
	if p.Since != nil && p.Until != nil && !p.Since.Before(*p.Until) {
		return &incident.Error{Code: incident.EMALFORMED, Message: "The report window is empty.",
			Fields: map[string]string{"until": "must be after since"}}
	}
	if p.Service != "" && incident.ServiceKey(p.Service) == "" {
		return &incident.Error{Code: incident.EMALFORMED, Message: "The service filter names no service.",
			Fields: map[string]string{"service": "must contain at least one letter or digit"}}
	}
	return nil
}

func (p *Params) withDefaults() Params {
	out := *p
	if out.Now.IsZero() {
		out.Now = time.Now()
	}
	out.Now = out.Now.UTC()
	if out.Groups <= 0 {
		out.Groups = DefaultGroups
	}
	return out
}

// asOf is the reference day as YYYY-MM-DD; due dates compare as text.
func (p *Params) asOf() string { return p.Now.Format(time.DateOnly) }

// services is the service filter as keys, or nil for every service.
func (p *Params) services() []string {
	if p.Service == "" {
		return nil
	}
	return []string{incident.ServiceKey(p.Service)}
}

// windowScope selects the incidents the report counts: the service, and
// started_at within the window when one is given.
func (p *Params) windowScope() Scope {
	return Scope{Services: p.services(), Since: p.Since, Until: p.Until}
}

// inWindow reports whether an incident read by the pattern pass is one the
// report counts.
func (p *Params) inWindow(row *IncidentRow) bool {
	if p.Service != "" && string(row.ServiceKey) != incident.ServiceKey(p.Service) {
		return false
	}
	if p.Since == nil && p.Until == nil {
		return true
	}
	at := row.StartedAt.Seconds
	return row.StartedAt.Known && (p.Since == nil || at >= p.Since.Unix()) && (p.Until == nil || at < p.Until.Unix())
}
