package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// readBody reads the (capped) request body.
func readBody(c *gin.Context) ([]byte, error) {
	data, err := io.ReadAll(c.Request.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, tooLarge()
	} else if err != nil {
		return nil, incident.Errorf(incident.EMALFORMED, "The request body could not be read.")
	}
	return data, nil
}

// decodeJSON reads the body as one JSON value into v. Unknown fields are
// refused rather than dropped: a misspelt field name would otherwise be
// silently lost.
func decodeJSON(c *gin.Context, v any) error {
	data, err := readBody(c)
	if err != nil {
		return err
	}
	return strictUnmarshal(data, v)
}

// strictUnmarshal decodes exactly one JSON value, refusing unknown fields
// and trailing data, and says in the contract's terms what was wrong.
func strictUnmarshal(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return incident.Errorf(incident.EMALFORMED, "The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return incident.Errorf(incident.EMALFORMED, "The request body holds more than one JSON value.")
	}
	return nil
}

// jsonError translates encoding/json's errors into the error shape.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &syntax):
		return incident.Errorf(incident.EMALFORMED, "The request body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return incident.Errorf(incident.EMALFORMED, "The request body is not valid JSON: it ends too soon.")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return &incident.Error{Code: incident.EMALFORMED, Message: "A field has the wrong type.",
			Fields: map[string]string{field: "must be " + jsonKind(typeErr.Type.Kind().String())}}
	case errors.As(err, &timeErr):
		return &incident.Error{Code: incident.EMALFORMED, Message: "A timestamp is not valid.",
			Fields: map[string]string{"timestamp": fmt.Sprintf("%q must be RFC 3339, like 2025-03-14T15:02:00Z", timeErr.Value)}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &incident.Error{Code: incident.EMALFORMED, Message: "The request has a field Aftermath does not know.",
			Fields: map[string]string{field: "unknown field"}}
	}
	return incident.Errorf(incident.EMALFORMED, "The request body could not be decoded: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice", "array":
		return "a list"
	case "struct", "map":
		return "an object"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	}
	return "of another type"
}

// pathID reads the :id path parameter.
func pathID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &incident.Error{Code: incident.ENOTFOUND, Message: fmt.Sprintf("Incident %q does not exist.", c.Param("id"))}
	}
	return id, nil
}

// parseTimeParam reads an RFC 3339 timestamp or a YYYY-MM-DD date (UTC
// midnight) from the query string.
func parseTimeParam(c *gin.Context, name string, errs incident.FieldErrors) *time.Time {
	raw := c.Query(name)
	if raw == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, raw); err == nil {
			t = t.UTC()
			return &t
		}
	}
	errs.Add(name, "must be RFC 3339 (2025-03-14T15:02:00Z) or a date (2025-03-14)")
	return nil
}

// badParams turns collected parameter problems into a 400.
func badParams(errs incident.FieldErrors) error {
	if len(errs) == 0 {
		return nil
	}
	return &incident.Error{Code: incident.EMALFORMED, Message: "Some query parameters are not valid.", Fields: errs}
}
