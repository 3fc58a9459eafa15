package incident

import (
	"fmt"
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

// Bounds on a vocabulary. Every message about an unknown category lists
// the allowed ones, and every form offers them; a few dozen is what a team
// uses, a hundred per kind leaves room and keeps those lists readable.
const (
	MaxCategoriesPerKind = 100
	MaxSlug              = 64
)

// ValidateCategory checks a new vocabulary entry; existing is how many
// categories its kind holds already.
func ValidateCategory(c Category, existing int) error {
	var errs FieldErrors
	if c.Kind != CauseVocabulary && c.Kind != GapVocabulary {
		errs.Add("kind", "must be one of cause, gap")
	}
	if !slugPattern.MatchString(c.Slug) || len(c.Slug) > MaxSlug {
		errs.Add("slug", fmt.Sprintf("must be lowercase-with-dashes, at most %d characters", MaxSlug))
	}
	optionalName(&errs, "description", c.Description, MaxShortText)
	if errs.Empty() && existing >= MaxCategoriesPerKind {
		errs.Add("kind", fmt.Sprintf("the %s vocabulary holds %d categories, the most it may", c.Kind, MaxCategoriesPerKind))
	}
	return errs.Err()
}

func oneOf(slugs []string) string {
	return "must be one of " + strings.Join(slugs, ", ")
}
