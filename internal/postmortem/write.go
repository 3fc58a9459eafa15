package postmortem

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Marshal writes inc as a post-mortem file: front matter, generated
// sections, free description. The same incident always gives the same
// bytes. Marshal writes the incident as given; call inc.Normalize first for
// the canonical form (UTC timestamps, sorted outage types, trimmed names).
//
// It fails, with an EINVALID *incident.Error, only for what a UTF-8 text
// file cannot hold: text that is not UTF-8, a year outside 0000–9999, or an
// Extra that ValidateExtra refuses.
func Marshal(inc *incident.Incident) ([]byte, error) {
	front, err := frontMatter(inc)
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(inc.Description) {
		return nil, unwritable("description", "must be valid UTF-8")
	}
	var out bytes.Buffer
	out.WriteString(frontMatterDelimiter + "\n")
	out.Write(front)
	out.WriteString(frontMatterDelimiter + "\n")
	out.WriteString(Body(inc))
	return out.Bytes(), nil
}

// Write writes inc to w as Marshal does. Nothing is written when the
// incident cannot be marshalled.
func Write(w io.Writer, inc *incident.Incident) error {
	data, err := Marshal(inc)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// frontMatterDelimiter opens and closes the front matter, each on its own
// line.
const frontMatterDelimiter = "---"

// frontMatter returns the YAML between the delimiters: the document's fields
// in their fixed order, then Extra's keys in byte order.
//
// The node tree is built here rather than by the YAML library's struct
// encoder, which picks styles it cannot always read back (a line holding
// only a tab, in a literal block); every string goes through setStringStyle.
func frontMatter(inc *incident.Incident) ([]byte, error) {
	root, err := documentNode(reflect.ValueOf(newDocument(inc)).Elem(), "")
	if err != nil {
		return nil, err
	}
	extra, err := extraNodes(inc.Extra)
	if err != nil {
		return nil, err
	}
	root.Content = append(root.Content, extra...)

	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	// "key:\n- item" rather than "key:\n  - item": the style of the icco
	// collection and of most hand-written front matter.
	enc.CompactSeqIndent()
	if err := enc.Encode(root); err != nil {
		return nil, incident.Errorf(incident.EINVALID, "The incident cannot be written: %s.",
			yamlMessagePrefix.ReplaceAllString(err.Error(), ""))
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// documentNode builds the YAML for a part of the document: structs become
// mappings in field order, slices sequences (empty rather than null), nil
// pointers null. path names the field in errors, as Validate does
// ("timeline[0].text").
func documentNode(v reflect.Value, path string) (*yaml.Node, error) {
	if t, ok := v.Interface().(time.Time); ok {
		v = reflect.ValueOf(requiredTimestamp(t))
	}
	if ts, ok := v.Interface().(timestamp); ok {
		node, err := ts.node()
		if err != nil {
			return nil, unwritable(path, err.Error())
		}
		return node, nil
	}
	switch v.Kind() {
	case reflect.Struct:
		mapping := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for i := range v.NumField() {
			name := v.Type().Field(i).Tag.Get("yaml")
			child := name
			if path != "" {
				child = path + "." + name
			}
			value, err := documentNode(v.Field(i), child)
			if err != nil {
				return nil, err
			}
			mapping.Content = append(mapping.Content, scalarNode("!!str", name), value)
		}
		return mapping, nil
	case reflect.Slice:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := range v.Len() {
			item, err := documentNode(v.Index(i), path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, item)
		}
		return seq, nil
	case reflect.Pointer:
		if v.IsNil() {
			return scalarNode("!!null", "null"), nil
		}
		return documentNode(v.Elem(), path)
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			return nil, unwritable(path, "must be valid UTF-8")
		}
		return stringNode(v.String()), nil
	case reflect.Int, reflect.Int64:
		return intNode(v.Int()), nil
	}
	// Only reachable if a field of a new kind is added to document; the
	// round-trip tests would fail first.
	return nil, fmt.Errorf("postmortem: no YAML form for %s", v.Type())
}

// unwritable is the error for a field that a post-mortem file cannot hold.
func unwritable(field, problem string) error {
	return &incident.Error{Code: incident.EINVALID, Message: "The incident cannot be written.",
		Fields: map[string]string{field: problem}}
}

// setStringStyle picks how a string is written. Multi-line text becomes a
// literal block, so markdown stays readable and diffs well. A double-quoted
// string, whose escapes carry anything, is used instead for text a literal
// block would alter (carriage returns and the other characters YAML reads as
// line breaks, lines ending in blanks, control characters), and for words
// that YAML 1.1 readers such as PyYAML take for booleans or base-60 numbers
// ("yes", "on", "12:30"), which our YAML 1.2 library would write plain.
// Other strings keep the encoder's choice: plain where that reads back as
// the same string, quoted where it would not ("1.0", "null", "~").
//
// The encoder escapes characters beyond the Basic Multilingual Plane
// (emoji) even in text that could be a literal block; that is lossless,
// only less readable.
func setStringStyle(n *yaml.Node) {
	switch {
	case needsEscapes(n.Value), yaml11Special(n.Value):
		n.Style = yaml.DoubleQuotedStyle
	case strings.Contains(n.Value, "\n"):
		if literalBlockSafe(n.Value) {
			n.Style = yaml.LiteralStyle
		} else {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
}

// yaml11Special reports whether a YAML 1.1 reader would take s, written
// plain, for a boolean or a sexagesimal (base 60) number.
func yaml11Special(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF":
		return true
	}
	return strings.Contains(s, ":") && sexagesimal.MatchString(s)
}

var sexagesimal = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)

// needsEscapes reports whether s holds a character that only a
// double-quoted YAML string carries through unchanged.
func needsEscapes(s string) bool {
	for _, r := range s {
		if r != '\n' && r != '\t' && !yamlPrintable(r) {
			return true
		}
	}
	return false
}

// literalBlockSafe reports whether multi-line s reads back unchanged from a
// literal block: it has some visible text, no line ends in a space or a tab,
// and the first non-empty line does not start with a tab (the block's
// indentation is read from that line, and YAML forbids tabs there); the YAML
// library would mangle or refuse to read back any of these.
func literalBlockSafe(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	firstText := true
	for line := range strings.SplitSeq(s, "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return false
		}
		if firstText && line != "" {
			if strings.HasPrefix(line, "\t") {
				return false
			}
			firstText = false
		}
	}
	return true
}

// yamlPrintable mirrors the YAML 1.1 printable set, less the characters
// YAML treats as line breaks (NEL, LS, PS) and the byte order mark.
func yamlPrintable(r rune) bool {
	switch {
	case r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || r == utf8.RuneError:
		return false
	case r >= 0x20 && r <= 0x7E, r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
