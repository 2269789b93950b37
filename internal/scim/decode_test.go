package scim

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeUser(t *testing.T) {
	tests := []struct {
		name string
		body string
		want User
	}{
		{
			name: "Entra create (Microsoft's tutorial: Create User)",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			 "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
			 "userName":"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee","active":true,
			 "emails":[{"primary":true,"type":"work","value":"Test_User_11bb11bb@testuser.com"}],
			 "meta":{"resourceType":"User"},
			 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
			 "roles":[]}`,
			want: User{ExternalID: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
				UserName: "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee", Active: boolPtr(true),
				Emails: []MultiValue{{Value: "Test_User_11bb11bb@testuser.com", Type: "work", Primary: true}},
				Name:   Name{Formatted: "givenName familyName", FamilyName: "familyName", GivenName: "givenName"}},
		},
		{
			name: "groups named by display only, by value only, or neither",
			body: `{"userName":"u@x.com","groups":[{"display":"CC Billing"},{"value":"g-1"},{"value":"g-2","display":"Sales"},{"type":"direct"}]}`,
			want: User{UserName: "u@x.com", Groups: []GroupRef{{Display: "CC Billing"}, {Value: "g-1"}, {Value: "g-2", Display: "Sales"}}},
		},
		{
			name: "Entra: nulls are absent, a misspelled extension URN is ignored",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
			 "userName":"u@x.com","addresses":null,"phoneNumbers":null,"preferredLanguage":null,"title":null,
			 "department":null,"manager":null,"active":null,"name":null}`,
			want: User{UserName: "u@x.com"},
		},
		{
			name: "Okta create (Okta's reference: Create Users)",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
			 "name":{"givenName":"Test","familyName":"User"},
			 "emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
			 "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
			 "groups":[],"password":"1mz050nq","active":true}`,
			want: User{UserName: "test.user@okta.local", Name: Name{GivenName: "Test", FamilyName: "User"},
				Emails:      []MultiValue{{Value: "test.user@okta.local", Type: "work", Primary: true}},
				DisplayName: "Test User", ExternalID: "00ujl29u0le5T6Aj10h7", Password: "1mz050nq", Active: boolPtr(true)},
		},
		{
			name: "names case-insensitive at every level, types lower-cased, string booleans",
			body: `{"UserName":"a@b.c","EMAILS":[{"Value":"a@b.c","TYPE":"Work","Primary":"True"},{"value":"h@b.c","type":"HOME"}],
			 "ACTIVE":"false","Name":{"GIVENNAME":"A"},"PhoneNumbers":[{"value":"+1","type":"Mobile"}]}`,
			want: User{UserName: "a@b.c", Active: boolPtr(false), Name: Name{GivenName: "A"},
				Emails:       []MultiValue{{Value: "a@b.c", Type: "work", Primary: true}, {Value: "h@b.c", Type: "home"}},
				PhoneNumbers: []MultiValue{{Value: "+1", Type: "mobile"}}},
		},
		{
			name: "enterprise extension keyed by URN in any case, Postman PascalCase keys",
			body: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":
			 {"Department":"Sales","Manager":{"Value":"m-1","displayName":"Boss"},"employeeNumber":"7"}}`,
			want: User{UserName: "a", Department: "Sales", ManagerID: "m-1"},
		},
		{
			name: "manager as a string id",
			body: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m-2"}}`,
			want: User{UserName: "a", ManagerID: "m-2"},
		},
		{
			name: "manager as Entra's one-element array",
			body: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"$ref":"x","value":"m-3"}]}}`,
			want: User{UserName: "a", ManagerID: "m-3"},
		},
		{
			name: "unqualified enterprise attributes at the top level (as Entra sends them)",
			body: `{"userName":"a","department":"Field","manager":{"value":"m-4"}}`,
			want: User{UserName: "a", Department: "Field", ManagerID: "m-4"},
		},
		{
			name: "URN-qualified top-level keys",
			body: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Ops",
			 "urn:ietf:params:scim:schemas:core:2.0:User:title":"Dr"}`,
			want: User{UserName: "a", Department: "Ops", Title: "Dr"},
		},
		{
			name: "externalId of 255 characters (not bytes)",
			body: `{"userName":"a","externalId":"` + strings.Repeat("é", 255) + `"}`,
			want: User{UserName: "a", ExternalID: strings.Repeat("é", 255)},
		},
		{
			name: "numbers and booleans where strings are expected",
			body: `{"userName":12345,"title":true,"externalId":1.5}`,
			want: User{UserName: "12345", Title: "true", ExternalID: "1.5"},
		},
		{
			name: "Genesys extensions: division and routing by name, numeric strings",
			body: `{"userName":"a","urn:ietf:params:scim:schemas:extension:genesys:User":{"divisionId":"d-1"},
			 "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{
			   "routingSkills":[{"name":"Billing","proficiency":"4"},{"name":"Sales","proficiency":3.5},{"name":"Bare"}],
			   "routingLanguages":[{"name":"English","proficiency":5}]}}`,
			want: User{UserName: "a", DivisionID: "d-1",
				RoutingSkills: []NamedProficiency{{Name: "Billing", Proficiency: floatPtr(4)},
					{Name: "Sales", Proficiency: floatPtr(3.5)}, {Name: "Bare"}},
				RoutingLanguages: []NamedProficiency{{Name: "English", Proficiency: floatPtr(5)}}},
		},
		{
			name: "groups keep value and display (either names a group), Okta's id inside is dropped",
			body: `{"userName":"a","groups":[{"value":"g1","display":"Support","id":"zz"},"g2",{"display":"no value"}]}`,
			want: User{UserName: "a", Groups: []GroupRef{{Value: "g1", Display: "Support"}, {Value: "g2"}, {Display: "no value"}}},
		},
		{
			name: "readOnly and unknown attributes ignored",
			body: `{"id":"client-id","meta":{"version":"W/\"9\""},"schemas":["urn:bogus"],"userName":"a","adreses":[1],
			 "urn:example:custom:1.0:User":{"x":1}}`,
			want: User{UserName: "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeUserJSON(tt.body)
			if err != nil {
				t.Fatalf("DecodeUser: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestDecodeUserErrors(t *testing.T) {
	tests := []struct {
		name, body, scimType, mention string
	}{
		{"active not a boolean", `{"userName":"a","active":"maybe"}`, InvalidValue, "active"},
		{"active a number", `{"userName":"a","active":1}`, InvalidValue, "active"},
		{"emails not an array", `{"userName":"a","emails":{"value":"x"}}`, InvalidValue, "emails"},
		{"name not an object", `{"userName":"a","name":"Bob"}`, InvalidValue, "name"},
		{"two primary emails", `{"userName":"a","emails":[{"value":"x","primary":true},{"value":"y","primary":"true"}]}`, InvalidValue, "emails"},
		{"proficiency not numeric", `{"urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{"routingSkills":[{"name":"s","proficiency":"high"}]}}`, InvalidValue, "proficiency"},
		{"extension not an object", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`, InvalidValue, "enterprise"},
		{"manager with two entries", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"value":"a"},{"value":"b"}]}}`, InvalidValue, "manager"},
		{"externalId over 255 characters", `{"userName":"a","externalId":"` + strings.Repeat("é", 256) + `"}`, InvalidValue, "externalId"},
		{"userName an object", `{"userName":{"a":1}}`, InvalidValue, "userName"},
		{"not an object", `[{"userName":"a"}]`, InvalidSyntax, ""},
		{"malformed", `{"acve": tre}`, InvalidSyntax, ""},
		{"trailing data", `{"userName":"a"} {"userName":"b"}`, InvalidSyntax, ""},
		{"empty", ` `, InvalidSyntax, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeUserJSON(tt.body)
			e := wantErr(t, err, http.StatusBadRequest, tt.scimType)
			if !containsFoldStr(e.Detail, tt.mention) {
				t.Fatalf("detail %q does not name %q", e.Detail, tt.mention)
			}
		})
	}
}

func TestDecodeNeverEchoesPassword(t *testing.T) {
	_, err := decodeUserJSON(`{"userName":"a","password":{"secret":"hunter2"}}`)
	e := wantErr(t, err, http.StatusBadRequest, InvalidValue)
	if containsFoldStr(e.Error(), "hunter2") {
		t.Fatalf("error leaks the value: %v", e)
	}
}

func containsFoldStr(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
