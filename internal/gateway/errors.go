package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// unavailableRetryAfter is the Retry-After sent with a 503 for a transient
// upstream condition (unreachable, outcome unknown, search index lag).
const unavailableRetryAfter = 5 * time.Second

// maxUpstreamDetail bounds how much of a Genesys message reaches a caller.
const maxUpstreamDetail = 300

// urlPattern finds URLs in Genesys messages, which callers must not see.
var urlPattern = regexp.MustCompile(`(?i)\b(?:https?|wss?)://\S+`)

// upstreamError turns an error from the genesys client into the *scim.Error a
// caller sees (RFC 7644 section 3.12 bodies): rate limited beyond the budget -> 429
// with Retry-After; credentials refused -> 502; unavailable -> 503 with
// Retry-After; not found -> 404; Genesys validation errors -> 400 with
// Genesys's message; anything else -> 502. Never a bare 500, never an upstream
// URL or token in the detail.
func upstreamError(err error) error {
	if err == nil {
		return nil
	}
	var se *scim.Error
	if errors.As(err, &se) {
		return se
	}
	var (
		ra   *genesys.RetryAfterError
		cred *genesys.CredentialsError
		un   *genesys.UnavailableError
	)
	switch {
	case errors.As(err, &ra):
		return &scim.Error{Status: http.StatusTooManyRequests, Detail: "Genesys Cloud is rate limiting the gateway; retry later",
			RetryAfter: max(ra.Wait, time.Second), Cause: err}
	case errors.As(err, &cred):
		return &scim.Error{Status: http.StatusBadGateway, Detail: "Genesys Cloud refused the gateway's client credentials", Cause: err}
	case errors.As(err, &un), errors.Is(err, genesys.ErrOutcomeUnknown):
		return unavailable("Genesys Cloud is unavailable; retry later", err)
	case errors.Is(err, context.DeadlineExceeded):
		// The request's own deadline (request_timeout): one upstream call's
		// timeout is an UnavailableError above.
		return unavailable("the request did not complete in the time allowed; retry", err)
	case errors.Is(err, context.Canceled):
		return unavailable("the request was cancelled", err)
	case genesys.IsNotFound(err):
		return &scim.Error{Status: http.StatusNotFound, Detail: "User not found", Cause: err}
	case genesys.IsVersionMismatch(err):
		// Only reached after the read-and-retry loops gave up: the user keeps
		// changing underneath; the identical retry converges. A 409
		// general.conflict lands here too: the writes that can meet a
		// duplicate tell the two apart before (userOps.patch).
		return concurrentlyModified(err)
	case genesys.IsConflict(err):
		return &scim.Error{Status: http.StatusConflict, ScimType: scim.Uniqueness,
			Detail: "a Genesys Cloud user already holds this email", Cause: err}
	}
	var le *genesys.LimitError
	if errors.As(err, &le) {
		return &scim.Error{Status: http.StatusBadRequest, ScimType: scim.InvalidValue,
			Detail: "the request exceeds a limit of Genesys Cloud: " + le.Limit, Cause: err}
	}
	if ae, ok := genesys.AsAPIError(err); ok {
		switch {
		case ae.Status == http.StatusTooManyRequests:
			return &scim.Error{Status: http.StatusTooManyRequests, Detail: "Genesys Cloud is rate limiting the gateway; retry later",
				RetryAfter: unavailableRetryAfter, Cause: err}
		case ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden:
			// The gateway's OAuth client lacks a permission: not the caller's
			// fault, so not a 4xx for it.
			return &scim.Error{Status: http.StatusBadGateway,
				Detail: "Genesys Cloud denied the gateway's OAuth client a permission" + upstreamRef(ae), Cause: err}
		case ae.Status >= 400 && ae.Status < 500:
			return &scim.Error{Status: http.StatusBadRequest, ScimType: scim.InvalidValue,
				Detail: "Genesys Cloud rejected the request" + upstreamRef(ae), Cause: err}
		}
	}
	return &scim.Error{Status: http.StatusBadGateway, Detail: "Genesys Cloud answered with an error", Cause: err}
}

// concurrentlyModified is the 503 for a version race that outlasted the
// re-read-and-retry loop.
func concurrentlyModified(cause error) *scim.Error {
	return unavailable("the resource was modified concurrently; retry", cause)
}

// emailTaken is the 409 for a userName another user holds (RFC 7644
// section 3.5.1: uniqueness).
func emailTaken(email string) *scim.Error {
	return &scim.Error{Status: http.StatusConflict, ScimType: scim.Uniqueness,
		Detail: "another user already has userName " + email}
}

// unavailable is a 503 with a short Retry-After.
func unavailable(detail string, cause error) *scim.Error {
	return &scim.Error{Status: http.StatusServiceUnavailable, Detail: detail, RetryAfter: unavailableRetryAfter, Cause: cause}
}

// upstreamRef names a Genesys error for the caller without its message:
// the code and the contextId Genesys support can look up. The message is
// not echoed: it can quote values, internal names or URLs.
func upstreamRef(ae *genesys.APIError) string {
	var parts []string
	if ae.Code != "" {
		parts = append(parts, "code "+ae.Code)
	}
	if ae.ContextID != "" {
		parts = append(parts, "contextId "+ae.ContextID)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// tokenLike finds what may be a credential in an upstream message: a JWT
// (three base64url segments), a scheme and credential (Bearer, Basic), or
// a long run of base64/hex characters.
var tokenLike = regexp.MustCompile(`(?i)\b(?:bearer|basic)\s+\S+|[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|[A-Za-z0-9+/=_-]{32,}`)

// scrubbedMessage is Genesys's message for the audit trail: URLs and
// anything token-like replaced, bounded.
func scrubbedMessage(msg string) string {
	msg = urlPattern.ReplaceAllString(msg, "<url>")
	msg = strings.TrimSpace(tokenLike.ReplaceAllString(msg, "<redacted>"))
	if len(msg) > maxUpstreamDetail {
		n := maxUpstreamDetail
		for n > 0 && !utf8.RuneStart(msg[n]) {
			n--
		}
		msg = msg[:n] + "..."
	}
	return msg
}

// apiErrorText is a Genesys error for the audit trail: status, code,
// contextId and the scrubbed message.
func apiErrorText(ae *genesys.APIError) string {
	s := fmt.Sprintf("%d %s", ae.Status, ae.Code)
	if ae.ContextID != "" {
		s += " contextId " + ae.ContextID
	}
	if m := scrubbedMessage(ae.Message); m != "" {
		s += ": " + m
	}
	return s
}

// auditText is an error for an audit entry: what the caller was told (for a
// *scim.Error), and the Genesys error behind it, if any, as apiErrorText.
func auditText(err error) string {
	s := err.Error()
	if _, isSCIM := err.(*scim.Error); !isSCIM {
		s = scrubbedMessage(s)
	}
	if ae, ok := genesys.AsAPIError(err); ok {
		s += "; Genesys Cloud: " + apiErrorText(ae)
	}
	return s
}

// upstreamUserError is upstreamError with a not-found answer naming the user
// id the caller asked for.
func upstreamUserError(err error, id string) error {
	if genesys.IsNotFound(err) {
		e := scim.NotFound(id)
		e.Cause = err
		return e
	}
	return upstreamError(err)
}

// statusOf is the HTTP status an error from this package answers.
func statusOf(err error) int {
	var se *scim.Error
	if errors.As(err, &se) {
		return se.Status
	}
	return http.StatusInternalServerError
}

// isAbsent reports an answer meaning "no such user": not found, or 400 for an
// id Genesys cannot even parse (no user can have it).
func isAbsent(err error) bool {
	if genesys.IsNotFound(err) {
		return true
	}
	ae, ok := genesys.AsAPIError(err)
	return ok && ae.Status == http.StatusBadRequest && !genesys.IsConflict(err) && !genesys.IsVersionMismatch(err)
}

// preconditionFailed is the 412 for a stale If-Match (RFC 7644 section 3.14).
func preconditionFailed(id string) *scim.Error {
	return scim.Errorf(http.StatusPreconditionFailed, "",
		"User %q has changed: its version no longer matches If-Match", id)
}

func externalIDTaken() *scim.Error {
	return scim.Errorf(http.StatusConflict, scim.Uniqueness, "externalId is already held by another user")
}

// isConfigError reports the error resolveRouting gives for names Genesys
// does not know: a gateway configuration error (500), not an upstream
// failure.
func isConfigError(err error) bool {
	var se *scim.Error
	return errors.As(err, &se) && se.Status == http.StatusInternalServerError
}

// retryable reports whether repeating a failed write later can succeed:
// rate limits, outages, unknown outcomes, cancelled callers, credentials or
// permissions an operator can fix, version races. A Genesys 4xx that judged
// the request itself (a bad manager id, a deleted user) cannot.
func retryable(err error) bool {
	var ae *genesys.APIError
	if !errors.As(err, &ae) {
		return true // typed client errors (rate limit, unavailable, credentials) and context errors
	}
	if genesys.IsVersionMismatch(err) {
		return true
	}
	switch {
	case ae.Status >= 500, ae.Status == http.StatusTooManyRequests, ae.Status == http.StatusRequestTimeout,
		ae.Status == http.StatusUnauthorized, ae.Status == http.StatusForbidden:
		return true
	}
	return false
}

// refused reports a Genesys 4xx other than 429: the request itself was
// refused, as opposed to the service being busy or down.
func refused(err error) bool {
	e, ok := genesys.AsAPIError(err)
	return ok && e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests
}

// errorText is an error for an audit entry about a step: apiErrorText for a
// Genesys answer, the scrubbed error text otherwise.
func errorText(err error) string {
	if ae, ok := genesys.AsAPIError(err); ok {
		return apiErrorText(ae)
	}
	return scrubbedMessage(err.Error())
}

// isContextError reports an error caused by a context ending (a caller gone,
// a deadline passed), as opposed to an upstream answer.
func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
