package lifecycle

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// TestListFilters: every filter form identity providers send returns the
// right users of the seeded directory, never a deleted one; a filter that
// matches nothing is 200 with totalResults 0 and an empty Resources.
func TestListFilters(t *testing.T) {
	s := newStack(t)
	d := seedDirectory(t, s)
	for _, tc := range []struct {
		name, filter string
		want         []string // directory keys
	}{
		{"attribute and operator in capitals", `USERNAME EQ "alice.anders@example.com"`, []string{"alice"}},
		{"userName value compared case-insensitively", `userName Eq "Alice.Anders@EXAMPLE.com"`, []string{"alice"}},
		{"userName of an inactive user", `userName eq "bob.brown@example.com"`, []string{"bob"}},
		{"userName of a deleted user", `userName eq "dana.deleted@example.com"`, nil},
		{"Entra work email form", `emails[type eq "work"].value eq "bob.brown@example.com"`, []string{"bob"}},
		{"work email valuePath form", `emails[type eq "work" and value eq "carol.anders@example.com"]`, []string{"carol"}},
		// The rendering rule: a differing work address takes type work, the
		// userName entry then is type other, so it is not the work email.
		{"userName entry is not work when a work address differs", `emails[type eq "work"].value eq "alice.anders@example.com"`, nil},
		{"emails.value", `emails.value eq "carol.anders@example.com"`, []string{"carol"}},
		{"EMAILS.VALUE in capitals", `EMAILS.VALUE EQ "dave.dunn@example.com"`, []string{"dave"}},
		{"externalId", `externalId eq "ext-alice"`, []string{"alice"}},
		{"externalId of an inactive user", `externalId eq "ext-bob"`, []string{"bob"}},
		{"externalId of a deleted user", `externalId eq "ext-dana"`, nil},
		{"externalId is case-exact", `externalId eq "EXT-ALICE"`, nil},
		{"id", fmt.Sprintf(`id eq %q`, d.id["bob"]), []string{"bob"}},
		{"id of a deleted user", fmt.Sprintf(`id eq %q`, d.id["dana"]), nil},
		{"id unknown", `id eq "5c7a5e4e-0000-4000-8000-000000000000"`, nil},
		{"id and a failing condition", fmt.Sprintf(`id eq %q and active eq true`, d.id["bob"]), nil},
		{"active eq false", `active eq false`, inactiveKeys},
		{"not (active eq true)", `not (active eq true)`, inactiveKeys},
		{"displayName co, deleted holder excluded", `displayName co "anders"`, []string{"alice", "carol"}},
		{"displayName sw", `displayName sw "Car"`, []string{"carol"}},
		{"name.formatted eq", `name.formatted eq "Dave Dunn"`, []string{"dave"}},
		{"userName sw", `userName sw "filler0"`, []string{"filler01", "filler02", "filler03", "filler04", "filler05", "filler06", "filler07", "filler08", "filler09"}},
		{"or in parentheses, and", `(displayName sw "Alice" or displayName sw "Bob") and active eq true`, []string{"alice"}},
		{"or of an and in parentheses", `displayName sw "Alice" or (displayName sw "Bob" and active eq false)`, []string{"alice", "bob"}},
		{"and not", `displayName co "Anders" and not (displayName sw "Carol")`, []string{"alice"}},
		{"zero matches", `displayName eq "Nobody Here"`, nil},
		{"injection attempt", `userName eq "' OR '1'='1"`, nil},
		{"Entra Test Connection", `userName eq "8c4f1c5e-7a35-4a4e-9c1f-2b0e3f3a9d11"`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := listUsers(t, s, query("filter", tc.filter))
			if p.Total != len(tc.want) || !sameSet(p.ids(), d.ids(tc.want...)) {
				t.Fatalf("filter %s: totalResults %d, users %s; want %v", tc.filter, p.Total, describe(d.name, p.ids()), tc.want)
			}
			if p.StartIndex != 1 {
				t.Fatalf("startIndex %d, want 1", p.StartIndex)
			}
		})
	}
	s.NoRejections()
}

// TestListFilterOktaExistenceCheck: Okta's exact request, with startIndex
// and count beside the filter.
func TestListFilterOktaExistenceCheck(t *testing.T) {
	s := newStack(t)
	d := seedDirectory(t, s)
	p := listUsers(t, s, query("filter", `userName eq "carol.anders@example.com"`, "startIndex", "1", "count", "100"))
	if p.Total != 1 || p.ItemsPerPage != 1 || p.StartIndex != 1 || p.ids()[0] != d.id["carol"] {
		t.Fatalf("Okta existence check: %s", p.Raw)
	}
	if u := p.Resources[0]; harness.Str(u, "userName") != "carol.anders@example.com" || u["active"] != true ||
		harness.Str(u, "name.givenName") != "Carol" || harness.Str(u, "name.familyName") != "Anders" {
		t.Fatalf("found user %v", u)
	}
	// Paging a filter's results: the second of nine.
	p = listUsers(t, s, query("filter", `userName sw "filler0"`, "startIndex", "2", "count", "1"))
	if p.Total != 9 || p.ItemsPerPage != 1 || p.StartIndex != 2 {
		t.Fatalf("paged filter: totalResults %d, itemsPerPage %d, startIndex %d; want 9, 1, 2", p.Total, p.ItemsPerPage, p.StartIndex)
	}
	s.NoRejections()
}

// parserInternals are fragments of scim2/filter-parser's own messages
// ("parse conflict [00:001]: expected op.Or or[func ...] but got ...");
// callers must get a detail of ours instead.
var parserInternals = []string{"parse conflict", "op.Or", "func", "int32", "but got", "[00:"}

// TestListFilterErrors: malformed and unsupported filters are 400
// invalidFilter with a detail that names the problem without the parser's
// internals, audited SCIM_USER_LIST_ERROR.
func TestListFilterErrors(t *testing.T) {
	s := newStack(t)
	seedDirectory(t, s)
	long := strings.TrimSuffix(strings.Repeat(`userName eq "someone@example.com" or `, 5*1024/38+1), " or ")
	for _, tc := range []struct{ name, filter, detailNames string }{
		{"ew", `userName ew "example.com"`, "ew"},
		{"gt on a boolean", `active gt false`, "active"},
		{"unknown attribute", `favoriteColor eq "blue"`, "favoriteColor"},
		{"unknown extension attribute", `urn:example:params:custom:shoeSize eq "9"`, ""},
		{"5 KiB filter", long, ""},
		{"missing value", `userName eq`, ""},
		{"unterminated string", `userName eq "unterminated`, ""},
		{"unbalanced parenthesis", `(userName eq "a@example.com"`, ""},
		{"unknown operator", `userName zz "x"`, ""},
		{"unclosed valuePath", `emails[type eq "work"`, ""},
		{"only operators", `and or`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(http.MethodGet, "/Users"+query("filter", tc.filter), s.Writer(), nil)
			r.ExpectSCIMError(t, http.StatusBadRequest, "invalidFilter")
			detail := harness.Str(r.Body, "detail")
			for _, frag := range parserInternals {
				if strings.Contains(detail, frag) {
					t.Fatalf("detail %q shows the parser's internals (%q)", detail, frag)
				}
			}
			if tc.detailNames != "" && !strings.Contains(strings.ToLower(detail), strings.ToLower(tc.detailNames)) {
				t.Fatalf("detail %q does not name %q", detail, tc.detailNames)
			}
		})
	}
	if auditCount(s, "SCIM_USER_LIST_ERROR", "") == 0 {
		t.Error("no SCIM_USER_LIST_ERROR audit entry for the refused filters")
	}
	s.NoRejections()
}
