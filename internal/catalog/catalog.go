// Package catalog reads and writes service catalogues: Backstage
// descriptor files (catalog-info.yaml) as teams keep them in their
// repositories, and our own catalogue file, which an export writes beside
// the post-mortems and which also carries the failure modes and the
// industries that depend on each service. Both read into an
// incident.Catalog, which the store imports (`aftermath catalog import`,
// POST /api/v1/catalog, and an archive's catalog.yaml alike).
package catalog

import (
	"bytes"
	"regexp"
	"slices"
	"strings"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// MaxFileSize is the largest catalogue file read. Backstage files of a
// whole organisation run to hundreds of entities; a few MiB holds
// thousands.
const MaxFileSize = 8 << 20

// ownFormat spots our catalogue file by its first key.
var ownFormat = regexp.MustCompile(`(?m)\A(\x{FEFF})?(#[^\n]*\n|\s*\n)*format:\s*["']?aftermath-catalog/`)

// Parse reads a catalogue file: ours (it starts with a format line naming
// aftermath-catalog) or a Backstage descriptor file. Errors are
// *incident.Error values that say where the file is wrong.
func Parse(data []byte) (*incident.Catalog, error) {
	if len(data) > MaxFileSize {
		return nil, incident.Errorf(incident.ETOOLARGE, "the file is larger than %d bytes", MaxFileSize)
	}
	if ownFormat.Match(data) {
		return parseOwn(data)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, incident.Errorf(incident.EMALFORMED, "the file is empty")
	}
	return parseBackstage(data)
}

// Merge lays several catalogues into one, in order: what two files say
// about one service is merged as an import would merge it into the
// database (texts replaced, lists and annotations added), and a failure
// mode given twice is taken from the later file.
func Merge(cats ...*incident.Catalog) *incident.Catalog {
	out := &incident.Catalog{}
	index := map[string]int{}
	for _, c := range cats {
		out.Notes = append(out.Notes, c.Notes...)
		for _, s := range c.Services {
			key := incident.ServiceKey(s.Name)
			i, ok := index[key]
			if !ok {
				index[key] = len(out.Services)
				out.Services = append(out.Services, s)
				continue
			}
			merged := &out.Services[i]
			if merged.Kind == "" && s.Kind != "" {
				// Named before as another's dependency; its own entity spells it.
				merged.Name = s.Name
			}
			merged.ServiceInfo = merged.ServiceInfo.Merge(s.ServiceInfo)
			merged.DependsOn = union(merged.DependsOn, s.DependsOn, incident.ServiceKey)
			merged.Industries = union(merged.Industries, s.Industries, strings.TrimSpace)
			if merged.CreatedAt.IsZero() || !s.CreatedAt.IsZero() && s.CreatedAt.Before(merged.CreatedAt) {
				merged.CreatedAt = s.CreatedAt
			}
			if s.UpdatedAt.After(merged.UpdatedAt) {
				merged.UpdatedAt = s.UpdatedAt
			}
			for _, m := range s.FailureModes {
				if k := slices.IndexFunc(merged.FailureModes, func(have incident.FailureMode) bool { return have.Slug == m.Slug }); k >= 0 {
					merged.FailureModes[k] = m
				} else {
					merged.FailureModes = append(merged.FailureModes, m)
				}
			}
		}
	}
	return out
}

// union adds the names of b missing from a, comparing them by same.
func union(a, b []string, same func(string) string) []string {
	out := slices.Clone(a)
	for _, name := range b {
		if !slices.ContainsFunc(out, func(have string) bool { return same(have) == same(name) }) {
			out = append(out, name)
		}
	}
	return out
}
