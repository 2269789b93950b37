package genesys

import (
	"errors"
	"fmt"
	"testing"
)

// The predicates over every status, code and message combination Genesys
// uses for duplicates and version clashes. A 409 general.conflict is both:
// only the caller's context tells a duplicate from a stale version.
func TestVersionMismatchAndConflictPredicates(t *testing.T) {
	const stale = "The version supplied does not match the current version of the user"
	tests := []struct {
		status            int
		code, message     string
		conflict, version bool
	}{
		{409, "general.conflict", "msg", true, true},
		{409, "general.conflict", stale, true, true},
		{409, "conflict", "msg", false, true},
		{409, "", "", false, true},
		{408, "request.timeout", "msg", false, true},
		{408, "general.conflict", "msg", true, true},
		{400, "bad.request", stale, false, true},
		{400, "general.bad.request", "does not match the current version", false, true},
		{400, "general.conflict", "msg", true, false},
		{400, "general.conflict", stale, true, true},
		{400, "bad.request", "The version supplied does not match", false, false},
		{400, "bad.request", "msg", false, false},
		{404, "not.found", stale, false, false},
		{412, "general.conflict", "msg", true, false},
		{500, "internal.server.error", stale, false, false},
		{200, "", "", false, false},
	}
	for _, tt := range tests {
		e := &APIError{Status: tt.status, Code: tt.code, Message: tt.message, Endpoint: "PATCH /api/v2/users/{id}"}
		for _, err := range []error{e, fmt.Errorf("wrapped: %w", e)} {
			if got := IsConflict(err); got != tt.conflict {
				t.Errorf("IsConflict(%d %q %q) = %v, want %v", tt.status, tt.code, tt.message, got, tt.conflict)
			}
			if got := IsVersionMismatch(err); got != tt.version {
				t.Errorf("IsVersionMismatch(%d %q %q) = %v, want %v", tt.status, tt.code, tt.message, got, tt.version)
			}
		}
	}
	for _, err := range []error{nil, errors.New("409 general.conflict does not match the current version"), &UnavailableError{Err: errors.New("x")}} {
		if IsConflict(err) || IsVersionMismatch(err) {
			t.Errorf("%v: a non-APIError matched a predicate", err)
		}
	}
}
