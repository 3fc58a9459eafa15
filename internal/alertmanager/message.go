package alertmanager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aftermath-sre/aftermath/internal/incident"
)

// Message is a webhook notification, as Alertmanager's notify/webhook
// Message (version 4) sends it. Fields that later versions add are ignored
// (routeLabels and notification_reason already are).
type Message struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"`
	Alerts            []Alert           `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
}

// Alert is one alert of a notification (template.Alert).
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// The statuses of a notification and of an alert.
const (
	statusFiring   = "firing"
	statusResolved = "resolved"
)

// maxGroupKey bounds a group key: Alertmanager's are the route and the
// group labels, well under this.
const maxGroupKey = 4096

// Parse decodes and checks a notification. Anything that is not a version
// 4 notification Aftermath can act on is an EMALFORMED error naming the
// field, and changes nothing.
func Parse(data []byte) (*Message, error) {
	var m Message
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
		return nil, incident.Errorf(incident.EMALFORMED, "The body is not an Alertmanager notification: %s.", describeJSONError(err))
	}
	var errs incident.FieldErrors
	switch {
	case m.Version != "4":
		errs.Add("version", fmt.Sprintf("must be \"4\", the webhook payload version this server reads (got %q)", m.Version))
	case m.GroupKey == "":
		errs.Add("groupKey", "is required")
	case len(m.GroupKey) > maxGroupKey:
		errs.Add("groupKey", fmt.Sprintf("must be at most %d bytes", maxGroupKey))
	}
	if m.Status != statusFiring && m.Status != statusResolved {
		errs.Add("status", `must be "firing" or "resolved"`)
	}
	if len(m.Alerts) == 0 {
		errs.Add("alerts", "must hold at least one alert")
	}
	for i, a := range m.Alerts {
		p := fmt.Sprintf("alerts[%d]", i)
		switch {
		case a.Status != statusFiring && a.Status != statusResolved:
			errs.Add(p+".status", `must be "firing" or "resolved"`)
		case a.Fingerprint == "" || len(a.Fingerprint) > incident.MaxShortText:
			errs.Add(p+".fingerprint", "is required, and at most 500 bytes")
		case a.StartsAt.IsZero():
			errs.Add(p+".startsAt", "is required")
		}
	}
	if err := errs.ErrAs(incident.EMALFORMED, "The Alertmanager notification is not valid."); err != nil {
		return nil, err
	}
	return &m, nil
}

// describeJSONError says what is wrong with a body that does not decode,
// without Go's type names.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var parse *time.ParseError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("it is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s has the wrong type", typ.Field)
	case errors.As(err, &parse):
		return fmt.Sprintf("%q is not an RFC 3339 time", parse.Value)
	}
	return "it is not a JSON object of the expected shape"
}
