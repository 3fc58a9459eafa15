package incident

import (
	"errors"
	"fmt"
	"strings"
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
	EUNAVAILABLE  = "unavailable"            // the database does not answer; a retry may pass
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
	// Cause is the error behind this one, for the log; never shown.
	Cause error
}

// Unwrap gives the cause, so that errors.Is and errors.As see through.
func (e *Error) Unwrap() error { return e.Cause }

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

// MaxFieldErrors bounds how many fields one error names, so that an error
// answer stays small however much of a request is wrong: a request with a
// thousand bad action items gets the first problems, not a megabyte.
const MaxFieldErrors = 20

// FieldErrors collects one message per field while validating, in the order
// the problems are found. The zero value is ready to use.
type FieldErrors struct {
	fields  map[string]string
	omitted bool
	// listedAt names, for each list of allowed values already given in
	// full, the field whose message gives it.
	listedAt map[string]string
}

// Add records msg for field unless the field already has a message, so the
// first problem found is the one reported. Past MaxFieldErrors fields, the
// rest are counted as omitted.
func (f *FieldErrors) Add(field, msg string) bool {
	if _, ok := f.fields[field]; ok {
		return false
	}
	if len(f.fields) >= MaxFieldErrors {
		f.omitted = true
		return false
	}
	if f.fields == nil {
		f.fields = map[string]string{}
	}
	f.fields[field] = msg
	return true
}

// AddNotOneOf records that field's value is not one of allowed. The first
// field that names a list (listName) spells the allowed values out; later
// ones point to it, so a list is given once however many fields miss it.
// problem comes first ("unknown category \"x\"", or "" for none).
func (f *FieldErrors) AddNotOneOf(field, problem, listName string, allowed []string) {
	msg := "must be one of "
	if at, ok := f.listedAt[listName]; ok {
		msg += "the " + listName + " listed under " + at
	} else {
		msg += strings.Join(allowed, ", ")
	}
	if problem != "" {
		msg = problem + "; " + msg
	}
	if f.Add(field, msg) {
		if _, ok := f.listedAt[listName]; !ok {
			if f.listedAt == nil {
				f.listedAt = map[string]string{}
			}
			f.listedAt[listName] = field
		}
	}
}

// Empty reports whether no problem was recorded.
func (f *FieldErrors) Empty() bool { return len(f.fields) == 0 }

// Err returns a validation *Error, or nil when nothing was recorded.
func (f *FieldErrors) Err() error { return f.ErrAs(EINVALID, "Some fields are not valid.") }

// ErrAs returns an *Error with the given code and message naming the
// recorded fields, or nil when nothing was recorded.
func (f *FieldErrors) ErrAs(code, message string) error {
	if f.Empty() {
		return nil
	}
	if f.omitted {
		message = strings.TrimSuffix(message, ".") + fmt.Sprintf("; the first %d problems are listed.", MaxFieldErrors)
	}
	return &Error{Code: code, Message: message, Fields: f.fields}
}
