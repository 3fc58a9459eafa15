package incident

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
)

// Service is something that fails. Its Key is derived from its name, so
// "Travis CI", "TravisCI", "travis-ci" and "ｔｒａｖｉｓ ｃｉ" are one service;
// the first spelling seen is kept as Name.
type Service struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	ServiceInfo
	// DependsOn holds the keys of the services this one needs directly.
	DependsOn []string `json:"depends_on"`
	// Dependents holds the keys of the services that need this one directly.
	Dependents []string `json:"dependents"`
	// Industries are the industries or business functions that depend on it.
	Industries []string `json:"industries"`
}

// ServiceInfo is what a service catalogue (Backstage, or our own export)
// says about a service besides its relations. Every field may be empty: a
// service first named by an incident knows nothing of itself yet.
type ServiceInfo struct {
	Description string `json:"description"`
	// Kind is the catalogue entity it came from: "component" or
	// "resource"; Type is that entity's type ("service", "website",
	// "database", ...).
	Kind      string `json:"kind"`
	Type      string `json:"type"`
	Owner     string `json:"owner"`     // a team or person, as the catalogue names it
	Lifecycle string `json:"lifecycle"` // "production", "experimental", "deprecated", ...
	// System is the name of the system (a group of services that serve one
	// purpose) that the service belongs to.
	System      string       `json:"system"`
	Tags        []string     `json:"tags"`
	Annotations []Annotation `json:"annotations"`
}

// Annotation is one of a catalogue entity's annotations (a key such as
// "github.com/project-slug" and its value); a service keeps them sorted by
// key, one value per key.
type Annotation struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ServiceKinds are the catalogue kinds a service may come from.
var ServiceKinds = []string{"component", "resource"}

// Bounds on what a catalogue entry holds.
const (
	MaxAnnotations     = 100
	MaxAnnotationValue = 4096
)

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
	Name        *string       `json:"name"`
	Description *string       `json:"description"`
	Kind        *string       `json:"kind"`
	Type        *string       `json:"type"`
	Owner       *string       `json:"owner"`
	Lifecycle   *string       `json:"lifecycle"`
	System      *string       `json:"system"`
	Tags        *[]string     `json:"tags"`
	Annotations *[]Annotation `json:"annotations"`
	DependsOn   *[]string     `json:"depends_on"`
	Dependents  *[]string     `json:"dependents"`
	Industries  *[]string     `json:"industries"`
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
	var info ServiceInfo
	c.Apply(&info)
	info.validate(&errs, "")
	return errs.Err()
}

// Apply writes the change's catalogue fields onto info; a nil field is
// left as it is. Names are trimmed, tags and annotations put in their
// canonical form (see ServiceInfo.Normalize).
func (c *ServiceChange) Apply(info *ServiceInfo) {
	for _, f := range []struct {
		dst *string
		src *string
	}{{&info.Description, c.Description}, {&info.Kind, c.Kind}, {&info.Type, c.Type}, {&info.Owner, c.Owner},
		{&info.Lifecycle, c.Lifecycle}, {&info.System, c.System}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if c.Tags != nil {
		info.Tags = slices.Clone(*c.Tags)
	}
	if c.Annotations != nil {
		info.Annotations = slices.Clone(*c.Annotations)
	}
	info.Normalize()
}

// Normalize trims the names, drops repeated and empty tags, and sorts the
// annotations by key, keeping the last value given for a key (as a YAML
// mapping would).
func (info *ServiceInfo) Normalize() {
	for _, s := range []*string{&info.Kind, &info.Type, &info.Owner, &info.Lifecycle, &info.System} {
		*s = strings.TrimSpace(*s)
	}
	info.Kind = strings.ToLower(info.Kind)
	var tags []string
	for _, t := range info.Tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	info.Tags = nonNil(tags)
	byKey := map[string]string{}
	for _, a := range info.Annotations {
		byKey[strings.TrimSpace(a.Key)] = a.Value
	}
	info.Annotations = make([]Annotation, 0, len(byKey))
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		info.Annotations = append(info.Annotations, Annotation{Key: k, Value: byKey[k]})
	}
}

// Merge is what catalogue fields become when other's are laid over them,
// as a catalogue import does: each text other gives replaces this one's,
// tags are added, annotations set key by key. Nothing is removed, since a
// catalogue may know less than the database.
func (info ServiceInfo) Merge(other ServiceInfo) ServiceInfo {
	out := info
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&out.Description, other.Description}, {&out.Kind, other.Kind}, {&out.Type, other.Type},
		{&out.Owner, other.Owner}, {&out.Lifecycle, other.Lifecycle}, {&out.System, other.System},
	} {
		if f.src != "" {
			*f.dst = f.src
		}
	}
	out.Tags = append(slices.Clone(info.Tags), other.Tags...)
	out.Annotations = append(slices.Clone(info.Annotations), other.Annotations...)
	out.Normalize()
	return out
}

// Validate checks the catalogue fields of a service.
func (info *ServiceInfo) Validate() error {
	var errs FieldErrors
	info.validate(&errs, "")
	return errs.Err()
}

func (info *ServiceInfo) validate(errs *FieldErrors, prefix string) {
	optionalMarkdown(errs, prefix+"description", info.Description, MaxMarkdown)
	if info.Kind != "" && !slices.Contains(ServiceKinds, info.Kind) {
		errs.Add(prefix+"kind", oneOf(ServiceKinds)+", or empty")
	}
	optionalName(errs, prefix+"type", info.Type, MaxShortText)
	optionalName(errs, prefix+"owner", info.Owner, MaxShortText)
	optionalName(errs, prefix+"lifecycle", info.Lifecycle, MaxShortText)
	optionalName(errs, prefix+"system", info.System, MaxShortText)
	shortList(errs, prefix+"tags", info.Tags)
	if len(info.Annotations) > MaxAnnotations {
		errs.Add(prefix+"annotations", fmt.Sprintf("must have at most %d entries", MaxAnnotations))
	}
	for i, a := range info.Annotations {
		p := fmt.Sprintf("%sannotations[%d]", prefix, i)
		requiredName(errs, p+".key", a.Key, MaxShortText)
		optionalMarkdown(errs, p+".value", a.Value, MaxAnnotationValue)
	}
}
