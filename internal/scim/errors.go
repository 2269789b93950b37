package scim

import (
	"fmt"
	"net/http"
	"time"
)

// scimType values (RFC 7644 §3.12 Table 9).
const (
	InvalidFilter = "invalidFilter"
	TooMany       = "tooMany"
	Uniqueness    = "uniqueness"
	Mutability    = "mutability"
	InvalidSyntax = "invalidSyntax"
	InvalidPath   = "invalidPath"
	NoTarget      = "noTarget"
	InvalidValue  = "invalidValue"
	InvalidVers   = "invalidVers"
	Sensitive     = "sensitive"
)

// ErrorURN is the schema of SCIM error bodies.
const ErrorURN = "urn:ietf:params:scim:api:messages:2.0:Error"

// Error is a SCIM error: it renders as an RFC 7644 §3.12 body. Detail is shown
// to callers, so it must help and must not leak internals (no upstream URLs,
// tokens, stack traces).
type Error struct {
	Status   int
	ScimType string
	Detail   string
	// RetryAfter, when positive, is sent as a Retry-After header (seconds,
	// rounded up).
	RetryAfter time.Duration
	// Allow, for 405, is the Allow header value.
	Allow string
	// Cause is the internal error, for logs only; never rendered.
	Cause error
}

func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("scim %d %s: %s", e.Status, e.ScimType, e.Detail)
	}
	return fmt.Sprintf("scim %d: %s", e.Status, e.Detail)
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error with a formatted detail.
func Errorf(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// BadValue is 400 invalidValue.
func BadValue(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, InvalidValue, format, args...)
}

// NotFound is 404 for a user id.
func NotFound(id string) *Error {
	return Errorf(http.StatusNotFound, "", "User %q not found", id)
}

// GroupNotFound is 404 for a group id.
func GroupNotFound(id string) *Error {
	return Errorf(http.StatusNotFound, "", "Group %q not found", id)
}
