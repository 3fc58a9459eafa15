package incident

import (
	"regexp"
	"slices"
	"strings"
)

// VocabularyKind names one category vocabulary.
type VocabularyKind string

// The vocabularies. Causes and contributing factors share one.
const (
	CauseVocabulary VocabularyKind = "cause"
	GapVocabulary   VocabularyKind = "gap"
)

// Category is one entry of a vocabulary.
type Category struct {
	Kind        VocabularyKind `json:"kind"`
	Slug        string         `json:"slug"`
	Description string         `json:"description,omitempty"`
}

// DefaultCauseCategories are seeded into every new database.
var DefaultCauseCategories = []string{
	"config-change", "deployment", "software-bug", "capacity", "resource-exhaustion",
	"dependency", "database", "network", "hardware", "security", "time",
	"automation", "process", "unknown",
}

// DefaultGapCategories are seeded into every new database.
var DefaultGapCategories = []string{
	"alert-threshold", "alert-window", "missing-monitoring", "missing-test",
	"staging-parity", "noisy-alerts", "runbook", "unknown",
}

// Vocabulary is the set of category slugs an incident may use. An admin can
// extend it; the store loads it for validation.
type Vocabulary struct {
	Causes []string // sorted
	Gaps   []string // sorted
}

// DefaultVocabulary is the seeded vocabulary.
func DefaultVocabulary() Vocabulary {
	v := Vocabulary{Causes: slices.Clone(DefaultCauseCategories), Gaps: slices.Clone(DefaultGapCategories)}
	slices.Sort(v.Causes)
	slices.Sort(v.Gaps)
	return v
}

// Slugs returns the sorted slugs of one vocabulary.
func (v Vocabulary) Slugs(kind VocabularyKind) []string {
	if kind == GapVocabulary {
		return v.Gaps
	}
	return v.Causes
}

// Has reports whether slug is in the kind's vocabulary.
func (v Vocabulary) Has(kind VocabularyKind, slug string) bool {
	_, found := slices.BinarySearch(v.Slugs(kind), slug)
	return found
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidateCategory checks a new vocabulary entry.
func ValidateCategory(c Category) error {
	errs := FieldErrors{}
	if c.Kind != CauseVocabulary && c.Kind != GapVocabulary {
		errs.Add("kind", "must be one of cause, gap")
	}
	if !slugPattern.MatchString(c.Slug) || len(c.Slug) > 64 {
		errs.Add("slug", "must be lowercase-with-dashes, at most 64 characters")
	}
	if len(c.Description) > MaxShortText {
		errs.Add("description", tooLong(MaxShortText))
	}
	return errs.Err()
}

func oneOf(slugs []string) string {
	return "must be one of " + strings.Join(slugs, ", ")
}
