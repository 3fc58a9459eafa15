package incident

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Limits on what one incident may hold. They keep a single write bounded and
// pages readable; the HTTP body cap (1 MiB) is the outer bound.
const (
	MaxTitle     = 200
	MaxShortText = 500       // names, owners, tags, timeline kinds, link titles
	MaxMarkdown  = 64 * 1024 // each markdown field
	MaxListItems = 200       // each list
	MaxURL       = 2048
)

var (
	datePattern      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	addressesPattern = regexp.MustCompile(`^(primary_cause|(contributing_factors|detection_gaps)\[(\d+)\])$`)
)

// Normalize puts an incident into its canonical form before validation:
// trimmed names, UTC timestamps at second precision, the derived service key,
// and empty lists rather than nil ones. It never rejects anything (Validate
// does), and it fills in no field a person left out: a new incident gets its
// defaults from ApplyDefaults, but an update that removes a required field
// is refused, not quietly reset.
func (inc *Incident) Normalize() {
	inc.Title = strings.TrimSpace(inc.Title)
	inc.Service = strings.TrimSpace(inc.Service)
	inc.ServiceKey = ServiceKey(inc.Service)
	inc.Component = strings.TrimSpace(inc.Component)
	for _, t := range []**time.Time{&inc.StartedAt, &inc.DetectedAt, &inc.MitigatedAt, &inc.ResolvedAt} {
		*t = canonicalTime(*t)
	}
	inc.OutageTypes = CanonicalOutageTypes(inc.OutageTypes)
	inc.Tags = uniqueTrimmed(inc.Tags)
	inc.Impact.AffectedDependents = uniqueTrimmed(inc.Impact.AffectedDependents)
	inc.ContributingFactors = nonNil(inc.ContributingFactors)
	inc.DetectionGaps = nonNil(inc.DetectionGaps)
	inc.ActionItems = nonNil(inc.ActionItems)
	inc.Timeline = nonNil(inc.Timeline)
	inc.Links = nonNil(inc.Links)
	inc.normalizeFailureModes()
	for i := range inc.ActionItems {
		a := &inc.ActionItems[i]
		a.Title = strings.TrimSpace(a.Title)
		a.Owner = strings.TrimSpace(a.Owner)
		if a.Status == "" {
			a.Status = ActionOpen
		}
		a.DoneAt = canonicalTime(a.DoneAt)
	}
	for i := range inc.Timeline {
		inc.Timeline[i].At = inc.Timeline[i].At.UTC().Truncate(time.Second)
	}
	if len(inc.Extra) == 0 {
		inc.Extra = nil
	}
}

// ApplyDefaults fills the lifecycle fields that a new incident (filed or
// imported) may leave out: investigating, a draft post-mortem, detection
// method unknown.
func (inc *Incident) ApplyDefaults() {
	if inc.Status == "" {
		inc.Status = StatusInvestigating
	}
	if inc.PostmortemStatus == "" {
		inc.PostmortemStatus = PostmortemDraft
	}
	if inc.DetectionMethod == "" {
		inc.DetectionMethod = DetectedByUnknown
	}
}

// StampDoneItems records when action items were marked done: an item that is
// done gets now unless it already has a time; one that is not done has none.
func (inc *Incident) StampDoneItems(now time.Time) {
	now = now.UTC().Truncate(time.Second)
	for i := range inc.ActionItems {
		a := &inc.ActionItems[i]
		switch {
		case a.Status != ActionDone:
			a.DoneAt = nil
		case a.DoneAt == nil:
			a.DoneAt = &now
		}
	}
}

// Validate checks every rule of the domain and reports each offending field.
// Severity may be empty (imported history); use ValidateFiled for incidents
// filed by a person.
func (inc *Incident) Validate(v Vocabulary) error {
	var errs FieldErrors
	inc.validate(v, &errs)
	return errs.Err()
}

// ValidateFiled is Validate plus the rules for a newly filed incident: a
// severity is required.
func (inc *Incident) ValidateFiled(v Vocabulary) error {
	var errs FieldErrors
	if inc.Severity == "" {
		enum(&errs, "severity", inc.Severity, Severities)
	}
	inc.validate(v, &errs)
	return errs.Err()
}

// ValidateImported is Validate plus the rule for what an imported file may
// set: an id and a version, when given, within ValidID.
func (inc *Incident) ValidateImported(v Vocabulary) error {
	var errs FieldErrors
	checkID(&errs, "id", inc.ID)
	checkID(&errs, "version", int64(inc.Version))
	inc.validate(v, &errs)
	return errs.Err()
}

func (inc *Incident) validate(v Vocabulary, errs *FieldErrors) {
	requiredName(errs, "title", inc.Title, MaxTitle)
	requiredName(errs, "service", inc.Service, MaxShortText)
	if inc.Service != "" && inc.ServiceKey == "" {
		errs.Add("service", "must contain at least one letter or digit")
	}
	optionalName(errs, "component", inc.Component, MaxShortText)
	optionalName(errs, "external_id", inc.ExternalID, MaxShortText)
	if inc.Severity != "" {
		enum(errs, "severity", inc.Severity, Severities)
	}
	enum(errs, "status", inc.Status, Statuses)
	enum(errs, "postmortem_status", inc.PostmortemStatus, PostmortemStatuses)
	enum(errs, "detection_method", inc.DetectionMethod, DetectionMethods)
	for i, t := range inc.OutageTypes {
		enum(errs, fmt.Sprintf("outage_types[%d]", i), t, OutageTypes)
	}
	validateTimestamps(errs, inc)

	optionalMarkdown(errs, "summary", inc.Summary, MaxMarkdown)
	optionalMarkdown(errs, "description", inc.Description, MaxMarkdown)
	optionalMarkdown(errs, "impact.description", inc.Impact.Description, MaxMarkdown)
	if u := inc.Impact.AffectedUsers; u != nil && (*u < 0 || *u > MaxID) {
		errs.Add("impact.affected_users", "must be a whole number from 0 to 9007199254740991")
	}
	shortList(errs, "impact.affected_dependents", inc.Impact.AffectedDependents)

	if inc.PrimaryCause.Category != "" {
		category(errs, v, CauseVocabulary, "primary_cause.category", inc.PrimaryCause.Category)
	} else if inc.PrimaryCause.Description != "" || inc.PrimaryCause.Trigger != "" {
		errs.AddNotOneOf("primary_cause.category", "is required when the cause is described", listName(CauseVocabulary), v.Causes)
	}
	optionalMarkdown(errs, "primary_cause.description", inc.PrimaryCause.Description, MaxMarkdown)
	optionalName(errs, "primary_cause.trigger", inc.PrimaryCause.Trigger, MaxShortText)
	findings(errs, v, CauseVocabulary, "contributing_factors", inc.ContributingFactors)
	findings(errs, v, GapVocabulary, "detection_gaps", inc.DetectionGaps)
	inc.validateFailureModeSyntax(errs)

	listLength(errs, "action_items", len(inc.ActionItems))
	for i, a := range inc.ActionItems {
		p := fmt.Sprintf("action_items[%d]", i)
		requiredName(errs, p+".title", a.Title, MaxShortText)
		enum(errs, p+".kind", a.Kind, ActionKinds)
		enum(errs, p+".status", a.Status, ActionStatuses)
		optionalName(errs, p+".owner", a.Owner, MaxShortText)
		if a.DoneAt != nil {
			checkYear(errs, p+".done_at", *a.DoneAt)
		}
		if a.DueDate != "" && !isDate(a.DueDate) {
			errs.Add(p+".due_date", "must be a date as YYYY-MM-DD")
		}
		if a.Addresses != "" && !inc.addressable(a.Addresses) {
			errs.Add(p+".addresses", "must be primary_cause, contributing_factors[N] or detection_gaps[N] naming an existing entry")
		}
	}

	listLength(errs, "timeline", len(inc.Timeline))
	for i, e := range inc.Timeline {
		p := fmt.Sprintf("timeline[%d]", i)
		if e.At.IsZero() {
			errs.Add(p+".at", "is required (RFC 3339)")
		}
		checkYear(errs, p+".at", e.At)
		optionalName(errs, p+".kind", e.Kind, MaxShortText)
		requiredMarkdown(errs, p+".text", e.Text, MaxMarkdown)
	}

	optionalMarkdown(errs, "lessons.went_well", inc.Lessons.WentWell, MaxMarkdown)
	optionalMarkdown(errs, "lessons.went_wrong", inc.Lessons.WentWrong, MaxMarkdown)
	optionalMarkdown(errs, "lessons.got_lucky", inc.Lessons.GotLucky, MaxMarkdown)
	shortList(errs, "tags", inc.Tags)

	listLength(errs, "links", len(inc.Links))
	for i, l := range inc.Links {
		p := fmt.Sprintf("links[%d]", i)
		optionalName(errs, p+".title", l.Title, MaxShortText)
		if !IsWebURL(l.URL) {
			errs.Add(p+".url", "must be an absolute http or https URL")
		}
	}
}

func validateTimestamps(errs *FieldErrors, inc *Incident) {
	ordered := []struct {
		name string
		at   *time.Time
	}{
		{"started_at", inc.StartedAt},
		{"detected_at", inc.DetectedAt},
		{"mitigated_at", inc.MitigatedAt},
		{"resolved_at", inc.ResolvedAt},
	}
	// Each known timestamp must not precede any earlier known one.
	for i, later := range ordered {
		if later.at == nil {
			continue
		}
		checkYear(errs, later.name, *later.at)
		for _, earlier := range ordered[:i] {
			if earlier.at != nil && later.at.Before(*earlier.at) {
				errs.Add(later.name, "must not be before "+earlier.name)
			}
		}
	}
}

// checkYear refuses a time whose UTC year has not four digits: RFC 3339,
// and so JSON and the markdown export, cannot write it, and an incident
// holding one would be stored but could never be read back.
func checkYear(errs *FieldErrors, field string, t time.Time) {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		errs.Add(field, "must be between the years 0000 and 9999 in UTC")
	}
}

// addressable reports whether ref names a part of this incident.
func (inc *Incident) addressable(ref string) bool {
	m := addressesPattern.FindStringSubmatch(ref)
	if m == nil {
		return false
	}
	var n int
	switch m[2] {
	case "":
		return true // primary_cause
	case "contributing_factors":
		fmt.Sscan(m[3], &n)
		return n < len(inc.ContributingFactors)
	default:
		fmt.Sscan(m[3], &n)
		return n < len(inc.DetectionGaps)
	}
}

func findings(errs *FieldErrors, v Vocabulary, kind VocabularyKind, name string, list []Finding) {
	listLength(errs, name, len(list))
	for i, f := range list {
		p := fmt.Sprintf("%s[%d]", name, i)
		category(errs, v, kind, p+".category", f.Category)
		optionalMarkdown(errs, p+".description", f.Description, MaxMarkdown)
	}
}

func category(errs *FieldErrors, v Vocabulary, kind VocabularyKind, field, slug string) {
	if !v.Has(kind, slug) {
		problem := "unknown category " + quote(slug)
		if slug == "" {
			problem = "is required"
		}
		errs.AddNotOneOf(field, problem, listName(kind), v.Slugs(kind))
	}
}

// listName names a vocabulary in the messages that point to its list.
func listName(kind VocabularyKind) string {
	if kind == GapVocabulary {
		return "gap categories"
	}
	return "cause categories"
}

// enum records a value outside an enumeration; an empty value is a
// missing one. Enumerations are short, so each message lists them.
func enum[T ~string](errs *FieldErrors, field string, value T, allowed []T) {
	switch {
	case value == "":
		errs.Add(field, "is required; "+MustBeOneOf(allowed))
	case !slices.Contains(allowed, value):
		errs.Add(field, MustBeOneOf(allowed))
	}
}

// MustBeOneOf is the message for a value outside an enumeration, such as
// "must be one of SEV1, SEV2, SEV3, SEV4".
func MustBeOneOf[T ~string](allowed []T) string { return oneOf(enumStrings(allowed)) }

func enumStrings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func shortList(errs *FieldErrors, field string, list []string) {
	listLength(errs, field, len(list))
	for i, s := range list {
		requiredName(errs, fmt.Sprintf("%s[%d]", field, i), s, MaxShortText)
	}
}

func listLength(errs *FieldErrors, field string, n int) {
	if n > MaxListItems {
		errs.Add(field, fmt.Sprintf("must have at most %d entries", MaxListItems))
	}
}

func tooLong(max int) string { return fmt.Sprintf("must be at most %d characters", max) }

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func isDate(s string) bool {
	if !datePattern.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// IsWebURL reports whether s is an absolute http or https URL of at most
// MaxURL bytes.
func IsWebURL(s string) bool {
	if len(s) > MaxURL {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func canonicalTime(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	c := t.UTC().Truncate(time.Second)
	return &c
}

// CanonicalOutageTypes removes duplicates and orders the set as OutageTypes
// lists it, so equal sets compare and print equal. Unknown values are kept
// (after the known ones) for Validate to report.
func CanonicalOutageTypes(in []OutageType) []OutageType {
	out := []OutageType{}
	for _, known := range OutageTypes {
		if slices.Contains(in, known) {
			out = append(out, known)
		}
	}
	for _, t := range in {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func uniqueTrimmed(in []string) []string {
	out := []string{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Normalize trims the comment's author.
func (c *Comment) Normalize() { c.Author = strings.TrimSpace(c.Author) }

// Validate checks a comment before it is stored.
func (c *Comment) Validate() error {
	var errs FieldErrors
	requiredName(&errs, "author", c.Author, MaxShortText)
	requiredMarkdown(&errs, "body", c.Body, MaxMarkdown)
	return errs.Err()
}
