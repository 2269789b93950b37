package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// show renders a Filter compactly so expectations read like the input.
func show(f Filter) string {
	switch t := f.(type) {
	case *Compare:
		if t.Op == "pr" {
			return fmt.Sprintf("%s pr", t.Attr)
		}
		switch v := t.Value.(type) {
		case string:
			return fmt.Sprintf("%s %s %q", t.Attr, t.Op, v)
		default:
			return fmt.Sprintf("%s %s %v(%T)", t.Attr, t.Op, v, v)
		}
	case *And:
		return "and(" + showAll(t.Terms) + ")"
	case *Or:
		return "or(" + showAll(t.Terms) + ")"
	case *Not:
		return "not(" + show(t.Term) + ")"
	}
	return fmt.Sprintf("?%T", f)
}

func showAll(fs []Filter) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = show(f)
	}
	return strings.Join(parts, ", ")
}

func TestParseFilter(t *testing.T) {
	tests := []struct{ in, want string }{
		{`userName eq "bjensen"`, `userName eq "bjensen"`},
		{`UserName EQ "bjensen"`, `userName eq "bjensen"`},
		{`  userName eq "x"  `, `userName eq "x"`},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, `userName eq "x"`},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME sw "x"`, `userName sw "x"`},
		{`externalId eq "0a21"`, `externalId eq "0a21"`},
		{`id eq "5d48"`, `id eq "5d48"`},
		{`id eq 99999999999999999999999`, `id eq "99999999999999999999999"`},
		{`displayName co "Bob"`, `displayName co "Bob"`},
		{`DisplayName eq "BobIsAmazing"`, `displayName eq "BobIsAmazing"`},
		{`name.formatted ew "Bee"`, `name.formatted ew "Bee"`},
		{`emails.value eq "a@b.c"`, `emails.value eq "a@b.c"`},
		{`emails co "@b.c"`, `emails.value co "@b.c"`},
		{`emails[value eq "a@b.c"]`, `emails.value eq "a@b.c"`},
		{`emails[type eq "work"].value eq "a@b.c"`, `emails[type eq "work"].value eq "a@b.c"`},
		{`Emails[Type Eq "Work"].Value Co "@b"`, `emails[type eq "work"].value co "@b"`},
		{`emails[type eq "work"].value pr`, `emails[type eq "work"].value pr`},
		{`emails[type eq "work"]`, `emails[type eq "work"].value pr`},
		{`emails[type eq "work" and value sw "a"]`, `emails[type eq "work"].value sw "a"`},
		{`emails[value sw "a" and type eq "work"]`, `emails[type eq "work"].value sw "a"`},
		{`emails[value eq "a" or value eq "b"]`, `or(emails.value eq "a", emails.value eq "b")`},
		{`emails[type eq "work"].value eq "x]y[z"`, `emails[type eq "work"].value eq "x]y[z"`},
		{`emails[value eq "a].value eq \"b"]`, `emails.value eq "a].value eq \"b"`},
		{`userName eq "x" and emails[type eq "work"].value eq "y" and active eq true`,
			`and(userName eq "x", emails[type eq "work"].value eq "y", active eq true(bool))`},
		{`userName eq "a" or userName eq "b" or userName eq "c"`,
			`or(userName eq "a", userName eq "b", userName eq "c")`},
		{`userName eq "a" or userName eq "b" and active eq false`,
			`or(userName eq "a", and(userName eq "b", active eq false(bool)))`},
		{`(userName eq "a" or userName eq "b") and active eq true`,
			`and(or(userName eq "a", userName eq "b"), active eq true(bool))`},
		{`not (active eq true)`, `not(active eq true(bool))`},
		{`active eq "True"`, `active eq true(bool)`},
		{`active ne FALSE`, `active ne false(bool)`},
		{`active pr`, `active pr`},
		{`userName eq "a\"b"`, `userName eq "a\"b"`},
		{`userName eq "caf\u00e9"`, `userName eq "café"`},
		{`userName eq "back\\slash"`, `userName eq "back\\slash"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			if got := show(f); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseFilterNumberValueIsString(t *testing.T) {
	f, err := ParseFilter(`externalId eq 42`)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := f.(*Compare).Value.(string); !ok || v != "42" {
		t.Fatalf("value = %#v, want string 42", f.(*Compare).Value)
	}
	var _ json.Number // values of string attributes are never json.Number
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct{ in, mention string }{
		{``, "empty"},
		{`   `, "empty"},
		{`active gt true`, `"gt"`},
		{`active co "t"`, `"co"`},
		{`active eq "maybe"`, "true or false"},
		{`nickName eq "x"`, "nickName"},
		{`name.givenName eq "x"`, "name.givenName"},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"`, "department"},
		{`phoneNumbers[type eq "work"]`, "phoneNumbers"},
		{`emails[type eq "home"]`, `type eq "work"`},
		{`emails[value sw "a" and value ew "b"]`, `type eq "work"`},
		{`userName xx "x"`, "syntax"},
		{`userName eq x`, "syntax"},
		{`userName eq 'x'`, "syntax"},
		{`userName eq null`, "null"},
		{`userName eq true`, "string"},
		{`userName eq "x" and`, "syntax"},
		{`userName eq "a\qb"`, "syntax"},
		{`userName eq "` + strings.Repeat("a", MaxFilterBytes) + `"`, "longer"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 60)], func(t *testing.T) {
			_, err := ParseFilter(tt.in)
			e := wantErr(t, err, http.StatusBadRequest, InvalidFilter)
			if !strings.Contains(e.Detail, tt.mention) {
				t.Fatalf("detail %q does not mention %q", e.Detail, tt.mention)
			}
			if strings.Contains(e.Detail, "parse conflict") || strings.Contains(e.Detail, "rune") {
				t.Fatalf("detail leaks the parser's message: %q", e.Detail)
			}
		})
	}
}

// A 4 KiB filter of many or-terms parses and flattens into one Or.
func TestParseFilterLongChainFlattens(t *testing.T) {
	var terms []string
	for i := 0; len(strings.Join(terms, " or ")) < MaxFilterBytes-40; i++ {
		terms = append(terms, fmt.Sprintf(`userName eq "u%d"`, i))
	}
	f, err := ParseFilter(strings.Join(terms, " or "))
	if err != nil {
		t.Fatal(err)
	}
	or, ok := f.(*Or)
	if !ok || len(or.Terms) != len(terms) {
		t.Fatalf("got %T with %d terms, want Or with %d", f, len(or.Terms), len(terms))
	}
}

func TestRewriteFilter(t *testing.T) {
	tests := []struct{ in, want string }{
		{`emails[type eq "work"].value eq "x"`, `emails[type eq "work" and value eq "x"]`},
		{`emails[type eq "work"].value pr and userName eq "y"`, `emails[type eq "work" and value pr] and userName eq "y"`},
		{`(emails[type eq "work"].value eq "x")`, `(emails[type eq "work" and value eq "x"])`},
		{`emails[type eq "a" or type eq "b"].value eq "x"`, `emails[type eq "a" or type eq "b"].value eq "x"`},
		{`userName eq "emails[type eq \"work\"].value eq \"x\""`, `userName eq "emails[type eq \"work\"].value eq \"x\""`},
		{`userName eq "caf\u00e9" and x eq "\\u00e9"`, `userName eq "caf\u00E9" and x eq "\\u00e9"`},
		{`emails[type eq "work"].value`, `emails[type eq "work"].value`},
	}
	for _, tt := range tests {
		if got := rewriteFilter(tt.in); got != tt.want {
			t.Errorf("rewriteFilter(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}
