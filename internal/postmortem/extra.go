package postmortem

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// incident.Extra holds the front-matter keys Aftermath does not model, so an
// imported file is written back with them. The store keeps Extra as JSON, so
// the values read here are the JSON-compatible kinds: nil, bool, int (or
// uint64 beyond int64), float64, string, []any and map[string]any.
//
// Numbers are canonical: a float with an integral value that fits an int64
// is read as an int, and written without a fraction. That way an Extra that
// went through the store's JSON (where every number is a float64) exports to
// the same bytes as the one that was imported.

// maxExtraDepth bounds how deeply Extra values may nest. It keeps writing
// safe from cyclic maps built in code, and reading symmetric with writing.
const maxExtraDepth = 64

// reservedKeys are the front-matter names that Extra may not use: the
// document's fields, plus the two names that look like fields but are not
// written there (the description lives in the body; service_key is derived).
var reservedKeys = append(yamlFieldNames(reflect.TypeFor[document]()), "description", "service_key")

func yamlFieldNames(t reflect.Type) []string { return yamlFieldsOf(t).names }

// yamlFields are a struct's fields as the YAML of a file names them.
type yamlFields struct {
	names []string                // in field order
	types map[string]reflect.Type // by name
	index map[string]int          // by name
}

// yamlFieldsOf reads a struct's yaml tags once per type: the reader looks
// fields up for every key of every mapping, which by reflection each time
// cost a tenth of an import.
func yamlFieldsOf(t reflect.Type) *yamlFields {
	if f, ok := fieldsByType.Load(t); ok {
		return f.(*yamlFields)
	}
	f := &yamlFields{types: map[string]reflect.Type{}, index: map[string]int{}}
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("yaml")
		f.names = append(f.names, name)
		f.types[name] = t.Field(i).Type
		f.index[name] = i
	}
	fieldsByType.Store(t, f)
	return f
}

var fieldsByType sync.Map // reflect.Type → *yamlFields

// ValidateExtra reports whether extra can be written to a post-mortem file:
// no key may be one of the incident's own field names, and every value must
// be one of the JSON-compatible kinds, with finite numbers and UTF-8 text.
// Marshal refuses what ValidateExtra refuses; callers that accept Extra from
// users (the API) can check it up front.
func ValidateExtra(extra map[string]any) error {
	_, err := extraNodes(extra)
	return err
}

// extraNodes returns the key and value nodes for extra, keys in byte order.
func extraNodes(extra map[string]any) ([]*yaml.Node, error) {
	keys := slices.Sorted(maps.Keys(extra))
	var errs incident.FieldErrors
	var nodes []*yaml.Node
	for _, k := range keys {
		field := "extra." + k
		switch {
		case slices.Contains(reservedKeys, k):
			errs.Add(field, "is the name of an incident field")
			continue
		case !utf8.ValidString(k):
			errs.Add(field, "must be valid UTF-8")
			continue
		}
		value, err := valueNode(extra[k], 0)
		if err != nil {
			errs.Add(field, err.Error())
			continue
		}
		nodes = append(nodes, stringNode(k), value)
	}
	if err := errs.ErrAs(incident.EINVALID, "Some extra fields cannot be written."); err != nil {
		return nil, err
	}
	return nodes, nil
}

// valueNode builds the YAML for one Extra value.
func valueNode(v any, depth int) (*yaml.Node, error) {
	if depth > maxExtraDepth {
		return nil, fmt.Errorf("nests more than %d levels deep", maxExtraDepth)
	}
	switch v := v.(type) {
	case nil:
		return scalarNode("!!null", "null"), nil
	case string:
		if !utf8.ValidString(v) {
			return nil, fmt.Errorf("must be valid UTF-8")
		}
		return stringNode(v), nil
	case bool:
		return scalarNode("!!bool", strconv.FormatBool(v)), nil
	case int:
		return intNode(int64(v)), nil
	case int8:
		return intNode(int64(v)), nil
	case int16:
		return intNode(int64(v)), nil
	case int32:
		return intNode(int64(v)), nil
	case int64:
		return intNode(v), nil
	case uint:
		return scalarNode("!!int", strconv.FormatUint(uint64(v), 10)), nil
	case uint8:
		return intNode(int64(v)), nil
	case uint16:
		return intNode(int64(v)), nil
	case uint32:
		return intNode(int64(v)), nil
	case uint64:
		return scalarNode("!!int", strconv.FormatUint(v, 10)), nil
	case float32:
		return floatNode(float64(v))
	case float64:
		return floatNode(v)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return intNode(i), nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		return floatNode(f)
	case []string:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, s := range v {
			item, err := valueNode(s, depth+1)
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, item)
		}
		return seq, nil
	case []any:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range v {
			item, err := valueNode(e, depth+1)
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, item)
		}
		return seq, nil
	case map[string]any:
		mapping := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if !utf8.ValidString(k) {
				return nil, fmt.Errorf("key %q must be valid UTF-8", k)
			}
			item, err := valueNode(v[k], depth+1)
			if err != nil {
				return nil, err
			}
			mapping.Content = append(mapping.Content, stringNode(k), item)
		}
		return mapping, nil
	default:
		return nil, fmt.Errorf("has a value of type %T, which a post-mortem file cannot hold", v)
	}
}

func scalarNode(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

func intNode(i int64) *yaml.Node { return scalarNode("!!int", strconv.FormatInt(i, 10)) }

// floatNode writes integral values as integers (see the package note on
// canonical numbers) and refuses NaN and infinities, which JSON cannot hold.
func floatNode(f float64) (*yaml.Node, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("must be a finite number")
	}
	if i, ok := integral(f); ok {
		return intNode(i), nil
	}
	// The shortest representation that reads back as the same float64; it
	// always has a '.' or an exponent here, so YAML reads it as a float.
	return scalarNode("!!float", strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// integral reports whether f is a whole number that an int64 holds exactly.
func integral(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// stringNode writes s so that it reads back as the same string. A string
// that YAML would take for a timestamp is written plain, because reading
// keeps a timestamp's text as a string anyway; that way dates in imported
// files (icco's source_fetched_at) are written back exactly as they came.
func stringNode(s string) *yaml.Node {
	n := scalarNode("!!str", s)
	if mayBeTimestamp(s) && (&yaml.Node{Kind: yaml.ScalarNode, Value: s}).ShortTag() == "!!timestamp" {
		n.Tag = "!!timestamp"
	}
	setStringStyle(n)
	return n
}

// mayBeTimestamp is a cheap first check: every YAML timestamp starts with a
// four-digit year and a dash. It spares the full check (which tries several
// time layouts) for nearly every string written.
func mayBeTimestamp(s string) bool {
	if len(s) < len("2006-1-2") || s[4] != '-' {
		return false
	}
	for _, c := range []byte(s[:4]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// extraValue reads one Extra value from the front matter; see the note at
// the top of this file for the kinds it returns.
func extraValue(n *yaml.Node, depth int) (any, error) {
	if depth > maxExtraDepth {
		return nil, lineErrorf(n, "nests more than %d levels deep", maxExtraDepth)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalarValue(n)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := extraValue(item, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, err := mappingKey(n.Content[i])
			if err != nil {
				return nil, err
			}
			if _, dup := m[key]; dup {
				return nil, lineErrorf(n.Content[i], "key %q appears twice", key)
			}
			v, err := extraValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		return m, nil
	default:
		// Aliases are refused before any value is read (see checkNodes).
		return nil, lineErrorf(n, "unsupported YAML node")
	}
}

func scalarValue(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		if f, ok := v.(float64); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, lineErrorf(n, "%s: numbers must be finite", n.Value)
			}
			if i, ok := integral(f); ok {
				return int(i), nil
			}
		}
		return v, nil
	default:
		// Strings, and timestamps kept as the text that was written (the
		// store keeps Extra as JSON, which has no time type). Values with
		// a custom tag ("!thing x") keep their text.
		return n.Value, nil
	}
}

// mappingKey returns a key as text. Keys must be scalars; a YAML merge key
// ("<<") is refused because readers disagree on what it means.
func mappingKey(k *yaml.Node) (string, error) {
	if k.Kind != yaml.ScalarNode {
		return "", lineErrorf(k, "keys must be text, not a list or a mapping")
	}
	if k.ShortTag() == "!!merge" {
		return "", lineErrorf(k, "YAML merge keys (<<) are not supported")
	}
	return k.Value, nil
}
