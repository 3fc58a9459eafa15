package postmortem

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Identity is what makes two files copies of one post-mortem: the same
// external id (icco's uuid), or the same id.
type Identity struct {
	ID         int64
	ExternalID string
}

// ReadIdentity reads a file's identity from the top-level lines of its
// front matter, without parsing the YAML: a fraction of what Parse costs,
// so that an import can find the copies of each post-mortem before it
// parses any file. When ok, the identity is exactly the ID and ExternalID
// that Parse returns for the file (if Parse accepts it). When the front
// matter is written in a way it does not follow line by line (flow-style
// keys, an identity value that is quoted with escapes or runs over several
// lines, comments after it), ok is false, and only Parse can tell.
//
// data may be the first lines of a file rather than all of it: in
// Aftermath's own format the identity is settled once a field of ours, the
// id and the external_id have been read (the first three lines of an
// export), since nothing after them can change what they say. A key
// repeated later would make Parse refuse the file.
func ReadIdentity(data []byte) (id Identity, ok bool) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	if !isDelimiter(string(first)) {
		return Identity{}, false
	}
	var names []string
	values := map[string]string{}
	for len(rest) > 0 {
		var raw []byte
		raw, rest, _ = bytes.Cut(rest, []byte("\n"))
		line := strings.TrimSuffix(string(raw), "\r")
		if strings.ContainsAny(line, "\r\u0085\u2028\u2029") {
			return Identity{}, false // line breaks to the YAML reader, not to this scan
		}
		switch {
		case isDelimiter(line):
			return identityOf(names, values)
		case strings.TrimSpace(line) == "" || line[0] == '#':
			continue
		case line[0] == ' ' || line[0] == '-':
			// A nested value or a list item of the key before. An identity
			// key's value is one line; one that goes on cannot be read here,
			// nor a front matter indented as a whole.
			if _, special := values[lastOf(names)]; special || len(names) == 0 {
				return Identity{}, false
			}
			continue
		}
		if settled(names, values) {
			return identityOf(names, values) // this line is a new key: the last value was one line
		}
		m := topLevelKey.FindStringSubmatch(line)
		if m == nil {
			return Identity{}, false // "? key", "{...}", directives, "...", escapes in a key
		}
		name := m[1] + m[2] + m[3] // one of them: plain, "double" or 'single'
		value := strings.TrimRight(m[4], " \t")
		names = append(names, name)
		if name == "id" || name == "external_id" || name == "uuid" {
			if _, twice := values[name]; twice {
				return Identity{}, false
			}
			values[name] = value
		}
	}
	return Identity{}, false // no closing line: Parse refuses the file
}

// topLevelKey is a top-level "key: value" line whose key is plain or
// quoted without escapes.
var topLevelKey = regexp.MustCompile(`^(?:([A-Za-z_][A-Za-z0-9_.-]*)|"([^"\\]*)"|'([^']*)'):(?:[ \t]+(.*))?$`)

// settled reports whether the identity read so far is final: the file is
// in our format (it has a key of ours; icco's format has none) and both
// identity keys are read.
func settled(names []string, values map[string]string) bool {
	_, id := values["id"]
	_, external := values["external_id"]
	return id && external && slices.ContainsFunc(names, isOurs)
}

// isOurs reports whether a top-level key marks Aftermath's own format.
func isOurs(name string) bool {
	return name != "title" && name != "summary" && slices.Contains(reservedKeys, name)
}

func lastOf(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[len(names)-1]
}

// identityOf reads the identity values as Parse would for the file's
// format: ours keeps id and external_id (a uuid is an extra key there);
// icco's has only its uuid.
func identityOf(names []string, values map[string]string) (Identity, bool) {
	var id Identity
	var ok bool
	if iccoKeyNames(names) {
		id.ExternalID, ok = plainText(values["uuid"], "uuid", values)
		return id, ok
	}
	if id.ExternalID, ok = plainText(values["external_id"], "external_id", values); !ok {
		return Identity{}, false
	}
	raw, given := values["id"]
	switch {
	case !given || isNull(raw):
	case wholeNumber.MatchString(raw):
		id.ID, _ = strconv.ParseInt(raw, 10, 64)
	default:
		return Identity{}, false // Parse decides: 0x10, 1_000, a bad value
	}
	return id, true
}

// wholeNumber is a decimal that Parse reads the same way, within int64.
var wholeNumber = regexp.MustCompile(`^[1-9][0-9]{0,17}$`)

// plainText reads a text value written on its key's line: plain, or
// quoted without escapes. An absent key or a null is "".
func plainText(raw, key string, values map[string]string) (string, bool) {
	if _, given := values[key]; !given || isNull(raw) {
		return "", true
	}
	switch {
	case len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"':
		inner := raw[1 : len(raw)-1]
		return inner, !strings.ContainsAny(inner, `"\`)
	case len(raw) >= 2 && raw[0] == '\'' && raw[len(raw)-1] == '\'':
		inner := raw[1 : len(raw)-1]
		return inner, !strings.Contains(inner, "'")
	case plainScalar.MatchString(raw):
		return raw, true
	}
	return "", false
}

// plainScalar is a plain YAML scalar that reads back as its own text:
// starting with a letter or digit, with no space (so no comment and no
// ": ") and no flow characters.
var plainScalar = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._/+=@-]*$`)

// isNull reports whether a plain value is one of YAML's nulls.
func isNull(raw string) bool {
	switch raw {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}
