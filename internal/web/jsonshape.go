package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// checkJSON walks one JSON value, token by token, against the Go type it
// is about to be decoded into, and refuses what encoding/json would let
// through silently or report without saying where:
//
//   - a key given twice (encoding/json keeps the last one, so a body can
//     say one thing to a reader and another to the store);
//   - a key that differs from a field's name only in case (encoding/json
//     matches case-insensitively, so "Title" would set title);
//   - an unknown key;
//   - a value of the wrong kind, a number that is not whole where a whole
//     number goes, a timestamp that is not RFC 3339.
//
// The error names the field as Validate does ("action_items[2].title"), in
// words a person can act on, and stops at the first problem. null is
// accepted anywhere: it leaves a field empty, as encoding/json does, and
// validation decides whether empty is allowed.
func checkJSON(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	c := &shapeChecker{dec: dec}
	if err := c.value(t, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return incident.Errorf(incident.EMALFORMED, "The request body holds more than one JSON value.")
	}
	return nil
}

type shapeChecker struct{ dec *json.Decoder }

var timeType = reflect.TypeFor[time.Time]()

func (c *shapeChecker) value(t reflect.Type, path string) error {
	tok, err := c.dec.Token()
	if err != nil {
		return jsonError(err)
	}
	if tok == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	delim, compound := tok.(json.Delim)
	switch {
	case t == timeType:
		s, ok := tok.(string)
		if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
			return wrongType(path, "must be an RFC 3339 time such as 2025-03-14T15:02:00Z")
		}
	case t.Kind() == reflect.Interface:
		if compound {
			return c.skip(delim)
		}
	case t.Kind() == reflect.Struct:
		if delim != '{' {
			return wrongType(path, "must be an object")
		}
		return c.object(path, fieldsOf(t), nil)
	case t.Kind() == reflect.Map:
		if delim != '{' {
			return wrongType(path, "must be an object")
		}
		return c.object(path, nil, t.Elem())
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		if delim != '[' {
			return wrongType(path, "must be a list")
		}
		for i := 0; c.dec.More(); i++ {
			if err := c.value(t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		return c.closing()
	case t.Kind() == reflect.String:
		if _, ok := tok.(string); !ok {
			return wrongType(path, "must be a string")
		}
	case t.Kind() == reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return wrongType(path, "must be true or false")
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		n, ok := tok.(json.Number)
		i, err := n.Int64()
		if !ok || err != nil || reflect.Zero(t).OverflowInt(i) {
			return wrongType(path, "must be a whole number")
		}
	case t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32:
		n, ok := tok.(json.Number)
		f, err := n.Float64()
		if !ok || err != nil || math.IsInf(f, 0) {
			return wrongType(path, "must be a number")
		}
	}
	if compound && t.Kind() != reflect.Interface {
		return wrongType(path, "has the wrong type")
	}
	return nil
}

// object checks the members of an object whose opening brace has been
// read: the struct fields allowed (fields), or any key with values of one
// type (elem, for maps).
func (c *shapeChecker) object(path string, fields map[string]reflect.Type, elem reflect.Type) error {
	seen := map[string]bool{}
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return jsonError(err)
		}
		key := tok.(string) // object keys are always strings
		field := key
		if path != "" {
			field = path + "." + key
		}
		if seen[key] {
			return &incident.Error{Code: incident.EMALFORMED, Message: "A field is given twice.",
				Fields: map[string]string{field: "appears more than once; give each field once"}}
		}
		seen[key] = true
		t := elem
		if fields != nil {
			var ok bool
			if t, ok = fields[key]; !ok {
				return unknownField(field, key, fields)
			}
		}
		if err := c.value(t, field); err != nil {
			return err
		}
	}
	return c.closing()
}

// closing reads the delimiter that ends an array or object.
func (c *shapeChecker) closing() error {
	if _, err := c.dec.Token(); err != nil {
		return jsonError(err)
	}
	return nil
}

// skip consumes the rest of an array or object whose opening delimiter
// has been read.
func (c *shapeChecker) skip(open json.Delim) error {
	for depth := 1; depth > 0; {
		tok, err := c.dec.Token()
		if err != nil {
			return jsonError(err)
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func wrongType(field, msg string) error {
	if field == "" {
		field = "body"
	}
	return &incident.Error{Code: incident.EMALFORMED, Message: "A field has the wrong type.",
		Fields: map[string]string{field: msg}}
}

func unknownField(field, key string, fields map[string]reflect.Type) error {
	msg := "unknown field"
	for name := range fields {
		if strings.EqualFold(name, key) {
			msg += "; field names are lowercase: " + strconv.Quote(name)
		}
	}
	return &incident.Error{Code: incident.EMALFORMED, Message: "The request has a field Aftermath does not know.",
		Fields: map[string]string{field: msg}}
}

// fieldsOf maps the JSON names of a struct's fields, those of embedded
// structs included, to their types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if cached, ok := structFields.Load(t); ok {
		return cached.(map[string]reflect.Type)
	}
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			for k, v := range fieldsOf(f.Type) {
				fields[k] = v
			}
		case name == "":
			fields[f.Name] = f.Type
		default:
			fields[name] = f.Type
		}
	}
	structFields.Store(t, fields)
	return fields
}

var structFields sync.Map // reflect.Type → map[string]reflect.Type
