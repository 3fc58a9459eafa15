package postmortem

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// MaxFileSize is the largest post-mortem file Parse reads. It matches the
// HTTP body cap; the largest file of the icco/postmortems collection is
// under 5 KiB.
const MaxFileSize = 1 << 20

// Parse reads a post-mortem file in Aftermath's own format (see the package
// documentation) or in the icco/postmortems format, tells them apart by the
// front-matter keys, and returns the incident normalized
// (incident.Normalize), ready for Validate.
//
// Errors are *incident.Error values: ETOOLARGE beyond MaxFileSize,
// EMALFORMED for anything that cannot be read, with a message that says
// where ("front matter: line 3: ..."). Parse does not validate; an incident
// with out-of-order timestamps or unknown categories is returned for
// Validate to report field by field.
func Parse(data []byte) (*incident.Incident, error) {
	if len(data) > MaxFileSize {
		return nil, incident.Errorf(incident.ETOOLARGE, "the file is larger than %d bytes", MaxFileSize)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // byte order mark some editors add
	if !utf8.Valid(data) {
		return nil, malformed("the file is not UTF-8 text")
	}
	frontMatter, body, err := splitFrontMatter(string(data))
	if err != nil {
		return nil, err
	}
	root, err := loadYAML(frontMatter)
	if err != nil {
		return nil, frontMatterError(err)
	}
	var inc *incident.Incident
	if isICCO(root) {
		inc, err = parseICCO(root, body)
	} else {
		inc, err = parseOwn(root, body)
	}
	if err != nil {
		return nil, frontMatterError(err)
	}
	inc.Normalize()
	return inc, nil
}

// splitFrontMatter returns the front matter, opening "---" line included (so
// YAML line numbers are file line numbers), and the body after the closing
// "---" line.
func splitFrontMatter(data string) (frontMatter, body string, err error) {
	first, rest, _ := strings.Cut(data, "\n")
	if !isDelimiter(first) {
		return "", "", malformed(`no front matter: a post-mortem file starts with a line "---", then YAML, then another "---" line`)
	}
	offset := len(first) + 1
	for rest != "" {
		line, next, _ := strings.Cut(rest, "\n")
		if isDelimiter(line) {
			return data[:offset], next, nil
		}
		offset += len(line) + 1
		rest = next
	}
	return "", "", malformed(`front matter: no closing "---" line`)
}

// isDelimiter accepts "---" with trailing blanks or a CRLF line ending, as
// editors leave them.
func isDelimiter(line string) bool {
	return strings.TrimRight(line, " \t\r") == frontMatterDelimiter
}

// loadYAML parses the front matter into a node tree without decoding it, so
// it can be checked before any value is built.
func loadYAML(text string) (root *yaml.Node, err error) {
	// The YAML library has panicked on malformed input in the past; a file
	// that trips it is malformed, not a reason to take the server down.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot be read as YAML")
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(text))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) { // nothing between the delimiters
			return &yaml.Node{Kind: yaml.MappingNode}, nil
		}
		return nil, err
	}
	// "..." ends a YAML document; refuse text hidden after it.
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("holds more than one YAML document")
	}
	if err := checkNodes(&doc); err != nil {
		return nil, err
	}
	root = &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	switch {
	case root.Kind == yaml.MappingNode:
		return root, nil
	case root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null":
		return &yaml.Node{Kind: yaml.MappingNode}, nil
	default:
		return nil, lineErrorf(root, "the front matter must be a mapping of keys to values")
	}
}

// checkNodes refuses what a post-mortem never needs and what would make
// reading costly or ambiguous: aliases (the "billion laughs" expansion
// attack; a file of under a megabyte could otherwise expand to gigabytes),
// merge keys, and binary values (a post-mortem is text).
func checkNodes(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.AliasNode:
		return lineErrorf(n, "YAML aliases (*name) are not supported")
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!binary":
		return lineErrorf(n, "binary values are not supported")
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!merge":
		return lineErrorf(n, "YAML merge keys (<<) are not supported")
	}
	for _, child := range n.Content {
		if err := checkNodes(child); err != nil {
			return err
		}
	}
	return nil
}

// keys returns the mapping's keys in order, refusing non-text and repeated
// ones.
func keys(mapping *yaml.Node) ([]string, error) {
	var names []string
	seen := map[string]bool{}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		name, err := mappingKey(mapping.Content[i])
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, lineErrorf(mapping.Content[i], "key %q appears twice", name)
		}
		seen[name] = true
		names = append(names, name)
	}
	return names, nil
}

// parseOwn reads Aftermath's own format: the document's fields from the
// front matter, every other key into Extra, the description from the body.
func parseOwn(root *yaml.Node, body string) (*incident.Incident, error) {
	names, err := keys(root)
	if err != nil {
		return nil, err
	}
	known := &yaml.Node{Kind: yaml.MappingNode}
	extra := map[string]any{}
	for i, name := range names {
		key, value := root.Content[2*i], root.Content[2*i+1]
		switch {
		case name == "description":
			return nil, lineErrorf(key, "the description goes in the body, below the front matter")
		case name == "service_key":
			// Derived from service; accepted (the API's JSON has it) and ignored.
		case slices.Contains(reservedKeys, name):
			if err := checkShape(value, fieldType(name), name); err != nil {
				return nil, err
			}
			known.Content = append(known.Content, key, value)
		default:
			if extra[name], err = extraValue(value, 0); err != nil {
				return nil, err
			}
		}
	}
	var doc document
	if err := known.Decode(&doc); err != nil {
		return nil, err
	}
	inc := doc.incident()
	inc.Description = description(body)
	if len(extra) > 0 {
		inc.Extra = extra
	}
	return inc, nil
}

// description returns the free description: what follows the
// DescriptionMarker line, less the blank line and the final newline that
// Body puts around it. A body without the marker is all description.
func description(body string) string {
	rest := body
	for rest != "" {
		line, next, _ := strings.Cut(rest, "\n")
		if isMarkerLine(line) {
			if next == "" {
				return ""
			}
			next, ok := strings.CutPrefix(next, "\n")
			if !ok {
				next = strings.TrimPrefix(next, "\r\n")
			}
			return strings.TrimSuffix(next, "\n")
		}
		rest = next
	}
	return trimBlankLines(body)
}

func isMarkerLine(line string) bool {
	return strings.TrimRight(line, " \t\r") == DescriptionMarker
}

// trimBlankLines drops blank lines before the text and all trailing white
// space, keeping the first line's indentation (it may be a code block).
func trimBlankLines(text string) string {
	text = strings.TrimRight(text, " \t\r\n")
	for {
		line, rest, found := strings.Cut(text, "\n")
		if !found || strings.TrimSpace(line) != "" {
			return text
		}
		text = rest
	}
}

// fieldType returns the Go type of the document field written as name.
func fieldType(name string) reflect.Type {
	return yamlFieldsOf(reflect.TypeFor[document]()).types[name]
}

// checkShape checks a front-matter value against the Go type it is about
// to be decoded into, and names the field (as Validate does:
// "timeline[0].at") with what it should be. The YAML library would report
// a mismatch in its own terms ("cannot unmarshal !!float into int64"), and
// silently drop keys that the nested parts of a field do not have
// ("impact: {descripton: ...}"), losing what was written. Only the top
// level of the front matter may hold keys of its own (they go to Extra).
//
// An id or a version, when given, must be an id the store can hold and
// hand out after (incident.ValidID).
func checkShape(n *yaml.Node, t reflect.Type, path string) error {
	if t == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		return nil
	}
	switch {
	case t == reflect.TypeFor[timestamp]() || t == reflect.TypeFor[time.Time]():
		if n.Kind != yaml.ScalarNode {
			return lineErrorf(n, "%s: must be an RFC 3339 time such as 2025-03-14T15:02:00Z", path)
		}
		var ts timestamp
		if err := ts.UnmarshalYAML(n); err != nil {
			return lineErrorf(n, "%s: %s", path, err.(*lineError).message)
		}
	case t.Kind() == reflect.Pointer:
		return checkShape(n, t.Elem(), path)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return lineErrorf(n, "%s: must be a list", path)
		}
		for i, item := range n.Content {
			if err := checkShape(item, t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return lineErrorf(n, "%s: must be a mapping of %s", cmp.Or(path, "the document"), strings.Join(yamlFieldNames(t), ", "))
		}
		fields := yamlFieldsOf(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			name, err := mappingKey(n.Content[i])
			if err != nil {
				return err
			}
			field, known := fields.index[name]
			if !known {
				return lineErrorf(n.Content[i], "%s: unknown key %q; expected one of %s", cmp.Or(path, "the document"), name, strings.Join(fields.names, ", "))
			}
			child := name
			if path != "" {
				child = path + "." + name
			}
			if err := checkShape(n.Content[i+1], t.Field(field).Type, child); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			return lineErrorf(n, "%s: must be text, not a list or a mapping", path)
		}
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		var v int64
		whole := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" && n.Decode(&v) == nil
		switch {
		case path == "id" || path == "version":
			if !whole || !incident.ValidID(v) {
				return lineErrorf(n, "%s: %s", path, incident.IDRule)
			}
		case !whole:
			return lineErrorf(n, "%s: must be a whole number", path)
		}
	}
	return nil
}
