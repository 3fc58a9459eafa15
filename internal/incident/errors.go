package incident

import (
	"errors"
	"fmt"
)

// Error codes are stable strings that clients can branch on. The HTTP layer
// maps each to a status in one place.
const (
	ECONFLICT     = "conflict"          // stale version
	EINTERNAL     = "internal"          // a fault of ours; details stay in the log
	EINVALID      = "validation_failed" // the input is well formed but breaks a rule
	EMALFORMED    = "bad_request"       // the input cannot be read at all
	ENOTFOUND     = "not_found"
	ETOOLARGE     = "too_large"
	ERATELIMIT    = "too_many_requests"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EUNSUPPORTED  = "unsupported_media_type" // the body's content type is not the one the route takes
)

// Error is the one error value that crosses package boundaries. Message is
// safe to show to a user; Fields names the offending inputs.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	// CurrentVersion is set on conflicts so a client can re-read and retry.
	CurrentVersion int
	// RetryAfter is set on rate limits: the seconds until a retry may pass.
	RetryAfter int
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
}

// Errorf builds an Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an *Error anywhere in err's chain, or
// EINTERNAL for every other error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of an *Error in err's chain,
// or a generic text that reveals nothing of an internal error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// FieldErrors collects one message per field while validating.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message, so the
// first problem found is the one reported.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns a validation *Error, or nil when nothing was recorded.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Some fields are not valid.", Fields: f}
}
