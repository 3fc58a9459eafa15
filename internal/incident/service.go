package incident

import (
	"strings"
	"unicode"
)

// Service is something that fails. Its Key is derived from its name, so
// "Travis CI", "TravisCI" and "travis-ci" are one service; the first
// spelling seen is kept as Name.
type Service struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// DependsOn holds the keys of the services this one needs.
	DependsOn []string `json:"depends_on"`
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
