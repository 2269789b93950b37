package gateway

import (
	"errors"
	"net/http"
	"testing"

	"github.com/caddyscim/caddyscim/internal/scim"
)

// FuzzFilterTranslation: from a caller's filter string to Genesys search
// criteria, nothing panics and every refusal is a 400 SCIM error (the
// filter's fault), never a 5xx. It complements scim's FuzzParseFilter with
// the translation this package adds.
//
//	go test -run=^$ -fuzz=FuzzFilterTranslation -fuzztime=60s ./internal/gateway/
func FuzzFilterTranslation(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen@example.com"`,
		`USERNAME EQ "A@B.C" and active eq false`,
		`emails[type eq "work"].value eq "a@b.c"`,
		`emails[type eq "work" and value eq "a@b.c"]`,
		`externalId eq "x" and displayName co "y"`,
		`id eq "x" or userName sw "a"`,
		`not (displayName sw "A") and (name.formatted co "z" or emails.value pr)`,
		`active ne true`,
		`userName eq "' OR '1'='1"`,
		`displayName ew "x"`,
		`not (not (id eq "1"))`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		filter, err := scim.ParseFilter(s)
		if err != nil {
			return // FuzzParseFilter covers parse failures
		}
		plan, err := planQuery(filter)
		if err == nil {
			if plan == nil {
				t.Fatalf("nil plan and nil error for %q", s)
			}
			return
		}
		var e *scim.Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
			t.Fatalf("planQuery(%q) error = %#v, want a 400 *scim.Error", s, err)
		}
	})
}
