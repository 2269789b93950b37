package scim

import (
	"errors"
	"net/http"
	"testing"
)

// FuzzParseFilter: whatever the input, ParseFilter and ParseGroupFilter do
// not panic, and a failure is always a 400 *Error (invalidFilter), never a
// parser error.
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
		`id eq "g-1" and members eq "u-1"`,
		`members[value eq "u-1" or value eq "u-2"]`,
		`urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Sales"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []struct {
			name string
			f    func(string) (Filter, error)
		}{{"ParseFilter", ParseFilter}, {"ParseGroupFilter", ParseGroupFilter}} {
			got, err := parse.f(s)
			if err == nil {
				if got == nil {
					t.Fatalf("%s: nil filter and nil error for %q", parse.name, s)
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.ScimType != InvalidFilter {
				t.Fatalf("%s(%q) error = %#v, want 400 invalidFilter *Error", parse.name, s, err)
			}
		}
	})
}
