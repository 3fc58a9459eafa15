package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
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

// strictUnmarshal decodes exactly one JSON value into v, refusing what
// checkJSON refuses (repeated and unknown fields, wrong types), and says in
// the contract's terms what was wrong.
func strictUnmarshal(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return incident.Errorf(incident.EMALFORMED, "The request body is empty; send a JSON object.")
	}
	if err := checkJSON(data, reflect.TypeOf(v).Elem()); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError translates encoding/json's errors into the error shape. The
// shape check catches type errors first, with the field's path; what is
// left is syntax, and a generic message that shows no Go internals.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return incident.Errorf(incident.EMALFORMED, "The request body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return incident.Errorf(incident.EMALFORMED, "The request body is not valid JSON: it ends too soon.")
	}
	return incident.Errorf(incident.EMALFORMED, "The request body could not be decoded.")
}

// pathID reads the :id path parameter. An id has one spelling
// (incident.ParseID): "/incidents/+1" and "/incidents/01" name nothing.
func pathID(c *gin.Context) (int64, error) {
	id, ok := incident.ParseID(c.Param("id"))
	if !ok {
		return 0, incident.Errorf(incident.ENOTFOUND, "Incident %q does not exist.", c.Param("id"))
	}
	return id, nil
}

// parseTimeParam reads an RFC 3339 timestamp or a YYYY-MM-DD date (UTC
// midnight) from the query string.
func parseTimeParam(c *gin.Context, name string, errs *incident.FieldErrors) *time.Time {
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

// checkParams refuses the query parameters a route does not take, and any
// given twice. A misspelt filter (?sevrity=SEV1) would otherwise be
// ignored, and the answer cover every incident; a repeated one would be
// read one way here and perhaps another by a proxy or a cache.
func checkParams(c *gin.Context, allowed []string) error {
	var errs incident.FieldErrors
	query := c.Request.URL.Query()
	names := slices.Sorted(maps.Keys(query))
	for _, name := range names {
		switch {
		case !slices.Contains(allowed, name):
			errs.Add(name, "unknown parameter; this route takes "+strings.Join(allowed, ", "))
		case len(query[name]) > 1:
			errs.Add(name, "is given more than once; give it once")
		}
	}
	return badParams(&errs)
}

// The query parameters of the routes that take them.
var (
	listParams   = []string{"service", "severity", "status", "postmortem_status", "outage_type", "cause_category", "tag", "q", "since", "until", "sort", "limit", "cursor"}
	exportParams = []string{"service", "severity", "status", "postmortem_status", "outage_type", "cause_category", "tag", "q", "since", "until"}
	// The list page also carries the number of the page shown.
	pageListParams = append(slices.Clone(listParams), "page")
	reportParams   = []string{"since", "until", "service"}
	historyParams  = []string{"recent"}
)

// badParams turns collected parameter problems into a 400.
func badParams(errs *incident.FieldErrors) error {
	return errs.ErrAs(incident.EMALFORMED, "Some query parameters are not valid.")
}
