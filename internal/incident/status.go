package incident

import "time"

// StatusReport is the current state for dashboards and status pages: the
// services with open (not resolved) incidents and how bad it is, in the
// indicator words of Atlassian Statuspage, which status tools read.
type StatusReport struct {
	// Indicator is "none", "minor", "major" or "critical".
	Indicator string `json:"indicator"`
	// Severity is the worst severity of the open incidents; empty when
	// there are none (or none has one).
	Severity      Severity        `json:"severity,omitempty"`
	OpenIncidents int64           `json:"open_incidents"`
	Services      []ServiceStatus `json:"services"`
	// UpdatedAt is the last change of an open incident.
	UpdatedAt *time.Time `json:"updated_at"`
}

// ServiceStatus is one service with open incidents.
type ServiceStatus struct {
	Name          string   `json:"name"`
	Key           string   `json:"key"`
	Severity      Severity `json:"severity,omitempty"`
	OpenIncidents int64    `json:"open_incidents"`
}

// Indicators, from no open incident to a critical one.
const (
	IndicatorNone     = "none"
	IndicatorMinor    = "minor"
	IndicatorMajor    = "major"
	IndicatorCritical = "critical"
)

// IndicatorOf says how bad it is with open incidents of worst severity
// sev: a SEV1 is critical, a SEV2 major, anything less (or unknown) minor.
func IndicatorOf(open int64, sev Severity) string {
	switch {
	case open == 0:
		return IndicatorNone
	case sev == SEV1:
		return IndicatorCritical
	case sev == SEV2:
		return IndicatorMajor
	}
	return IndicatorMinor
}
