package callerauth

import (
	"errors"
	"net/http"
)

// Challenge maps a Verify error to the HTTP status and WWW-Authenticate
// value to answer with (RFC 6750 §3):
//
//   - ErrNoToken: 401, `Bearer realm="scim"` (the client sent no credentials,
//     so no error code: §3.1);
//   - *InvalidTokenError: 401, `Bearer error="invalid_token",
//     error_description="<reason>"`; the reason is one of this package's
//     fixed phrases, never token material;
//   - ErrKeysUnavailable: 503 and no header (the caller is not at fault).
//
// Any other error is treated as an invalid token (fail closed); nil is 200.
func Challenge(err error) (status int, wwwAuthenticate string) {
	var inv *InvalidTokenError
	switch {
	case err == nil:
		return http.StatusOK, ""
	case errors.Is(err, ErrNoToken):
		return http.StatusUnauthorized, `Bearer realm="scim"`
	case errors.Is(err, ErrKeysUnavailable):
		return http.StatusServiceUnavailable, ""
	case errors.As(err, &inv) && isKnownReason(inv.Reason):
		return http.StatusUnauthorized, `Bearer error="invalid_token", error_description="` + inv.Reason + `"`
	default:
		return http.StatusUnauthorized, `Bearer error="invalid_token"`
	}
}
