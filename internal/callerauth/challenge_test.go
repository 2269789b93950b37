package callerauth

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestChallenge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		header string
	}{
		{"no token", ErrNoToken, http.StatusUnauthorized, `Bearer realm="scim"`},
		{"wrapped no token", fmt.Errorf("auth: %w", ErrNoToken), http.StatusUnauthorized, `Bearer realm="scim"`},
		{"invalid token", invalid(reasonExpired), http.StatusUnauthorized, `Bearer error="invalid_token", error_description="token expired"`},
		{"unknown reason gets no description", &InvalidTokenError{Reason: `x", error="y`}, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"keys unavailable", ErrKeysUnavailable, http.StatusServiceUnavailable, ""},
		{"other errors fail closed", errors.New("boom"), http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"nil", nil, http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, header := Challenge(tc.err)
			if status != tc.status || header != tc.header {
				t.Fatalf("Challenge = %d %q, want %d %q", status, header, tc.status, tc.header)
			}
		})
	}
}
