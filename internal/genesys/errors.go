package genesys

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APIError is a Genesys error body (ErrorBody) with the HTTP status it came
// with. Message and ContextID are Genesys's; they never contain credentials.
type APIError struct {
	Status    int               `json:"status"`
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	ContextID string            `json:"contextId"`
	Details   []APIErrorDetail  `json:"details,omitempty"`
	Params    map[string]string `json:"messageParams,omitempty"`
	// Endpoint is the templated endpoint that failed, e.g. "POST /api/v2/users".
	Endpoint string `json:"-"`
}

// APIErrorDetail is one entry of ErrorBody.details.
type APIErrorDetail struct {
	ErrorCode string `json:"errorCode,omitempty"`
	FieldName string `json:"fieldName,omitempty"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("genesys: %s: %d %s: %s", e.Endpoint, e.Status, e.Code, e.Message)
}

// RetryAfterError means Genesys rate-limited the gateway and the wait it asked
// for exceeds max_retry_wait, or max_retries ran out. Callers answer 429 with
// Retry-After set from Wait.
type RetryAfterError struct {
	Wait     time.Duration
	Endpoint string
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("genesys: %s: rate limited, retry after %s", e.Endpoint, e.Wait)
}

// CredentialsError means Genesys refused the gateway's own client credentials
// (token request answered 400/401, or a fresh token still got 401). Callers
// answer 502: the caller's token was fine.
type CredentialsError struct {
	Status int
	Reason string // e.g. the OAuth "error" code; never the secret
}

func (e *CredentialsError) Error() string {
	return fmt.Sprintf("genesys: client credentials refused (%d %s)", e.Status, e.Reason)
}

// UnavailableError means Genesys could not be reached or kept answering
// 5xx/connection errors through the retry budget. It is only returned when
// the call was never sent (the token endpoint failed) or is repeatable: a
// call that is not and may have reached Genesys wraps ErrOutcomeUnknown
// instead. Either way the same call may be made again later.
type UnavailableError struct {
	Endpoint string
	Err      error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("genesys: %s: unavailable: %v", e.Endpoint, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// LimitError is a request refused before anything was sent because it
// breaks a limit Genesys publishes. Sending it would only earn a 400, and
// sending it again the same, so callers answer it as a bad request (SCIM
// 400). It never holds the offending value itself (it may be personal
// data), only its size.
type LimitError struct {
	Endpoint string // templated, e.g. "POST /api/v2/users/search"
	Limit    string // the limit broken, e.g. "pageSize must be 1..100"
	Got      int    // the size asked for
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("genesys: %s: refused before sending: %s (got %d)", e.Endpoint, e.Limit, e.Got)
}

// ErrOutcomeUnknown wraps the error of a non-repeatable request (a create)
// whose outcome is unknown: it may or may not have been applied. It is never
// retried blindly; the caller checks by search.
var ErrOutcomeUnknown = errors.New("genesys: outcome unknown")

// ErrMixedStatePatch is returned for an UpdateUser that sets State with other
// fields.
var ErrMixedStatePatch = errors.New("genesys: state must be patched on its own")

// AsAPIError returns the *APIError in err's chain, if any.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports a 404 / not.found answer.
func IsNotFound(err error) bool {
	e, ok := AsAPIError(err)
	return ok && (e.Status == 404 || e.Code == "not.found" || strings.HasSuffix(e.Code, ".not.found"))
}

// IsConflict reports a general.conflict answer, whatever its status: the
// code Genesys gives a duplicate (an email another user holds, including a
// soft-deleted one; an external id already mapped). Genesys documents 400 in
// one place and answers 409 in others.
//
// The same code also comes with a 409 for a stale version, so a 409
// general.conflict is both IsConflict and IsVersionMismatch, and the answer
// alone cannot tell them apart. The caller decides from context: a write
// that does not change the email (or the external id) cannot be a
// duplicate; for one that does, re-read the user: a version that moved
// means the write raced another, an unchanged one means a duplicate.
func IsConflict(err error) bool {
	e, ok := AsAPIError(err)
	return ok && e.Code == "general.conflict"
}

// IsVersionMismatch reports an answer that may mean the version sent is not
// the current one, as the Terraform provider's util.IsVersionMismatch
// (genesyscloud/util/util_retries.go) detects it for users and groups: any
// 409 (general.conflict included, see IsConflict), a 408, or a 400 whose
// message says the version "does not match the current version".
func IsVersionMismatch(err error) bool {
	e, ok := AsAPIError(err)
	return ok && isVersionMismatchAPI(e)
}

func isVersionMismatchAPI(e *APIError) bool {
	switch e.Status {
	case http.StatusConflict, http.StatusRequestTimeout:
		return true
	case http.StatusBadRequest:
		return strings.Contains(e.Message, "does not match the current version")
	}
	return false
}

// ErrMissingVersion is returned, before any call, for a user PATCH, a group
// PUT or a group member add without a version: Genesys requires the current
// version on each.
var ErrMissingVersion = errors.New("genesys: the current version is required")
