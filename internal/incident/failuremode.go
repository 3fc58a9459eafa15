package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// FailureModeStatus says what has been done about a failure mode.
type FailureModeStatus string

// The statuses of a failure mode.
const (
	// ModeUnmitigated: nothing stops it yet; it is a risk.
	ModeUnmitigated FailureModeStatus = "unmitigated"
	// ModeMitigated: something was done so that it should not happen
	// again, or hurt less. A mode that materialises while marked
	// mitigated is a mitigation that did not hold.
	ModeMitigated FailureModeStatus = "mitigated"
	// ModeAccepted: the risk is known and taken on purpose.
	ModeAccepted FailureModeStatus = "accepted"
)

// FailureModeStatuses lists the statuses in display order.
var FailureModeStatuses = []FailureModeStatus{ModeUnmitigated, ModeMitigated, ModeAccepted}

// MaxFailureModesPerService bounds a service's failure modes: the message
// for an unknown mode lists them all, and the incident form offers them.
const MaxFailureModesPerService = 100

// FailureMode is a way a service is known to fail: what could go wrong,
// how it would be noticed, what is done about it. Incidents link the modes
// that materialised (Incident.FailureModes), which is how the catalogue
// learns which risks hurt.
type FailureMode struct {
	ServiceKey  string            `json:"service_key"`
	Slug        string            `json:"slug"`
	Title       string            `json:"title"`
	Description string            `json:"description"` // markdown
	Detection   string            `json:"detection"`   // markdown: how it would be detected
	Mitigation  string            `json:"mitigation"`  // markdown: what prevents it or limits the harm
	Status      FailureModeStatus `json:"status"`
	// StatusChangedAt is when Status was last set: the time a
	// "returned after it was mitigated" finding measures against.
	StatusChangedAt time.Time `json:"status_changed_at"`
	// History is every status the mode has had, oldest first; its last
	// entry is Status at StatusChangedAt.
	History   []StatusChange `json:"history"`
	Version   int            `json:"version"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// StatusChange is one entry of a failure mode's history: the status it was
// given, when, and by whom (a user's name, a token's owner, "cli").
type StatusChange struct {
	Status FailureModeStatus `json:"status"`
	At     time.Time         `json:"at"`
	By     string            `json:"by,omitempty"`
}

// StatusAt is the status the mode had at t: that of the last change at or
// before t, or "" before its first.
func (m *FailureMode) StatusAt(t time.Time) FailureModeStatus {
	var status FailureModeStatus
	for _, c := range m.History {
		if c.At.After(t) {
			break
		}
		status = c.Status
	}
	return status
}

// Ref is the mode's reference as an incident of service ownKey writes it.
func (m *FailureMode) Ref(ownKey string) string {
	return FailureModeRef{ServiceKey: m.ServiceKey, Slug: m.Slug}.Format(ownKey)
}

// FailureModeChange creates or edits a failure mode; a nil field is left
// as it is (on creation: empty, and the status unmitigated). Version, when
// given, must be the stored one, so that an edit made from a stale page
// is refused rather than silently undoing another.
type FailureModeChange struct {
	Slug        *string            `json:"slug"`
	Title       *string            `json:"title"`
	Description *string            `json:"description"`
	Detection   *string            `json:"detection"`
	Mitigation  *string            `json:"mitigation"`
	Status      *FailureModeStatus `json:"status"`
	Version     *int               `json:"version"`
}

// Apply writes the change's fields onto m and reports whether the status
// changed. It does not validate; call Validate on the result.
func (c *FailureModeChange) Apply(m *FailureMode) (statusChanged bool) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&m.Title, c.Title)
	if c.Description != nil {
		m.Description = *c.Description
	}
	if c.Detection != nil {
		m.Detection = *c.Detection
	}
	if c.Mitigation != nil {
		m.Mitigation = *c.Mitigation
	}
	if c.Status != nil && *c.Status != m.Status {
		m.Status = *c.Status
		return true
	}
	return false
}

// Normalize trims the mode's names and puts its times in UTC at second
// precision, as they are stored.
func (m *FailureMode) Normalize() {
	m.Slug = strings.TrimSpace(m.Slug)
	m.Title = strings.TrimSpace(m.Title)
	m.StatusChangedAt = m.StatusChangedAt.UTC().Truncate(time.Second)
	m.CreatedAt = m.CreatedAt.UTC().Truncate(time.Second)
	m.UpdatedAt = m.UpdatedAt.UTC().Truncate(time.Second)
	for i := range m.History {
		m.History[i].At = m.History[i].At.UTC().Truncate(time.Second)
		m.History[i].By = strings.TrimSpace(m.History[i].By)
	}
	if m.History == nil {
		m.History = []StatusChange{}
	}
	if n := len(m.History); n > 0 && m.StatusChangedAt.IsZero() {
		m.StatusChangedAt = m.History[n-1].At
	}
}

// Validate checks a failure mode's fields and its history: the history is
// in time order and ends with the mode's status.
func (m *FailureMode) Validate() error {
	var errs FieldErrors
	m.validate(&errs, "")
	return errs.Err()
}

func (m *FailureMode) validate(errs *FieldErrors, prefix string) {
	checkSlug(errs, prefix+"slug", m.Slug)
	requiredName(errs, prefix+"title", m.Title, MaxTitle)
	optionalMarkdown(errs, prefix+"description", m.Description, MaxMarkdown)
	optionalMarkdown(errs, prefix+"detection", m.Detection, MaxMarkdown)
	optionalMarkdown(errs, prefix+"mitigation", m.Mitigation, MaxMarkdown)
	enum(errs, prefix+"status", m.Status, FailureModeStatuses)
	if m.Version < 0 || m.Version > MaxID {
		errs.Add(prefix+"version", IDRule)
	}
	listLength(errs, prefix+"history", len(m.History))
	for i, c := range m.History {
		p := fmt.Sprintf("%shistory[%d]", prefix, i)
		enum(errs, p+".status", c.Status, FailureModeStatuses)
		if c.At.IsZero() {
			errs.Add(p+".at", "is required (RFC 3339)")
		}
		checkYear(errs, p+".at", c.At)
		optionalName(errs, p+".by", c.By, MaxShortText)
		if i > 0 && c.At.Before(m.History[i-1].At) {
			errs.Add(p+".at", "must not be before the entry above it")
		}
	}
	if n := len(m.History); n > 0 && (m.History[n-1].Status != m.Status || !m.History[n-1].At.Equal(m.StatusChangedAt)) {
		errs.Add(prefix+"history", "must end with the mode's status at status_changed_at")
	}
}

// checkSlug holds a failure mode's slug to the vocabulary's rule.
func checkSlug(errs *FieldErrors, field, slug string) {
	if !slugPattern.MatchString(slug) || len(slug) > MaxSlug {
		errs.Add(field, fmt.Sprintf("must be lowercase-with-dashes, at most %d characters", MaxSlug))
	}
}

// FailureModeRef names a failure mode from an incident: the key of its
// service and its slug.
type FailureModeRef struct {
	ServiceKey string
	Slug       string
}

// ParseFailureModeRef reads a reference as an incident of service ownKey
// writes it: "slug" names a mode of the incident's own service, and
// "service/slug" one of another service (a dependency in a cascade), the
// service given by name or key. Slugs hold no "/", so a service name that
// does is still read right: the slug is what follows the last one.
func ParseFailureModeRef(ref, ownKey string) (FailureModeRef, bool) {
	ref = strings.TrimSpace(ref)
	service, slug := "", ref
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		service, slug = ref[:i], ref[i+1:]
	}
	key := ownKey
	if service != "" {
		key = ServiceKey(service)
	}
	if key == "" || !slugPattern.MatchString(slug) || len(slug) > MaxSlug {
		return FailureModeRef{}, false
	}
	return FailureModeRef{ServiceKey: key, Slug: slug}, true
}

// Format writes the reference in its one spelling for an incident of
// service ownKey: the bare slug for the own service, "key/slug" otherwise.
func (r FailureModeRef) Format(ownKey string) string {
	if r.ServiceKey == ownKey {
		return r.Slug
	}
	return r.ServiceKey + "/" + r.Slug
}

// FailureModeRefs parses the incident's failure modes; those that cannot
// be read are left out (Validate reports them).
func (inc *Incident) FailureModeRefs() []FailureModeRef {
	out := make([]FailureModeRef, 0, len(inc.FailureModes))
	for _, s := range inc.FailureModes {
		if r, ok := ParseFailureModeRef(s, inc.ServiceKey); ok {
			out = append(out, r)
		}
	}
	return out
}

// normalizeFailureModes writes each readable reference in its one
// spelling and drops repeats, so that "Payments DB/pool-exhaustion" and
// "paymentsdb/pool-exhaustion" are one link and a file reads back as it
// was written. References that cannot be read are kept for Validate.
func (inc *Incident) normalizeFailureModes() {
	out := []string{}
	for _, s := range inc.FailureModes {
		if r, ok := ParseFailureModeRef(s, inc.ServiceKey); ok {
			s = r.Format(inc.ServiceKey)
		} else {
			s = strings.TrimSpace(s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	inc.FailureModes = out
}

func (inc *Incident) validateFailureModeSyntax(errs *FieldErrors) {
	listLength(errs, "failure_modes", len(inc.FailureModes))
	for i, s := range inc.FailureModes {
		if _, ok := ParseFailureModeRef(s, inc.ServiceKey); !ok {
			errs.Add(fmt.Sprintf("failure_modes[%d]", i), "must be a failure mode's slug (lowercase-with-dashes), or service/slug for another service's")
		}
	}
}

// KnownFailureModes holds the slugs of each service's failure modes, by
// service key, each list sorted.
type KnownFailureModes map[string][]string

// CheckFailureModes is the one rule for the failure modes an incident
// links: each must be a known mode of the service it names. An unknown one
// is refused with the modes that service has, so that the person can pick.
// The store calls it in every write of an incident (API, form, import,
// CLI), with the modes of the services the incident names.
func (inc *Incident) CheckFailureModes(known KnownFailureModes) error {
	var errs FieldErrors
	for i, s := range inc.FailureModes {
		r, ok := ParseFailureModeRef(s, inc.ServiceKey)
		if !ok {
			continue // Validate reports it
		}
		slugs := known[r.ServiceKey]
		if _, found := slices.BinarySearch(slugs, r.Slug); found {
			continue
		}
		field := fmt.Sprintf("failure_modes[%d]", i)
		problem := fmt.Sprintf("unknown failure mode %s of service %s", quote(r.Slug), quote(r.ServiceKey))
		if len(slugs) == 0 {
			errs.Add(field, problem+"; it has no failure modes yet (add them on the service's page or under /api/v1/services/"+r.ServiceKey+"/failure-modes)")
			continue
		}
		refs := make([]string, len(slugs))
		for k, slug := range slugs {
			refs[k] = FailureModeRef{ServiceKey: r.ServiceKey, Slug: slug}.Format(inc.ServiceKey)
		}
		errs.AddNotOneOf(field, problem, "failure modes of "+r.ServiceKey, refs)
	}
	return errs.ErrAs(EINVALID, "Some failure modes are not known.")
}

// ModeRecord is a failure mode with its record: how often it
// materialised, how often while it was marked mitigated, and the latest
// incidents in which it did.
type ModeRecord struct {
	FailureMode
	Materialised int `json:"materialised"`
	// WhileMitigated counts the incidents that started while the mode was
	// marked mitigated: each is a mitigation that did not hold.
	WhileMitigated int `json:"while_mitigated"`
	// Incidents are the latest incidents that linked it (at most
	// MaxModeIncidents), newest first.
	Incidents []ModeIncident `json:"incidents"`
}

// MaxModeIncidents is how many incidents a ModeRecord lists.
const MaxModeIncidents = 20

// ModeIncident is an incident that linked a failure mode.
type ModeIncident struct {
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	Service   string     `json:"service"` // the incident's service, by display name
	Severity  Severity   `json:"severity,omitempty"`
	Status    Status     `json:"status"`
	StartedAt *time.Time `json:"started_at"`
	// WhileMitigated: it started while the mode was marked mitigated.
	WhileMitigated bool `json:"while_mitigated"`
}

// MaterialisedWhileMitigated reports whether an incident that started at
// started (nil: unknown, and then no) materialised the mode while it was
// marked mitigated.
func (m *FailureMode) MaterialisedWhileMitigated(started *time.Time) bool {
	return started != nil && m.StatusAt(*started) == ModeMitigated
}
