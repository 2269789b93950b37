package scim

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func fullUser() *User {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &User{
		ID: "u-1", ExternalID: "ext-1", UserName: "a@b.c",
		Name:         Name{Formatted: "Ann Bee", GivenName: "Ann", FamilyName: "Bee"},
		DisplayName:  "Ann Bee",
		Emails:       []MultiValue{{Value: "a@b.c", Type: "work", Primary: true}},
		PhoneNumbers: []MultiValue{{Value: "+15551234", Type: "mobile"}},
		Active:       boolPtr(true), Title: "Agent", Password: "s3cret",
		Groups:     []GroupRef{{Value: "g1", Display: "Support"}},
		Department: "Ops", ManagerID: "m-1", DivisionID: "d-1",
		RoutingSkills:    []NamedProficiency{{Name: "Billing", Proficiency: floatPtr(4)}},
		RoutingLanguages: []NamedProficiency{{Name: "English"}},
		Meta: Meta{Created: created, LastModified: created.Add(time.Hour), Version: "7",
			Location: "https://gw/scim/v2/Users/u-1"},
	}
}

func TestEncodeUser(t *testing.T) {
	tests := []struct {
		name string
		user *User
		base string
		want string
	}{
		{
			name: "every mapped attribute, never the password",
			user: fullUser(),
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
			  "urn:ietf:params:scim:schemas:extension:genesys:User",
			  "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User"],
			 "id":"u-1","externalId":"ext-1","userName":"a@b.c",
			 "name":{"formatted":"Ann Bee","givenName":"Ann","familyName":"Bee"},"displayName":"Ann Bee",
			 "emails":[{"value":"a@b.c","type":"work","primary":true}],
			 "phoneNumbers":[{"value":"+15551234","type":"mobile","primary":false}],
			 "active":true,"title":"Agent","groups":[{"value":"g1","display":"Support","type":"direct"}],
			 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Ops","manager":{"value":"m-1"}},
			 "urn:ietf:params:scim:schemas:extension:genesys:User":{"divisionId":"d-1"},
			 "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{
			   "routingSkills":[{"name":"Billing","proficiency":4}],"routingLanguages":[{"name":"English"}]},
			 "meta":{"resourceType":"User","created":"2026-01-02T03:04:05Z","lastModified":"2026-01-02T04:04:05Z",
			   "location":"https://gw/scim/v2/Users/u-1","version":"W/\"7\""}}`,
		},
		{
			name: "with a base URL: meta.location and the groups' $ref are this gateway's, ids escaped",
			user: &User{ID: "u 1", UserName: "x@y.z", Groups: []GroupRef{{Value: "g/1", Display: "Sales"}, {Display: "by name"}},
				Meta: Meta{Location: "https://elsewhere/u", Version: "2"}},
			base: testBase,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u 1","userName":"x@y.z",
			 "groups":[{"value":"g/1","display":"Sales","$ref":"` + testBase + `/Groups/g%2F1","type":"direct"},
			   {"display":"by name","type":"direct"}],
			 "meta":{"resourceType":"User","location":"` + testBase + `/Users/u%201","version":"W/\"2\""}}`,
		},
		{
			name: "absent values omitted, no extensions, zero times omitted",
			user: &User{ID: "u-2", UserName: "x@y.z"},
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u-2","userName":"x@y.z",
			 "meta":{"resourceType":"User"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jsonEqual(t, EncodeUser(tt.user, tt.base), tt.want)
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	u := fullUser()
	body := mustJSON(t, EncodeUser(u, testBase))
	if strings.Contains(string(body), "s3cret") || strings.Contains(string(body), "null") {
		t.Fatalf("encoded body leaks the password or has nulls: %s", body)
	}
	got, err := decodeUserJSON(string(body))
	if err != nil {
		t.Fatal(err)
	}
	want := *u
	want.ID, want.Meta, want.Password = "", Meta{}, ""
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", *got, want)
	}
}
