package report

import (
	"context"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Source is what a report reads from storage: narrow aggregates and
// streams over the incidents in a Scope. Package store implements it on
// each backend; the report writes no SQL of its own. Build calls the
// methods concurrently, so an implementation must be safe for concurrent
// use. A stream's []byte fields are valid only during the callback, so
// that rows are read without a copy; the callback keeps what it needs.
type Source interface {
	// ServiceName returns the display name of the service with the key.
	ServiceName(ctx context.Context, key string) (name string, ok bool, err error)
	// Catalogue returns every service with its relations.
	Catalogue(ctx context.Context) (*Catalogue, error)

	// CountIncidents counts the incidents in the scope.
	CountIncidents(ctx context.Context, in Scope) (int, error)
	// CountByServiceAndMonth counts incidents by service display name and
	// month of start ("YYYY-MM" in UTC; "" when the start is unknown).
	CountByServiceAndMonth(ctx context.Context, in Scope) ([]ServiceMonthCount, error)
	// CountBySeverityMethodAndCause counts incidents by severity, detection
	// method and primary cause category, each "" when unset.
	CountBySeverityMethodAndCause(ctx context.Context, in Scope) ([]SeverityMethodCauseCount, error)
	// CountOutageTypes and CountTags count incidents by outage type and by
	// tag; CountFindingCategories counts incidents with contributing
	// factors (kind "factor") or detection gaps ("gap") by category. Each
	// list is sorted by count descending, then key.
	CountOutageTypes(ctx context.Context, in Scope) ([]Count, error)
	CountTags(ctx context.Context, in Scope) ([]Count, error)
	CountFindingCategories(ctx context.Context, in Scope, kind string) ([]Count, error)
	// CountActionItems counts the action items of the incidents in the
	// scope; overdue ones are open or in progress with a due date (as
	// YYYY-MM-DD) before asOf. CompletionRate is left for the report.
	CountActionItems(ctx context.Context, in Scope, asOf string) (ActionItems, error)

	// CountByMonthAndOutageType counts the incidents with a known start by
	// month of start ("YYYY-MM" in UTC) and outage type, once under each
	// of their types and once under "" without one, ordered by month then
	// type (bytewise).
	CountByMonthAndOutageType(ctx context.Context, in Scope) ([]MonthCount, error)

	// EachDuration streams each incident's time to detect, mitigate and
	// resolve with its detection method and severity.
	EachDuration(ctx context.Context, in Scope, row func(*DurationRow)) error
	// EachTimestampProblem streams the incidents whose timestamps are
	// missing or out of order (no start; resolved without detected_at,
	// mitigated_at or resolved_at; a resolved_at while not resolved; any
	// two in the wrong order), by id.
	EachTimestampProblem(ctx context.Context, in Scope, row func(*TimestampRow)) error
	// EachIncident and EachFinding stream what pattern detection reads:
	// one narrow row per incident and per contributing factor or detection
	// gap, in no particular order.
	EachIncident(ctx context.Context, in Scope, row func(*IncidentRow)) error
	EachFinding(ctx context.Context, in Scope, row func(*FindingRow)) error
	// EachFix streams the preventive action items that name what they
	// address and are done, open or in progress (not won't-do), of every
	// incident of the scope's services: the window does not apply, as a
	// fix made before it may fail within it.
	EachFix(ctx context.Context, in Scope, row func(*FixRow)) error

	// EveryFailureMode returns every service's failure modes with their
	// status histories; EachModeLink streams the failure modes the
	// incidents in the scope link; CountUnlinked counts the incidents in
	// the scope that link none, by service display name, the most first.
	EveryFailureMode(ctx context.Context) ([]incident.FailureMode, error)
	EachModeLink(ctx context.Context, in Scope, row func(*ModeLink)) error
	CountUnlinked(ctx context.Context, in Scope) ([]Count, error)

	// IncidentRefs reads the title, service name, severity, status and
	// start of the given incidents.
	IncidentRefs(ctx context.Context, ids []int64) (map[int64]IncidentRef, error)
	// RecentIncidents lists a service's latest incidents, newest first.
	RecentIncidents(ctx context.Context, serviceKey string, limit int) ([]IncidentRef, error)
	// Descriptions reads the texts of the given causes and factors.
	Descriptions(ctx context.Context, texts []TextRef) (map[TextRef]string, error)
	// FixTitles reads the titles of the given done preventive items.
	FixTitles(ctx context.Context, fixes []FixRef) (map[FixRef]string, error)
}

// Scope selects incidents. Every bound is optional; with Since or Until
// set, an incident whose start is unknown cannot be placed and is left out.
type Scope struct {
	// Services are service keys; empty means every service.
	Services []string
	// Since and Until bound started_at: since inclusive, until exclusive.
	Since, Until *time.Time
	// WithoutStart selects only the incidents whose start is unknown (and
	// then Since and Until must be nil).
	WithoutStart bool
}

// Windowed reports whether the scope bounds started_at.
func (s Scope) Windowed() bool { return s.Since != nil || s.Until != nil }

// Everything reports whether the scope selects every incident.
func (s Scope) Everything() bool { return len(s.Services) == 0 && !s.Windowed() && !s.WithoutStart }

// Catalogue is every service with its relations, by key.
type Catalogue struct {
	Names      map[string]string   // display names
	DependsOn  map[string][]string // the keys each depends on, sorted
	Industries map[string][]string // in the order given
}

// ServiceMonthCount is one row of CountByServiceAndMonth.
type ServiceMonthCount struct {
	Service string // display name
	Month   string // "YYYY-MM", or "" when the start is unknown
	N       int
}

// SeverityMethodCauseCount is one row of CountBySeverityMethodAndCause.
type SeverityMethodCauseCount struct {
	Severity, Method, Cause string
	N                       int
}

// DurationRow is one incident's durations with the columns they are
// grouped by ("" when unset).
type DurationRow struct {
	Method, Severity []byte
	Phases           Phases
}

// Phases are an incident's time to detect, mitigate and resolve.
type Phases [3]Elapsed

// Elapsed is a duration in seconds, or unknown when a timestamp is.
type Elapsed struct {
	Seconds int64
	Known   bool
}

// TimestampRow is an incident's status and timestamps (started, detected,
// mitigated, resolved) in unix seconds; nil when unknown.
type TimestampRow struct {
	ID     int64
	Status string
	Stamps [4]*int64
}

// IncidentRow is what the pattern pass reads of an incident. SortAt is
// started_at, or created_at when the start is unknown.
type IncidentRow struct {
	ID, SortAt       int64
	StartedAt        Elapsed // seconds since the epoch; Known false when unknown
	ServiceKey       []byte
	Severity         []byte
	DetectionMethod  []byte
	CauseCategory    []byte
	CauseDescription []byte
}

// FindingRow is a contributing factor or a detection gap; gaps are never
// compared, so their descriptions may be left out.
type FindingRow struct {
	IncidentID  int64
	Gap         bool
	Position    int32
	Category    []byte
	Description []byte
}

// FixRow is a preventive action item: marked done at DoneAt (unix
// seconds), or open or in progress when Done is false. Addresses names what
// it fixes ("primary_cause", "contributing_factors[N]",
// "detection_gaps[N]").
type FixRow struct {
	IncidentID int64
	Addresses  []byte
	Done       bool
	DoneAt     int64
}

// FixRef names a done preventive item by its incident, what it addresses
// and when it was done; the first such item (by position) is meant.
type FixRef struct {
	IncidentID int64
	Addresses  string
	DoneAt     int64
}

// TextRef names a cause (Position −1) or a contributing factor.
type TextRef struct {
	IncidentID int64
	Position   int32
}
