package incident

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook is an outgoing webhook: where events go and which ones. Its
// signing secret is stored sealed (see internal/webhooks) and is shown only
// once, when it is made.
type Webhook struct {
	ID          int64       `json:"id"`
	URL         string      `json:"url"`
	Description string      `json:"description"`
	Events      []EventType `json:"events"`
	// Enabled is false when an admin turned the webhook off, or when its
	// receiver answered 410 Gone (DisabledReason says which).
	Enabled        bool   `json:"enabled"`
	DisabledReason string `json:"disabled_reason,omitempty"`
	// PreviousSecretUntil is the end of a secret rotation's overlap:
	// until then deliveries carry a signature by the previous secret too.
	PreviousSecretUntil *time.Time `json:"previous_secret_until,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	// Pending counts the deliveries not yet made or given up.
	Pending int64 `json:"pending"`

	// Secret and PreviousSecret are the sealed signing secrets.
	Secret         []byte `json:"-"`
	PreviousSecret []byte `json:"-"`
}

// Subscribes reports whether the webhook takes events of type t.
func (w *Webhook) Subscribes(t EventType) bool { return slices.Contains(w.Events, t) }

// WebhookChange is a change to a webhook; nil fields stay as they are.
type WebhookChange struct {
	URL         *string      `json:"url"`
	Description *string      `json:"description"`
	Events      *[]EventType `json:"events"`
	Enabled     *bool        `json:"enabled"`
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // given up: after 24 hours, or the receiver is gone (410)
)

// Delivery is one event on its way to one webhook: the delivery log.
type Delivery struct {
	ID         int64     `json:"id"`
	WebhookID  int64     `json:"webhook_id"`
	EventID    string    `json:"event_id"` // the webhook-id header
	Type       EventType `json:"type"`
	IncidentID int64     `json:"incident_id"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	// LastStatus is the HTTP status of the last attempt; 0 if it got none
	// (a timeout, a refused connection).
	LastStatus    int        `json:"last_status,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
	CreatedAt     time.Time  `json:"created_at"`
}

// DeliveryPage is one page of a webhook's delivery log, newest first.
type DeliveryPage struct {
	Items      []Delivery `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// Limits on a webhook.
const (
	MaxWebhookURL = MaxURL
	MaxWebhooks   = 100
)

// Validate checks a webhook's fields: an absolute http or https URL without
// credentials in it, at least one known event type, each once. Whether its
// host may be reached is the webhooks package's question.
func (w *Webhook) Validate() error {
	var errs FieldErrors
	w.URL = strings.TrimSpace(w.URL)
	if problem := webhookURLProblem(w.URL); problem != "" {
		errs.Add("url", problem)
	}
	optionalName(&errs, "description", w.Description, MaxShortText)
	if len(w.Events) == 0 {
		errs.Add("events", "must list at least one event type: "+eventTypeList())
	}
	for i, t := range w.Events {
		field := fmt.Sprintf("events[%d]", i)
		switch {
		case !t.Valid():
			errs.AddNotOneOf(field, fmt.Sprintf("unknown event type %q", t), "event types", eventTypeNames())
		case slices.Index(w.Events, t) < i:
			errs.Add(field, fmt.Sprintf("%q is listed twice", t))
		}
	}
	return errs.Err()
}

func webhookURLProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "is required"
	case len(raw) > MaxWebhookURL:
		return tooLong(MaxWebhookURL)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		return "must be an absolute http or https URL"
	case u.User != nil:
		return "must not carry a user name or password; the receiver checks the signature instead"
	case u.Fragment != "":
		return "must not have a #fragment"
	}
	return ""
}

func eventTypeNames() []string {
	names := make([]string, len(EventTypes))
	for i, t := range EventTypes {
		names[i] = string(t)
	}
	return names
}

func eventTypeList() string { return strings.Join(eventTypeNames(), ", ") }

// DeliveryJob is a delivery the worker has claimed: what to send where,
// signed with which secrets (sealed). The claim is a lease: no other
// worker takes the delivery until LeaseUntil.
type DeliveryJob struct {
	ID        int64
	WebhookID int64
	URL       string
	EventID   string // the webhook-id header
	Type      EventType
	Payload   []byte
	// Attempts counts the attempts, this one included.
	Attempts int
	// Secret signs; PreviousSecret too while a rotation's overlap lasts.
	Secret, PreviousSecret []byte
	// ExpiresAt is when the delivery is given up if it has not succeeded.
	ExpiresAt  time.Time
	LeaseUntil time.Time
}

// DeliveryOutcome is what an attempt came to.
type DeliveryOutcome struct {
	ID        int64
	WebhookID int64
	At        time.Time
	Delivered bool
	// Status is the receiver's HTTP status, 0 if it sent none.
	Status int
	Error  string
	// Gone is a 410: the receiver asks never to be sent to again, and the
	// webhook is disabled.
	Gone bool
	// GiveUp ends the delivery as failed; otherwise a failed attempt is
	// retried at NextAttempt.
	GiveUp      bool
	NextAttempt time.Time
}
