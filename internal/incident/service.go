package incident

import (
	"fmt"
	"strings"
	"unicode"
)

// Service is something that fails. Its Key is derived from its name, so
// "Travis CI", "TravisCI", "travis-ci" and "ｔｒａｖｉｓ ｃｉ" are one service;
// the first spelling seen is kept as Name.
type Service struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// DependsOn holds the keys of the services this one needs directly.
	DependsOn []string `json:"depends_on"`
	// Dependents holds the keys of the services that need this one directly.
	Dependents []string `json:"dependents"`
	// Industries are the industries or business functions that depend on it.
	Industries []string `json:"industries"`
}

// ServiceSummary is a service with how many incidents it had.
type ServiceSummary struct {
	Service
	Incidents int64 `json:"incidents"`
}

// ServiceKey derives a service's identity from its name: the letters and
// digits of its folded form (see Fold), so that case, accents, full-width
// forms and punctuation never make two services of one. Letters outside
// ASCII count, so names in any script have a key. A key is its own key.
//
// It is the one definition of a service's identity: the store, the
// filters, the reports and the migration that re-keys old databases all
// call it.
func ServiceKey(name string) string {
	var b strings.Builder
	for _, r := range Fold(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ServiceChange edits a service's relations; a nil list is left as it is.
// Entries are service names or keys; unknown services are created.
type ServiceChange struct {
	Name       *string   `json:"name"`
	DependsOn  *[]string `json:"depends_on"`
	Dependents *[]string `json:"dependents"`
	Industries *[]string `json:"industries"`
}

// Validate checks a change to service key.
func (c *ServiceChange) Validate(key string) error {
	var errs FieldErrors
	if c.Name != nil {
		requiredName(&errs, "name", *c.Name, MaxShortText)
		if ServiceKey(*c.Name) != key {
			errs.Add("name", "must keep the service's key "+quote(key)+" (only spelling and case may change)")
		}
	}
	for _, rel := range []struct {
		field string
		list  *[]string
	}{{"depends_on", c.DependsOn}, {"dependents", c.Dependents}} {
		if rel.list == nil {
			continue
		}
		shortList(&errs, rel.field, *rel.list)
		for i, name := range *rel.list {
			switch ServiceKey(name) {
			case "":
				errs.Add(fmt.Sprintf("%s[%d]", rel.field, i), "must name a service")
			case key:
				errs.Add(fmt.Sprintf("%s[%d]", rel.field, i), "a service cannot depend on itself")
			}
		}
	}
	if c.Industries != nil {
		shortList(&errs, "industries", *c.Industries)
	}
	return errs.Err()
}
