package scim

import (
	"errors"
	"net/http"
	"testing"
)

// FuzzParseFilter: whatever the input, ParseFilter does not panic, and a
// failure is always a 400 *Error (invalidFilter), never a parser error.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen"`,
		`emails[type eq "work"].value eq "a@b.c"`,
		`emails[type eq "work" and value co "@b"]`,
		`not (active eq true) or (displayName sw "A" and name.formatted ew "z")`,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`,
		`userName eq "a\"b\u00e9]["`,
		`id eq 1e400`,
		`((((userName pr))))`,
		`emails[value eq "x"].value eq "y"`,
		`]. eq "`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFilter(s)
		if err == nil {
			if got == nil {
				t.Fatalf("nil filter and nil error for %q", s)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.ScimType != InvalidFilter {
			t.Fatalf("ParseFilter(%q) error = %#v, want 400 invalidFilter *Error", s, err)
		}
	})
}
