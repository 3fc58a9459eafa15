package postmortem

import (
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// iccoDocument is the front matter of the public icco/postmortems
// collection, less the keys Aftermath does not model (keywords,
// source_published_at, source_fetched_at and anything unknown), which go to
// Extra and are written back on export.
type iccoDocument struct {
	UUID       string    `yaml:"uuid"`
	URL        string    `yaml:"url"`
	ArchiveURL string    `yaml:"archive_url"`
	Title      string    `yaml:"title"`
	StartTime  timestamp `yaml:"start_time"`
	EndTime    timestamp `yaml:"end_time"`
	Categories []string  `yaml:"categories"`
	Company    string    `yaml:"company"`
	Product    string    `yaml:"product"`
	Summary    string    `yaml:"summary"`
}

// iccoKeys are the keys that mark an icco file: its mapped keys and the ones
// it is known to carry besides.
var iccoKeys = append(yamlFieldNames(reflect.TypeFor[iccoDocument]()),
	"keywords", "source_published_at", "source_fetched_at")

// isICCO tells the two formats apart. Both have title and summary; any
// other key of ours means our format (an icco file that went through
// Aftermath keeps icco's extra keys next to ours), and otherwise any icco
// key means icco. A file with neither, say only a title, is read as ours.
func isICCO(root *yaml.Node) bool {
	names := make([]string, 0, len(root.Content)/2)
	for i := 0; i < len(root.Content); i += 2 {
		names = append(names, root.Content[i].Value)
	}
	return iccoKeyNames(names)
}

// iccoKeyNames is isICCO over the top-level key names.
func iccoKeyNames(names []string) bool {
	icco := false
	for _, name := range names {
		switch {
		case name == "title" || name == "summary":
		case slices.Contains(reservedKeys, name):
			return false
		case slices.Contains(iccoKeys, name):
			icco = true
		}
	}
	return icco
}

// cascadingCategory is the icco category that also marks an incident's
// outage type as cascading.
const cascadingCategory = "cascading-failure"

// parseICCO maps an icco file onto an incident, as PRODUCT.md's Import
// table says. The history it holds is finished, so the incident is resolved
// and its post-mortem published; how it was detected, the collection does
// not say.
func parseICCO(root *yaml.Node, body string) (*incident.Incident, error) {
	names, err := keys(root)
	if err != nil {
		return nil, err
	}
	mapped := yamlFieldNames(reflect.TypeFor[iccoDocument]())
	known := &yaml.Node{Kind: yaml.MappingNode}
	extra := map[string]any{}
	for i, name := range names {
		key, value := root.Content[2*i], root.Content[2*i+1]
		if slices.Contains(mapped, name) {
			if err := checkShape(value, iccoFieldType(name), name); err != nil {
				return nil, err
			}
			known.Content = append(known.Content, key, value)
			continue
		}
		if extra[name], err = extraValue(value, 0); err != nil {
			return nil, err
		}
	}
	var doc iccoDocument
	if err := known.Decode(&doc); err != nil {
		return nil, err
	}

	inc := &incident.Incident{
		ExternalID:       doc.UUID,
		Title:            iccoTitle(&doc),
		Service:          doc.Company,
		Component:        doc.Product,
		Status:           incident.StatusResolved,
		PostmortemStatus: incident.PostmortemPublished,
		DetectionMethod:  incident.DetectedByUnknown, // the collection does not say
		StartedAt:        doc.StartTime.at,
		ResolvedAt:       doc.EndTime.at,
		Summary:          doc.Summary,
		Description:      trimBlankLines(body),
		Tags:             doc.Categories,
	}
	for _, category := range doc.Categories {
		if strings.EqualFold(strings.TrimSpace(category), cascadingCategory) {
			inc.OutageTypes = []incident.OutageType{incident.OutageCascading}
		}
	}
	if doc.URL != "" {
		inc.Links = append(inc.Links, incident.Link{Title: "Source", URL: doc.URL})
	}
	if doc.ArchiveURL != "" {
		inc.Links = append(inc.Links, incident.Link{Title: "Archive", URL: doc.ArchiveURL})
	}
	if len(extra) > 0 {
		inc.Extra = extra
	}
	return inc, nil
}

// iccoFieldType returns the Go type of the icco field written as name.
func iccoFieldType(name string) reflect.Type {
	return yamlFieldsOf(reflect.TypeFor[iccoDocument]()).types[name]
}

// iccoTitle is the file's title; without one, its summary shortened to a
// title; without that, the company and the date, e.g.
// "PagerDuty incident (2021-12-15)".
func iccoTitle(doc *iccoDocument) string {
	if title := strings.TrimSpace(doc.Title); title != "" {
		return shorten(title, incident.MaxTitle)
	}
	if summary := strings.Join(strings.Fields(doc.Summary), " "); summary != "" {
		return shorten(summary, incident.MaxTitle)
	}
	date := "date unknown"
	for _, t := range []*time.Time{doc.StartTime.at, doc.EndTime.at} {
		if t != nil {
			date = t.UTC().Format(time.DateOnly)
			break
		}
	}
	if company := strings.TrimSpace(doc.Company); company != "" {
		return shorten(company+" incident ("+date+")", incident.MaxTitle)
	}
	return "Incident (" + date + ")"
}

// shorten cuts text to at most max runes, at a word boundary when there is
// one in the second half, and marks the cut with "…".
func shorten(text string, max int) string {
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	runes := []rune(text)
	cut := max - 1 // room for the ellipsis
	for i := cut; i > max/2; i-- {
		if unicode.IsSpace(runes[i]) {
			cut = i
			break
		}
	}
	kept := strings.TrimRight(string(runes[:cut]), " ,;:.-–—")
	return kept + "…"
}
