package incident

import (
	"fmt"
	"strings"
	"unicode"
)

// Service is something that fails. Its Key is derived from its name, so
// "Travis CI", "TravisCI" and "travis-ci" are one service; the first
// spelling seen is kept as Name.
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

// ServiceKey derives a service's identity from its name: its letters and
// digits, lowercased. Letters outside ASCII count, so names in any script
// have a key.
func ServiceKey(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
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
	errs := FieldErrors{}
	if c.Name != nil {
		requiredText(errs, "name", *c.Name, MaxShortText)
		if ServiceKey(*c.Name) != key {
			errs.Add("name", "must keep the service's key "+quote(key)+" (only spelling and case may change)")
		}
	}
	for field, list := range map[string]*[]string{"depends_on": c.DependsOn, "dependents": c.Dependents} {
		if list == nil {
			continue
		}
		shortList(errs, field, *list)
		for i, name := range *list {
			switch ServiceKey(name) {
			case "":
				errs.Add(fmt.Sprintf("%s[%d]", field, i), "must name a service")
			case key:
				errs.Add(fmt.Sprintf("%s[%d]", field, i), "a service cannot depend on itself")
			}
		}
	}
	if c.Industries != nil {
		shortList(errs, "industries", *c.Industries)
	}
	return errs.Err()
}
