package scim

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseGroupFilter(t *testing.T) {
	tests := []struct{ in, want string }{
		{`displayName eq "Group1"`, `displayName eq "Group1"`},
		{`DISPLAYNAME EQ "Sales"`, `displayName eq "Sales"`},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"`, `displayName eq "x"`},
		{`externalId eq "8aa1"`, `externalId eq "8aa1"`},
		{`id eq 42`, `id eq "42"`},
		{`members eq "u-1"`, `members.value eq "u-1"`},
		{`members.value eq "u-1"`, `members.value eq "u-1"`},
		{`Members.Value eq "u-1"`, `members.value eq "u-1"`},
		{`members[value eq "u-1"]`, `members.value eq "u-1"`},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:members[value eq "u-1"]`, `members.value eq "u-1"`},
		{`members[value eq "u-1" or value eq "u-2"]`, `or(members.value eq "u-1", members.value eq "u-2")`},
		{`id eq "g-1" and members eq "u-1"`, `and(id eq "g-1", members.value eq "u-1")`},
		{`(displayName eq "a" or displayName eq "b") and externalId eq "e"`,
			`and(or(displayName eq "a", displayName eq "b"), externalId eq "e")`},
		{`displayName eq "a\"b\u00e9"`, `displayName eq "a\"bé"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := ParseGroupFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseGroupFilter: %v", err)
			}
			if got := show(f); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseGroupFilterErrors(t *testing.T) {
	tests := []struct{ in, mention string }{
		{``, "empty"},
		{`displayName co "Sal"`, `"co"`},
		{`displayName sw "Sal"`, `"sw"`},
		{`displayName ne "x"`, `"ne"`},
		{`displayName pr`, `"pr"`},
		{`members pr`, `"pr"`},
		{`not (displayName eq "x")`, "not is not supported"},
		{`userName eq "x"`, `"userName"`},
		{`members.display eq "bob"`, `"members.display"`},
		{`members[display eq "bob"]`, `only value eq`},
		{`members[value ne "u-1"]`, `"ne"`},
		{`members[value eq "u-1" and value eq "u-2"]`, `only value eq`},
		{`emails[value eq "x"]`, `"emails[...]"`},
		{`urn:ietf:params:scim:schemas:core:2.0:User:displayName eq "x"`, `User:displayName`},
		{`displayName eq null`, "null"},
		{`displayName eq true`, "string"},
		{`displayName eq x`, "syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseGroupFilter(tt.in)
			e := wantErr(t, err, http.StatusBadRequest, InvalidFilter)
			if !strings.Contains(e.Detail, tt.mention) {
				t.Fatalf("detail %q does not mention %q", e.Detail, tt.mention)
			}
			if tt.in != "" && !strings.Contains(e.Detail, "supported") && !strings.Contains(e.Detail, "syntax") &&
				!strings.Contains(e.Detail, "null") && !strings.Contains(e.Detail, "string") {
				t.Fatalf("detail %q does not say what is supported", e.Detail)
			}
		})
	}
}
