package gateway

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/internal/scim"
)

// stateJSON is the state criterion every list search starts with.
const stateJSON = `{"type":"EXACT","fields":["state"],"values":["active","inactive"],"operator":"AND"}`

func mustFilter(t *testing.T, s string) scim.Filter {
	t.Helper()
	f, err := scim.ParseFilter(s)
	if err != nil {
		t.Fatalf("ParseFilter(%q): %v", s, err)
	}
	return f
}

func TestPlanQuerySearchCriteria(t *testing.T) {
	tests := []struct {
		filter string
		want   string // the query after the state criterion, as JSON
		post   bool
	}{
		{``, ``, false},
		// An EXACT email conjunct yields at most one user, re-checked in
		// memory under the userName rule (the index may fold Unicode).
		{`USERNAME EQ " Alice@Example.COM "`, `{"type":"EXACT","fields":["email"],"value":"alice@example.com","operator":"AND"}`, true},
		{`emails.value eq "Bob@x.org"`, `{"type":"EXACT","fields":["email"],"value":"bob@x.org","operator":"AND"}`, true},
		{`emails[type eq "work"].value eq "W@x.org"`, `{"type":"EXACT","fields":["email"],"value":"w@x.org","operator":"AND"}`, true},
		{`emails[type eq "work" and value eq "w@x.org"]`, `{"type":"EXACT","fields":["email"],"value":"w@x.org","operator":"AND"}`, true},
		{`userName co "ALI"`, `{"type":"CONTAINS","fields":["email"],"value":"ali","operator":"AND"}`, false},
		{`userName sw "al"`, `{"type":"STARTS_WITH","fields":["email"],"value":"al","operator":"AND"}`, false},
		{`userName pr`, `{"type":"REQUIRED_FIELDS","fields":["email"],"operator":"AND"}`, false},
		{`displayName co "Smi"`, `{"type":"CONTAINS","fields":["name"],"value":"Smi","operator":"AND"}`, false},
		{`name.formatted eq "Amy Adams"`, `{"type":"EXACT","fields":["name"],"value":"Amy Adams","operator":"AND"}`, false},
		{`active eq true`, `{"type":"EXACT","fields":["state"],"value":"active","operator":"AND"}`, false},
		{`active ne true`, `{"type":"EXACT","fields":["state"],"value":"inactive","operator":"AND"}`, false},
		{`userName ne "a@b.co"`, `{"operator":"AND","group":[` + stateJSON + `,{"type":"EXACT","fields":["email"],"value":"a@b.co","operator":"NOT"}]}`, false},
		{`displayName sw "A" and active eq false`,
			`{"type":"STARTS_WITH","fields":["name"],"value":"A","operator":"AND"},{"type":"EXACT","fields":["state"],"value":"inactive","operator":"AND"}`, false},
		{`(displayName co "a" or userName sw "b") and not (active eq false)`,
			`{"operator":"AND","group":[{"type":"CONTAINS","fields":["name"],"value":"a","operator":"OR"},{"type":"STARTS_WITH","fields":["email"],"value":"b","operator":"OR"}]},` +
				`{"operator":"AND","group":[` + stateJSON + `,{"type":"EXACT","fields":["state"],"value":"inactive","operator":"NOT"}]}`, false},
		// Constants fold: a userName that is not an email matches nobody.
		{`userName eq "nobody" or displayName eq "X"`, `{"type":"EXACT","fields":["name"],"value":"X","operator":"AND"}`, false},
		{`active pr and userName co ""`, ``, false},
		{`emails[type eq "work"]`, ``, false},
		{`not (userName eq "' OR '1'='1")`, ``, false},
	}
	for _, tt := range tests {
		var f scim.Filter
		if tt.filter != "" {
			f = mustFilter(t, tt.filter)
		}
		p, err := planQuery(f)
		if err != nil {
			t.Errorf("%s: %v", tt.filter, err)
			continue
		}
		if p.none || p.lookup != nil {
			t.Errorf("%s: plan %+v, want a search", tt.filter, p)
			continue
		}
		b, _ := json.Marshal(p.criteria)
		want := "[" + stateJSON
		if tt.want != "" {
			want += "," + tt.want
		}
		want += "]"
		if string(b) != want {
			t.Errorf("%s:\n got %s\nwant %s", tt.filter, b, want)
		}
		if p.postFilter != tt.post {
			t.Errorf("%s: postFilter %v, want %v", tt.filter, p.postFilter, tt.post)
		}
	}
}

func TestPlanQueryShortcuts(t *testing.T) {
	tests := []struct {
		filter string
		none   bool
		lookup string
	}{
		{`userName eq "' OR '1'='1"`, true, ""},
		{`userName eq "not-an-email"`, true, ""},
		{`emails[type eq "work"].value eq "nope"`, true, ""},
		{`displayName eq ""`, true, ""},
		{`not (active pr)`, true, ""},
		{`active eq true and active eq false and userName eq "x"`, true, ""},
		{`id eq "abc"`, false, scim.AttrID},
		{`externalId eq "E1"`, false, scim.AttrExternalID},
		{`externalId eq "E1" and displayName co "a"`, false, scim.AttrExternalID},
		{`id eq "abc" and externalId eq "E1"`, false, scim.AttrID},
		{`id eq "abc" and userName eq "bad"`, true, scim.AttrID},
	}
	for _, tt := range tests {
		p, err := planQuery(mustFilter(t, tt.filter))
		if err != nil {
			t.Errorf("%s: %v", tt.filter, err)
			continue
		}
		got := ""
		if p.lookup != nil {
			got = p.lookup.Attr
		}
		if p.none != tt.none || got != tt.lookup {
			t.Errorf("%s: none=%v lookup=%q, want none=%v lookup=%q", tt.filter, p.none, got, tt.none, tt.lookup)
		}
	}
}

func TestPlanQueryUnsupported(t *testing.T) {
	tests := []struct{ filter, mention string }{
		{`userName ew "x.com"`, "userName ew"},
		{`displayName gt "a"`, "displayName gt"},
		{`id co "ab"`, "id co"},
		{`id ne "ab"`, "id ne"},
		{`externalId sw "E"`, "externalId sw"},
		{`externalId pr`, "externalId pr"},
		{`id eq "a" or userName eq "b@c.de"`, "id eq"},
		{`not (externalId eq "E1")`, "externalId eq"},
		{`emails[type eq "work"].value co "x"`, `emails[type eq "work"].value co`},
		{`emails[type eq "work"].value ne "x@y.z"`, `emails[type eq "work"].value ne`},
		{`userName eq "a@b.co" or emails[type eq "work"].value eq "x@y.z"`, `emails[type eq "work"].value eq`},
	}
	for _, tt := range tests {
		f, err := scim.ParseFilter(tt.filter)
		if err == nil {
			_, err = planQuery(f)
		}
		var se *scim.Error
		if !errors.As(err, &se) || se.Status != 400 || se.ScimType != scim.InvalidFilter {
			t.Errorf("%s: err %v, want 400 invalidFilter", tt.filter, err)
			continue
		}
		if !strings.Contains(se.Detail, tt.mention) {
			t.Errorf("%s: detail %q does not name %q", tt.filter, se.Detail, tt.mention)
		}
	}
}

func TestMatchesInMemory(t *testing.T) {
	on, off := true, false
	alice := &scim.User{ID: "id-1", ExternalID: "E1", UserName: "alice@example.com",
		Name: scim.Name{Formatted: "Alice Smith"}, DisplayName: "Alice Smith", Active: &on,
		Emails: []scim.MultiValue{{Value: "alice@example.com", Type: "other", Primary: true}, {Value: "al@work.example", Type: "work"}}}
	bob := &scim.User{ID: "id-2", UserName: "bob@example.com", DisplayName: "Bob", Name: scim.Name{Formatted: "Bob"}, Active: &off,
		Emails: []scim.MultiValue{{Value: "bob@example.com", Type: "work", Primary: true}}}
	tests := []struct {
		filter     string
		alice, bob bool
	}{
		{`userName eq "ALICE@example.com "`, true, false},
		{`emails[type eq "work"].value eq "alice@example.com"`, false, false},
		{`emails[type eq "work"].value eq "AL@work.example"`, true, false},
		{`emails[type eq "work"].value eq "bob@example.com"`, false, true},
		{`emails.value eq "al@work.example"`, true, false},
		{`id eq "id-1" and externalId eq "E1"`, true, false},
		{`externalId eq "e1"`, false, false},
		{`active eq false`, false, true},
		{`active ne false`, true, false},
		{`displayName co "smi" or displayName sw "B"`, true, true},
		{`not (displayName co "smi") and name.formatted eq "bob"`, false, true},
		{`userName ne "bob@example.com"`, true, false},
	}
	for _, tt := range tests {
		f := mustFilter(t, tt.filter)
		if got := matches(f, alice); got != tt.alice {
			t.Errorf("%s on alice = %v", tt.filter, got)
		}
		if got := matches(f, bob); got != tt.bob {
			t.Errorf("%s on bob = %v", tt.filter, got)
		}
	}
}
