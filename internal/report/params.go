package report

import (
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Defaults for the lengths of the lists a report links incidents in.
const (
	DefaultGroups = 25 // recurring groups of each kind, returns after a fix
	DefaultLinked = 10 // incidents shown per group
)

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
	// Groups caps each list of groups (recurring causes, similar
	// descriptions, returns after a fix); Linked caps the incidents listed
	// per group. Totals are always exact. Zero means the defaults.
	Groups, Linked int
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
	if out.Linked <= 0 {
		out.Linked = DefaultLinked
	}
	return out
}

// asOf is the reference day as YYYY-MM-DD; due dates compare as text.
func (p *Params) asOf() string { return p.Now.Format(time.DateOnly) }

// everyIncident is the condition of a scope that selects everything.
const everyIncident = "1 = 1"

// scope is an SQL condition on the incidents table under the alias i, with
// its arguments. Every query of a report restricts itself with one.
type scope struct {
	cond     string
	args     []any
	windowed bool // the condition bounds started_at
}

// and appends a condition.
func (s scope) and(cond string, args ...any) scope {
	return scope{cond: s.cond + " AND " + cond, args: append(append([]any{}, s.args...), args...), windowed: s.windowed}
}

// incidents is the FROM clause for a query that reads incidents row by row
// in this scope. A windowed one walks incidents_report, which starts with
// started_at (and covers the data-quality columns): without table
// statistics SQLite takes a one-sided window (since only) for a quarter of
// the table and scans all of it instead, which for a month of a large
// history reads thirty times the rows.
func (s scope) incidents() string {
	if s.windowed {
		return "incidents AS i INDEXED BY incidents_report"
	}
	return "incidents AS i"
}

// everything reports whether the scope selects every incident.
func (s scope) everything() bool { return s.cond == everyIncident }

// windowScope selects the incidents the report counts: the service, and
// started_at within the window when one is given.
func (p *Params) windowScope() scope {
	s := p.serviceScope()
	if cond, args := p.windowCond(); cond != "" {
		s = s.and(cond, args...)
		s.windowed = true
	}
	return s
}

// windowCond is the condition on started_at, or "" without a window.
func (p *Params) windowCond() (string, []any) {
	var conds []string
	var args []any
	if p.Since != nil {
		conds = append(conds, "i.started_at >= ?")
		args = append(args, p.Since.Unix())
	}
	if p.Until != nil {
		conds = append(conds, "i.started_at < ?")
		args = append(args, p.Until.Unix())
	}
	return strings.Join(conds, " AND "), args
}

func (p *Params) serviceScope() scope { return p.serviceScopeAs("i") }

// serviceScopeAs is the service condition on incidents under another alias.
func (p *Params) serviceScopeAs(alias string) scope {
	if p.Service == "" {
		return scope{cond: everyIncident}
	}
	return scope{cond: alias + ".service_key = ?", args: []any{incident.ServiceKey(p.Service)}}
}
