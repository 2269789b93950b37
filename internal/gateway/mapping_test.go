package gateway

import (
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

func ptr[T any](v T) *T { return &v }

// wantBadValue fails unless err is a 400 invalidValue.
func wantBadValue(t *testing.T, err error) {
	t.Helper()
	var se *scim.Error
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.ScimType != scim.InvalidValue {
		t.Fatalf("err = %v, want 400 invalidValue", err)
	}
}

func TestNormaliseEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"  Alice@Example.COM ", "alice@example.com", true},
		{"alice@example.com", "alice@example.com", true},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk", true},
		{"", "", false},
		{"   ", "", false},
		{"alice", "", false},
		{"alice@", "", false},
		{"@example.com", "", false},
		{"alice@localhost", "", false},
		{"Alice <alice@example.com>", "", false},
		{"a b@example.com", "", false},
		{"alice@example.com.", "", false},
		{"a@[127.0.0.1]", "", false}, // a domain literal: Genesys refuses it
		{"a@[example.com]", "", false},
		{"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee", "", false},
		{string(make([]byte, 300)) + "@example.com", "", false},
	}
	for _, tt := range tests {
		got, err := normaliseEmail("userName", tt.in)
		if !tt.ok {
			wantBadValue(t, err)
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("normaliseEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestProfileFromSCIM(t *testing.T) {
	tests := []struct {
		name string
		in   scim.User
		want profile // compared on the fields set below
	}{
		{
			name: "okta shape: given and family names, work email equal to userName",
			in: scim.User{UserName: "test.user@okta.local", Name: scim.Name{GivenName: "Test", FamilyName: "User"},
				DisplayName: "Display Only", Emails: []scim.MultiValue{{Value: "test.user@okta.local", Type: "work", Primary: true}},
				ExternalID: "00ujl29u0le5T6Aj10h7", Password: "1mz050nq", Active: ptr(true)},
			want: profile{Email: "test.user@okta.local", Name: "Test User", ExternalID: "00ujl29u0le5T6Aj10h7", Password: "1mz050nq", Active: ptr(true)},
		},
		{
			name: "entra shape: formatted name wins, differing work email kept",
			in: scim.User{UserName: "  Alice@Example.COM ", Name: scim.Name{Formatted: "Alice Q. Smith", GivenName: "A", FamilyName: "S"},
				Emails: []scim.MultiValue{{Value: "Alice.Alt@Example.com", Type: "work", Primary: true}}},
			want: profile{Email: "alice@example.com", Name: "Alice Q. Smith", WorkEmail: "alice.alt@example.com"},
		},
		{
			name: "no userName: the primary email serves",
			in: scim.User{Emails: []scim.MultiValue{{Value: "home@example.com", Type: "home"}, {Value: "Bob@Example.com", Type: "work", Primary: true}},
				DisplayName: "Bob B"},
			want: profile{Email: "bob@example.com", Name: "Bob B"},
		},
		{
			name: "no userName, no primary: the first email serves",
			in:   scim.User{Emails: []scim.MultiValue{{Value: "first@example.com", Type: "home"}, {Value: "second@example.com", Type: "other"}}},
			want: profile{Email: "first@example.com", Name: "first@example.com"},
		},
		{
			name: "home and other emails are not mapped",
			in:   scim.User{UserName: "c@example.com", Emails: []scim.MultiValue{{Value: "x@example.com", Type: "home"}, {Value: "y@example.com", Type: "other"}}},
			want: profile{Email: "c@example.com", Name: "c@example.com"},
		},
		{
			name: "only a family name",
			in:   scim.User{UserName: "d@example.com", Name: scim.Name{FamilyName: "Doe"}},
			want: profile{Email: "d@example.com", Name: "Doe"},
		},
		{
			name: "enterprise, division, phones",
			in: scim.User{UserName: "e@example.com", Title: " Agent ", Department: "Support", ManagerID: "mgr-1", DivisionID: "5e3c9a1f-0b7d-4c2e-9a61-3f8d2b7c4e10",
				PhoneNumbers: []scim.MultiValue{
					{Value: "+1 555 0100", Type: "work"}, {Value: "+1 555 0101", Type: "work", Primary: true},
					{Value: "+1 555 0102", Type: "mobile"}, {Value: "+1 555 0103", Type: "fax"}, {Value: "+1 555 0104", Type: "home"},
				}},
			want: profile{Email: "e@example.com", Name: "e@example.com", Title: "Agent", Department: "Support", ManagerID: "mgr-1", DivisionID: "5e3c9a1f-0b7d-4c2e-9a61-3f8d2b7c4e10",
				Phones: []genesys.Contact{
					{Address: "+1 555 0101", MediaType: "PHONE", Type: "WORK"},
					{Address: "+1 555 0102", MediaType: "PHONE", Type: "MOBILE"},
					{Address: "+1 555 0104", MediaType: "PHONE", Type: "HOME"},
				}},
		},
		{
			name: "extension skills default to proficiency 3",
			in: scim.User{UserName: "f@example.com", RoutingSkills: []scim.NamedProficiency{{Name: " Billing "}, {Name: "Sales", Proficiency: ptr(4.5)}},
				RoutingLanguages: []scim.NamedProficiency{{Name: "Spanish", Proficiency: ptr(0.0)}}},
			want: profile{Email: "f@example.com", Name: "f@example.com",
				Skills:    []scim.NamedProficiency{{Name: "Billing", Proficiency: ptr(3.0)}, {Name: "Sales", Proficiency: ptr(4.5)}},
				Languages: []scim.NamedProficiency{{Name: "Spanish", Proficiency: ptr(0.0)}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := profileFromSCIM(&tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestProfileFromSCIMRejects(t *testing.T) {
	tests := []struct {
		name string
		in   scim.User
	}{
		{"nothing to use as userName", scim.User{DisplayName: "Nobody"}},
		{"userName not an email", scim.User{UserName: "Test_User_00aa00aa"}},
		{"two primary emails", scim.User{UserName: "a@example.com", Emails: []scim.MultiValue{{Value: "a@example.com", Primary: true}, {Value: "b@example.com", Primary: true}}}},
		{"primary email not an email", scim.User{Emails: []scim.MultiValue{{Value: "not-an-email", Primary: true}}}},
		{"work email not an email", scim.User{UserName: "a@example.com", Emails: []scim.MultiValue{{Value: "nope", Type: "work"}}}},
		{"skill without a name", scim.User{UserName: "a@example.com", RoutingSkills: []scim.NamedProficiency{{Name: " "}}}},
		{"skill proficiency above 5", scim.User{UserName: "a@example.com", RoutingSkills: []scim.NamedProficiency{{Name: "X", Proficiency: ptr(6.0)}}}},
		{"divisionId not a Genesys id", scim.User{UserName: "a@example.com", DivisionID: "div-1"}},
		{"divisionId a dot segment", scim.User{UserName: "a@example.com", DivisionID: ".."}},
		{"language proficiency below 0", scim.User{UserName: "a@example.com", RoutingLanguages: []scim.NamedProficiency{{Name: "X", Proficiency: ptr(-1.0)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := profileFromSCIM(&tt.in)
			wantBadValue(t, err)
		})
	}
}

func TestAddresses(t *testing.T) {
	p := profile{WorkEmail: "alt@example.com", Phones: []genesys.Contact{
		{Address: "1", MediaType: "PHONE", Type: "WORK"}, {Address: "2", MediaType: "PHONE", Type: "WORK"},
		{Address: "3", MediaType: "PHONE", Type: "HOME"},
	}}
	want := []genesys.Contact{
		{Address: "alt@example.com", MediaType: "EMAIL", Type: "WORK"},
		{Address: "1", MediaType: "PHONE", Type: "WORK"},
		{Address: "3", MediaType: "PHONE", Type: "HOME"},
	}
	if got := p.addresses(); !reflect.DeepEqual(got, want) {
		t.Errorf("addresses() = %+v, want %+v", got, want)
	}
	empty := (&profile{}).addresses()
	if empty == nil || len(empty) != 0 {
		t.Errorf("addresses() of an empty profile = %#v, want an empty non-nil slice (clears on replace)", empty)
	}
}

func TestUserToSCIM(t *testing.T) {
	tests := []struct {
		name string
		in   genesys.User
		ext  string
		want scim.User
	}{
		{
			name: "plain active user",
			in:   genesys.User{ID: "u1", Name: "Mary Ann Smith", Email: "mary@example.com", State: "active", Version: 7},
			ext:  "HR-1",
			want: scim.User{ID: "u1", ExternalID: "HR-1", UserName: "mary@example.com",
				Name:        scim.Name{Formatted: "Mary Ann Smith", GivenName: "Mary Ann", FamilyName: "Smith"},
				DisplayName: "Mary Ann Smith", Active: ptr(true),
				Emails: []scim.MultiValue{{Value: "mary@example.com", Type: "work", Primary: true}},
				Meta:   scim.Meta{Version: "7"}},
		},
		{
			name: "differing work email: userName becomes type other",
			in: genesys.User{ID: "u2", Name: "Cher", Email: "cher@example.com", State: "inactive", Version: 2,
				Title: "Singer", Department: "Music", Manager: &genesys.Ref{ID: "m1"}, Division: &genesys.Ref{ID: "d1", Name: "Home"},
				Addresses: []genesys.Contact{
					{Address: "Cher.Work@example.com", MediaType: "EMAIL", Type: "WORK"},
					{Address: "+15550100", MediaType: "PHONE", Type: "WORK"},
					{Address: "+15550101", MediaType: "PHONE", Type: "MOBILE"},
					{Address: "+15550102", MediaType: "PHONE", Type: "OTHER"},
				}},
			want: scim.User{ID: "u2", UserName: "cher@example.com",
				Name:        scim.Name{Formatted: "Cher", FamilyName: "Cher"},
				DisplayName: "Cher", Active: ptr(false), Title: "Singer", Department: "Music", ManagerID: "m1", DivisionID: "d1",
				Emails:       []scim.MultiValue{{Value: "cher@example.com", Type: "other", Primary: true}, {Value: "Cher.Work@example.com", Type: "work"}},
				PhoneNumbers: []scim.MultiValue{{Value: "+15550100", Type: "work"}, {Value: "+15550101", Type: "mobile"}},
				Meta:         scim.Meta{Version: "2"}},
		},
		{
			name: "work address equal to the email is not a second email",
			in: genesys.User{ID: "u3", Name: "A B", Email: "ab@example.com", State: "active", Version: 1,
				Addresses: []genesys.Contact{{Address: "AB@example.com", MediaType: "EMAIL", Type: "WORK"}}},
			want: scim.User{ID: "u3", UserName: "ab@example.com", Name: scim.Name{Formatted: "A B", GivenName: "A", FamilyName: "B"},
				DisplayName: "A B", Active: ptr(true), Emails: []scim.MultiValue{{Value: "ab@example.com", Type: "work", Primary: true}},
				Meta: scim.Meta{Version: "1"}},
		},
		{
			name: "expanded skills and languages",
			in: genesys.User{ID: "u4", Name: "S", Email: "s@example.com", State: "active", Version: 1,
				Skills:    []genesys.UserRoutingSkill{{ID: "s1", Name: "Billing", Proficiency: 4}},
				Languages: []genesys.UserRoutingLanguage{{ID: "l1", Name: "Spanish", Proficiency: 2}}},
			want: scim.User{ID: "u4", UserName: "s@example.com", Name: scim.Name{Formatted: "S", FamilyName: "S"}, DisplayName: "S",
				Active: ptr(true), Emails: []scim.MultiValue{{Value: "s@example.com", Type: "work", Primary: true}},
				RoutingSkills:    []scim.NamedProficiency{{Name: "Billing", Proficiency: ptr(4.0)}},
				RoutingLanguages: []scim.NamedProficiency{{Name: "Spanish", Proficiency: ptr(2.0)}},
				Meta:             scim.Meta{Version: "1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := userToSCIM(&tt.in, tt.ext)
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
			if got.Password != "" {
				t.Error("password rendered")
			}
		})
	}
}

// A user survives the round trip SCIM -> profile -> Genesys -> SCIM on the
// attributes the mapping keeps.
func TestMappingRoundTrip(t *testing.T) {
	in := scim.User{UserName: "Round@Trip.example", Name: scim.Name{GivenName: "Round", FamilyName: "Trip"},
		Emails:       []scim.MultiValue{{Value: "rt.work@trip.example", Type: "work"}},
		PhoneNumbers: []scim.MultiValue{{Value: "+1555", Type: "mobile"}}, Title: "T", Department: "D"}
	p, err := profileFromSCIM(&in)
	if err != nil {
		t.Fatal(err)
	}
	gu := genesys.User{ID: "x", Name: p.Name, Email: p.Email, State: desiredState(p), Title: p.Title, Department: p.Department,
		Addresses: p.addresses(), Version: 1}
	out := userToSCIM(&gu, "")
	if out.UserName != "round@trip.example" || out.Name.GivenName != "Round" || out.Name.FamilyName != "Trip" ||
		len(out.Emails) != 2 || out.Emails[1].Value != "rt.work@trip.example" || out.Emails[1].Type != "work" ||
		len(out.PhoneNumbers) != 1 || out.PhoneNumbers[0].Type != "mobile" || !*out.Active {
		t.Errorf("round trip lost data: %+v", out)
	}
	back, err := profileFromSCIM(out)
	if err != nil {
		t.Fatal(err)
	}
	if back.Email != p.Email || back.WorkEmail != p.WorkEmail || back.Name != p.Name || !reflect.DeepEqual(back.Phones, p.Phones) {
		t.Errorf("profile changed over a round trip: %+v vs %+v", back, p)
	}
}
