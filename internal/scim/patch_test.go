package scim

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func baseUser() *User {
	return &User{ID: "u-1", UserName: "a@b.c",
		Name:        Name{Formatted: "Ann Bee", GivenName: "Ann", FamilyName: "Bee"},
		DisplayName: "Ann Bee", Title: "Agent", Active: boolPtr(true),
		Emails:     []MultiValue{{Value: "a@b.c", Type: "work", Primary: true}},
		Groups:     []GroupRef{{Value: "g1", Display: "Support"}},
		Department: "Ops", ManagerID: "m-0",
		Meta: Meta{Version: "3"}}
}

// patchBody wraps operations in a PatchOp body.
func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
}

func TestPatchApply(t *testing.T) {
	tests := []struct {
		name string
		ops  string
		want func(u *User)
	}{
		{"Entra multi-valued update (Microsoft's tutorial: Update User [Multi-valued properties])",
			`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
			 {"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}`,
			func(u *User) {
				u.Emails[0].Value = "updatedEmail@microsoft.com"
				u.Name.FamilyName = "updatedFamilyName"
			}},
		{"Entra single-valued update (Microsoft's tutorial: Update User [Single-valued properties])",
			`{"op":"Replace","path":"userName","value":"5b50642d@testuser.com"}`,
			func(u *User) { u.UserName = "5b50642d@testuser.com" }},
		{"Entra disable (Microsoft's tutorial: Disable User, aadOptscim062020)", `{"op":"replace","path":"active","value":false}`,
			func(u *User) { u.Active = boolPtr(false) }},
		{"Entra legacy disable: string False (Microsoft's known issues, without aadOptscim062020)", `{"op":"Replace","path":"active","value":"False"}`,
			func(u *User) { u.Active = boolPtr(false) }},
		{"Entra legacy add of a single string (Microsoft's known issues, without aadOptscim062020)", `{"op":"Add","path":"title","value":"Lead"}`,
			func(u *User) { u.Title = "Lead" }},
		{"Entra path-less replace with dotted and URN keys (Microsoft's known issues, aadOptscim062020)",
			`{"op":"replace","path":"emails[type eq \"work\"].value","value":"n@b.c"},
			 {"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua",
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}`,
			func(u *User) {
				u.Emails[0].Value = "n@b.c"
				u.DisplayName, u.Name.GivenName, u.Name.FamilyName = "Bjfe", "Kkom", "Unua"
			}},
		{"Entra legacy one Replace per path (Microsoft's known issues, without aadOptscim062020)",
			`{"op":"Replace","path":"displayName","value":"D"},{"op":"Replace","path":"name.givenName","value":"G"},
			 {"op":"Replace","path":"externalId","value":"E"},
			 {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"7"},
			 {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Sales"}`,
			func(u *User) { u.DisplayName, u.Name.GivenName, u.ExternalID, u.Department = "D", "G", "E", "Sales" }},
		{"Entra manager add as an array (Microsoft's tutorial)",
			`{"op":"Add","path":"manager","value":[{"$ref":"http://example.com/Users/00aa","value":"00aa"}]}`,
			func(u *User) { u.ManagerID = "00aa" }},
		{"manager replace with a string id", `{"op":"replace","path":"manager","value":"m-9"}`,
			func(u *User) { u.ManagerID = "m-9" }},
		{"manager replace with an object, URN-qualified",
			`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m-8"}}`,
			func(u *User) { u.ManagerID = "m-8" }},
		{"manager.value sub-attribute",
			`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"m-7"}`,
			func(u *User) { u.ManagerID = "m-7" }},
		{"manager cleared with an empty value (Microsoft validator)", `{"op":"Replace","path":"manager","value":""}`,
			func(u *User) { u.ManagerID = "" }},
		{"manager cleared with an empty object value", `{"op":"replace","path":"manager","value":{"value":""}}`,
			func(u *User) { u.ManagerID = "" }},
		{"manager removed", `{"op":"remove","path":"manager"}`,
			func(u *User) { u.ManagerID = "" }},
		{"Okta deactivate (Okta's reference: Deactivate Users)", `{"op":"replace","value":{"active":false}}`,
			func(u *User) { u.Active = boolPtr(false) }},
		{"Okta password sync", `{"op":"replace","value":{"password":"n3w"}}`,
			func(u *User) { u.Password = "n3w" }},
		{"value path with an object value merges into the entry",
			`{"op":"replace","path":"emails[type eq \"work\"]","value":{"value":"w@b.c"}}`,
			func(u *User) { u.Emails[0].Value = "w@b.c" }},
		{"value path matching nothing creates the entry with that type (Entra)",
			`{"op":"add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+15550001"},
			 {"op":"replace","path":"emails[type eq \"other\"].value","value":"o@b.c"}`,
			func(u *User) {
				u.PhoneNumbers = []MultiValue{{Value: "+15550001", Type: "mobile"}}
				u.Emails = append(u.Emails, MultiValue{Value: "o@b.c", Type: "other"})
			}},
		{"value path filter with a lower-case \\u escape",
			`{"op":"replace","path":"emails[type eq \"w\\u006frk\"].value","value":"u@b.c"}`,
			func(u *User) { u.Emails[0].Value = "u@b.c" }},
		{"value path type compares case-insensitively",
			`{"op":"replace","path":"emails[Type eq \"WORK\"].value","value":"c@b.c"}`,
			func(u *User) { u.Emails[0].Value = "c@b.c" }},
		{"remove with a value path matching nothing is a no-op",
			`{"op":"remove","path":"emails[type eq \"home\"].value"},{"op":"remove","path":"phoneNumbers[type eq \"work\"]"}`,
			func(u *User) {}},
		{"remove a matched entry", `{"op":"remove","path":"emails[type eq \"work\"]"}`,
			func(u *User) { u.Emails = nil }},
		{"remove the value of a matched entry drops it", `{"op":"remove","path":"emails[type eq \"work\"].value"}`,
			func(u *User) { u.Emails = nil }},
		{"unmapped core and enterprise attributes are accepted and ignored",
			`{"op":"replace","path":"nickName","value":"x"},{"op":"add","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main"},
			 {"op":"replace","path":"name.middleName","value":"Q"},{"op":"remove","path":"preferredLanguage"},
			 {"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter","value":"c"},
			 {"op":"replace","path":"emails[type eq \"work\"].display","value":"W"},
			 {"op":"replace","value":{"locale":"en-US","timezone":"UTC","userType":"Employee","roles":[]}}`,
			func(u *User) {}},
		{"groups add merges by value, Okta's id inside values is ignored",
			`{"op":"add","path":"groups","value":[{"value":"g2","display":"Sales","id":"x"},{"value":"G1","display":"Support 2"}]}`,
			func(u *User) {
				u.Groups = []GroupRef{{Value: "G1", Display: "Support 2"}, {Value: "g2", Display: "Sales"}}
			}},
		{"groups $ref and type are rendered, not written: accepted and ignored",
			`{"op":"replace","path":"groups[value eq \"g1\"].type","value":"indirect"},{"op":"remove","path":"groups.$ref"},
			 {"op":"add","path":"groups","value":[{"value":"g1","$ref":"https://x/Groups/g1","type":"direct"}]}`,
			func(u *User) {}},
		{"groups add of a single object", `{"op":"add","path":"groups","value":{"value":"g3"}}`,
			func(u *User) { u.Groups = append(u.Groups, GroupRef{Value: "g3"}) }},
		{"groups remove by value filter", `{"op":"remove","path":"groups[value eq \"g1\"]"}`,
			func(u *User) { u.Groups = nil }},
		{"Entra legacy remove listing the entries in value",
			`{"op":"add","path":"groups","value":[{"value":"g2"}]},{"op":"Remove","path":"groups","value":[{"value":"G1"}]}`,
			func(u *User) { u.Groups = []GroupRef{{Value: "g2"}} }},
		{"remove without value clears the attribute", `{"op":"remove","path":"groups"}`,
			func(u *User) { u.Groups = nil }},
		{"groups replace", `{"op":"replace","path":"groups","value":[{"value":"g9"}]}`,
			func(u *User) { u.Groups = []GroupRef{{Value: "g9"}} }},
		{"a whole extension by URN path merges its attributes",
			`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"Department":"X"}}`,
			func(u *User) { u.Department = "X" }},
		{"path-less value with an extension URN key holding an object",
			`{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Y","manager":{"value":"m-5"}}}}`,
			func(u *User) { u.Department, u.ManagerID = "Y", "m-5" }},
		{"adding a primary email demotes the old primary",
			`{"op":"add","path":"emails","value":[{"value":"p@b.c","type":"work","primary":true}]}`,
			func(u *User) {
				u.Emails = []MultiValue{{Value: "a@b.c", Type: "work"}, {Value: "p@b.c", Type: "work", Primary: true}}
			}},
		{"replace with null clears; add with null changes nothing",
			`{"op":"replace","path":"title","value":null},{"op":"add","path":"displayName","value":null}`,
			func(u *User) { u.Title = "" }},
		{"name replaced as an object merges sub-attributes",
			`{"op":"replace","path":"name","value":{"givenName":"Zed"}}`,
			func(u *User) { u.Name.GivenName = "Zed" }},
		{"name removed", `{"op":"remove","path":"name"}`, func(u *User) { u.Name = Name{} }},
		{"Genesys extensions", `{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:genesys:User:divisionId","value":"d-2"},
			 {"op":"add","path":"urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:routingSkills",
			  "value":[{"name":"Billing","proficiency":"2"}]}`,
			func(u *User) {
				u.DivisionID = "d-2"
				u.RoutingSkills = []NamedProficiency{{Name: "Billing", Proficiency: floatPtr(2)}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePatchJSON(patchBody(tt.ops))
			if err != nil {
				t.Fatalf("ParsePatch: %v", err)
			}
			in := baseUser()
			got, err := p.ApplyTo(in)
			if err != nil {
				t.Fatalf("ApplyTo: %v", err)
			}
			want := baseUser()
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", *got, *want)
			}
			if !reflect.DeepEqual(in, baseUser()) {
				t.Fatalf("ApplyTo modified its input: %+v", *in)
			}
			again, err := p.ApplyTo(baseUser())
			if err != nil || !reflect.DeepEqual(again, want) {
				t.Fatalf("second ApplyTo differs (aliasing?): %+v, %v", again, err)
			}
		})
	}
}

func TestParsePatchShapes(t *testing.T) {
	body := `{"SCHEMAS":["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],"operations":[
	  {"OP":"Add","PATH":"title","VALUE":"x"},
	  {"op":"replace","value":{"name.givenName":"G","nickName":"n"}}]}`
	p, err := parsePatchJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range p.Ops {
		got = append(got, o.Op+" "+o.Path+" ignored="+map[bool]string{true: "y", false: "n"}[o.Ignored])
	}
	want := []string{"add title ignored=n", "replace name.givenName ignored=n", "replace nickName ignored=y"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ops = %q, want %q", got, want)
	}
}

func TestParsePatchErrors(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		scimType   string
	}{
		{"not JSON", `{"schemas":`, 400, InvalidSyntax},
		{"schemas missing", `{"Operations":[{"op":"replace","path":"title","value":"x"}]}`, 400, InvalidSyntax},
		{"schemas wrong", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"replace","path":"title","value":"x"}]}`, 400, InvalidSyntax},
		{"Operations missing", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, 400, InvalidSyntax},
		{"Operations empty", patchBody(``), 400, InvalidSyntax},
		{"operation not an object", patchBody(`"replace"`), 400, InvalidSyntax},
		{"unknown op", patchBody(`{"op":"copy","path":"title","value":"x"}`), 400, InvalidSyntax},
		{"remove without path", patchBody(`{"op":"remove"}`), 400, NoTarget},
		{"add without value", patchBody(`{"op":"add","path":"title"}`), 400, InvalidValue},
		{"path-less value not an object", patchBody(`{"op":"replace","value":"x"}`), 400, InvalidValue},
		{"path not a string", patchBody(`{"op":"replace","path":7,"value":"x"}`), 400, InvalidPath},
		{"id is readOnly", patchBody(`{"op":"replace","path":"id","value":"x"}`), 400, Mutability},
		{"meta is readOnly", patchBody(`{"op":"replace","path":"meta.version","value":"x"}`), 400, Mutability},
		{"id in a path-less value", patchBody(`{"op":"replace","value":{"id":"x","active":false}}`), 400, Mutability},
		{"unknown core attribute", patchBody(`{"op":"replace","path":"favouriteColour","value":"x"}`), 400, InvalidPath},
		{"unknown schema", patchBody(`{"op":"replace","path":"urn:example:custom:2.0:User:x","value":"x"}`), 400, InvalidPath},
		{"unknown Genesys attribute", patchBody(`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:genesys:User:foo","value":"x"}`), 400, InvalidPath},
		{"malformed path", patchBody(`{"op":"replace","path":"emails[type eq","value":"x"}`), 400, InvalidPath},
		{"two sub-attribute levels", patchBody(`{"op":"replace","path":"name.givenName.x","value":"x"}`), 400, InvalidPath},
		{"sub-attribute of a simple attribute", patchBody(`{"op":"replace","path":"title.x","value":"x"}`), 400, InvalidPath},
		{"unknown sub-attribute", patchBody(`{"op":"replace","path":"name.nick","value":"x"}`), 400, InvalidPath},
		{"filter on a single-valued attribute", patchBody(`{"op":"replace","path":"userName[type eq \"x\"]","value":"x"}`), 400, InvalidPath},
		{"unsupported filter operator", patchBody(`{"op":"replace","path":"emails[type ne \"work\"].value","value":"x"}`), 400, InvalidFilter},
		{"filter on a readOnly sub-attribute", patchBody(`{"op":"remove","path":"groups[type eq \"direct\"]"}`), 400, InvalidFilter},
		{"active not a boolean", patchBody(`{"op":"replace","path":"active","value":"maybe"}`), 400, InvalidValue},
		{"Okta active not a boolean", patchBody(`{"op":"replace","value":{"active":"nope"}}`), 400, InvalidValue},
		{"emails not an array", patchBody(`{"op":"replace","path":"emails","value":"x"}`), 400, InvalidValue},
		{"name not an object", patchBody(`{"op":"replace","path":"name","value":"x"}`), 400, InvalidValue},
		{"two primaries in one value", patchBody(`{"op":"replace","path":"emails","value":[{"value":"a","primary":true},{"value":"b","primary":true}]}`), 400, InvalidValue},
		{"externalId over 255 characters", patchBody(`{"op":"replace","path":"externalId","value":"` + strings.Repeat("x", 256) + `"}`), 400, InvalidValue},
		{"path-less externalId over 255 characters", patchBody(`{"op":"add","value":{"externalId":"` + strings.Repeat("x", 256) + `"}}`), 400, InvalidValue},
		{"remove userName", patchBody(`{"op":"remove","path":"userName"}`), 400, InvalidValue},
		{"remove userName, URN-qualified, after a good operation", patchBody(`{"op":"replace","path":"title","value":"x"},
		  {"op":"Remove","path":"urn:ietf:params:scim:schemas:core:2.0:User:USERNAME"}`), 400, InvalidValue},
		{"replace userName with null", patchBody(`{"op":"replace","path":"userName","value":null}`), 400, InvalidValue},
		{"replace userName with an empty string", patchBody(`{"op":"Replace","path":"userName","value":""}`), 400, InvalidValue},
		{"add a blank userName", patchBody(`{"op":"add","path":"userName","value":"  "}`), 400, InvalidValue},
		{"path-less replace with a null userName", patchBody(`{"op":"replace","value":{"userName":null,"title":"x"}}`), 400, InvalidValue},
		{"remove the whole core schema", patchBody(`{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:User"}`), 400, InvalidValue},
		{"one bad operation among good ones", patchBody(`{"op":"replace","path":"title","value":"x"},{"op":"replace","path":"bogus","value":"x"}`), 400, InvalidPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePatchJSON(tt.body)
			if p != nil {
				t.Fatalf("got a patch with an error: %+v", p)
			}
			wantErr(t, err, tt.status, tt.scimType)
		})
	}
}

func TestParsePatchUserNameRemovalNamesIt(t *testing.T) {
	_, err := parsePatchJSON(patchBody(`{"op":"add","path":"title","value":"x"},{"op":"remove","path":"userName"}`))
	e := wantErr(t, err, http.StatusBadRequest, InvalidValue)
	if !strings.Contains(e.Detail, "operation 2") || !strings.Contains(e.Detail, `"userName"`) || !strings.Contains(e.Detail, "required") {
		t.Fatalf("detail %q should name operation 2, userName and why", e.Detail)
	}
	// add with null adds nothing, and leaves userName alone.
	if _, err := parsePatchJSON(patchBody(`{"op":"add","path":"userName","value":null}`)); err != nil {
		t.Fatalf("add null: %v", err)
	}
}

func TestParsePatchErrorNamesOperation(t *testing.T) {
	_, err := parsePatchJSON(patchBody(`{"op":"replace","path":"title","value":"x"},{"op":"replace","path":"active","value":"maybe"}`))
	e := wantErr(t, err, http.StatusBadRequest, InvalidValue)
	if !strings.Contains(e.Detail, "operation 2") || !strings.Contains(e.Detail, "active") {
		t.Fatalf("detail %q should name operation 2 and active", e.Detail)
	}
}
