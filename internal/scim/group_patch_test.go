package scim

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// parseGroupPatchJSON is ParseGroupPatch over a body's text.
func parseGroupPatchJSON(body string) (*GroupPatch, error) {
	v, err := DecodeJSON(strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	return ParseGroupPatch(v)
}

func strPtr(s string) *string { return &s }

func TestParseGroupPatch(t *testing.T) {
	tests := []struct {
		name, ops string
		want      GroupPatch
	}{
		{"Entra add member (Microsoft's tutorial: Update Group [Add Members])",
			`{"op":"Add","path":"members","value":[{"$ref":null,"value":"u-1"}]}`,
			GroupPatch{Add: []string{"u-1"}}},
		{"Entra remove member with a value list (Update Group [Remove Members])",
			`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u-1"}]}`,
			GroupPatch{Remove: []string{"u-1"}}},
		{"Entra remove member, RFC form with a filter path",
			`{"op":"Remove","path":"members[value eq \"u-1\"]"}`,
			GroupPatch{Remove: []string{"u-1"}}},
		{"remove two members by a filter joined by or, any case",
			`{"op":"remove","path":"Members[Value EQ \"u-1\" OR value eq \"u-2\"]"}`,
			GroupPatch{Remove: []string{"u-1", "u-2"}}},
		{"a filter path with a numeric id and a JSON escape",
			`{"op":"remove","path":"members[value eq 42 or value eq \"a\\u00e9\"]"}`,
			GroupPatch{Remove: []string{"42", "aé"}}},
		{"Entra rename (Update Group [Non-member attributes])",
			`{"op":"Replace","path":"displayName","value":"New name"}`,
			GroupPatch{DisplayName: strPtr("New name")}},
		{"Entra batch: several operations in one PATCH",
			`{"op":"Add","path":"members","value":[{"value":"u-1"},{"value":"u-2"},{"value":"u-3"}]},
			 {"op":"Remove","path":"members","value":[{"value":"u-4"}]},
			 {"op":"Replace","path":"displayName","value":"Group1 renamed"}`,
			GroupPatch{DisplayName: strPtr("Group1 renamed"), Add: []string{"u-1", "u-2", "u-3"}, Remove: []string{"u-4"}}},
		{"Okta rename: the id inside the value is ignored (Okta's reference: Update Group name)",
			`{"op":"replace","value":{"id":"g-1","displayName":"New name"}}`,
			GroupPatch{DisplayName: strPtr("New name")}},
		{"Okta add members with display",
			`{"op":"add","path":"members","value":[{"value":"u-1","display":"a@example.com"},{"value":"u-2","display":"b@example.com"}]}`,
			GroupPatch{Add: []string{"u-1", "u-2"}}},
		{"Okta remove members with display",
			`{"op":"remove","path":"members","value":[{"value":"u-1","display":"a@example.com"}]}`,
			GroupPatch{Remove: []string{"u-1"}}},
		{"add then remove the same member: removed",
			`{"op":"add","path":"members","value":[{"value":"u-1"},{"value":"u-2"}]},{"op":"remove","path":"members[value eq \"u-1\"]"}`,
			GroupPatch{Add: []string{"u-2"}, Remove: []string{"u-1"}}},
		{"remove then add the same member: added",
			`{"op":"remove","path":"members","value":[{"value":"u-1"}]},{"op":"add","path":"members","value":[{"value":"u-1"}]}`,
			GroupPatch{Add: []string{"u-1"}}},
		{"duplicates collapse, first seen first",
			`{"op":"add","path":"members","value":[{"value":"u-2"},{"value":"u-1"},{"value":"u-2"}]},{"op":"add","path":"members","value":[{"value":"u-1"},{"value":"u-3"}]}`,
			GroupPatch{Add: []string{"u-2", "u-1", "u-3"}}},
		{"a single member object",
			`{"op":"add","path":"members","value":{"value":"u-1"}}`,
			GroupPatch{Add: []string{"u-1"}}},
		{"remove members without a value: every member",
			`{"op":"remove","path":"members"}`,
			GroupPatch{ReplaceMembers: true, Members: []string{}}},
		{"replace members with a list",
			`{"op":"replace","path":"members","value":[{"value":"u-1"},{"value":"u-2"}]}`,
			GroupPatch{ReplaceMembers: true, Members: []string{"u-1", "u-2"}}},
		{"replace members with null: none",
			`{"op":"replace","path":"members","value":null}`,
			GroupPatch{ReplaceMembers: true, Members: []string{}}},
		{"after a replace, adds and removes edit the new list",
			`{"op":"add","path":"members","value":[{"value":"u-9"}]},
			 {"op":"replace","path":"members","value":[{"value":"u-1"},{"value":"u-2"}]},
			 {"op":"add","path":"members","value":[{"value":"u-3"},{"value":"u-1"}]},
			 {"op":"remove","path":"members[value eq \"u-2\"]"}`,
			GroupPatch{ReplaceMembers: true, Members: []string{"u-1", "u-3"}}},
		{"path-less replace with members replaces them",
			`{"op":"replace","value":{"displayName":"D","members":[{"value":"u-1"}],"schemas":["x"],"meta":{}}}`,
			GroupPatch{DisplayName: strPtr("D"), ReplaceMembers: true, Members: []string{"u-1"}}},
		{"path-less add with members adds them",
			`{"op":"add","value":{"members":[{"value":"u-1"}],"externalId":"e-1"}}`,
			GroupPatch{ExternalID: strPtr("e-1"), Add: []string{"u-1"}}},
		{"path-less, URN-qualified keys and the Group URN as path",
			`{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:Group","value":{"urn:ietf:params:scim:schemas:core:2.0:Group:displayName":"U"}}`,
			GroupPatch{DisplayName: strPtr("U")}},
		{"URN-qualified paths",
			`{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:Group:members","value":[{"value":"u-1"}]},
			 {"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:Group:members[value eq \"u-2\"]"}`,
			GroupPatch{Add: []string{"u-1"}, Remove: []string{"u-2"}}},
		{"externalId: add, replace, remove; the last wins",
			`{"op":"add","path":"externalId","value":"e-1"},{"op":"replace","path":"EXTERNALID","value":"e-2"}`,
			GroupPatch{ExternalID: strPtr("e-2")}},
		{"remove externalId", `{"op":"remove","path":"externalId"}`, GroupPatch{ExternalID: strPtr("")}},
		{"replace externalId with null", `{"op":"replace","path":"externalId","value":null}`, GroupPatch{ExternalID: strPtr("")}},
		{"add with null adds nothing", `{"op":"add","path":"displayName","value":null},{"op":"add","path":"members","value":null}`, GroupPatch{}},
		{"an empty value list changes nothing", `{"op":"add","path":"members","value":[]},{"op":"remove","path":"members","value":[]}`, GroupPatch{}},
		{"only ignored attributes: nothing", `{"op":"replace","value":{"id":"g-1","meta":{"version":"1"}}}`, GroupPatch{}},
		{"a number for displayName is its text", `{"op":"replace","path":"displayName","value":2024}`, GroupPatch{DisplayName: strPtr("2024")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseGroupPatchJSON(patchBody(tt.ops))
			if err != nil {
				t.Fatalf("ParseGroupPatch: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got  %s\nwant %s", mustJSON(t, got), mustJSON(t, tt.want))
			}
		})
	}
}

// Entra sends one operation whose value lists many members; the fold stays
// linear (it would time out here if it were not) and keeps them all.
func TestParseGroupPatchLargeBatch(t *testing.T) {
	var b strings.Builder
	const n = 20000
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"value":"u-` + strconv.Itoa(i) + `"}`)
	}
	p, err := parseGroupPatchJSON(patchBody(`{"op":"Add","path":"members","value":[` + b.String() + `]},` +
		`{"op":"Remove","path":"members","value":[` + b.String() + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Add) != 0 || len(p.Remove) != n {
		t.Fatalf("add %d, remove %d; want 0, %d", len(p.Add), len(p.Remove), n)
	}
}

func TestParseGroupPatchErrors(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		scimType   string
		mention    string
	}{
		{"schemas missing", `{"Operations":[{"op":"add","path":"members","value":[]}]}`, 400, InvalidSyntax, "schemas"},
		{"Operations empty", patchBody(``), 400, InvalidSyntax, "Operations"},
		{"unknown op", patchBody(`{"op":"merge","path":"members","value":[]}`), 400, InvalidSyntax, "op"},
		{"remove without path", patchBody(`{"op":"remove","value":[{"value":"u-1"}]}`), 400, NoTarget, "path"},
		{"add with a path and no value", patchBody(`{"op":"add","path":"members"}`), 400, InvalidValue, "value"},
		{"remove displayName", patchBody(`{"op":"remove","path":"displayName"}`), 400, InvalidValue, "displayName"},
		{"replace displayName with null", patchBody(`{"op":"replace","path":"displayName","value":null}`), 400, InvalidValue, "displayName"},
		{"replace displayName with blank", patchBody(`{"op":"replace","path":"displayName","value":"  "}`), 400, InvalidValue, "displayName"},
		{"path-less replace with an empty displayName", patchBody(`{"op":"replace","value":{"displayName":""}}`), 400, InvalidValue, "displayName"},
		{"remove the whole Group", patchBody(`{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:Group"}`), 400, InvalidValue, "displayName"},
		{"displayName an object", patchBody(`{"op":"replace","path":"displayName","value":{"x":1}}`), 400, InvalidValue, "displayName"},
		{"externalId too long", patchBody(`{"op":"replace","path":"externalId","value":"` + strings.Repeat("x", 256) + `"}`), 400, InvalidValue, "externalId"},
		{"members not a list", patchBody(`{"op":"add","path":"members","value":"u-1"}`), 400, InvalidValue, "members"},
		{"a member without value", patchBody(`{"op":"add","path":"members","value":[{"display":"bob"}]}`), 400, InvalidValue, "entry 1"},
		{"a member with an empty value", patchBody(`{"op":"remove","path":"members","value":[{"value":"u-1"},{"value":""}]}`), 400, InvalidValue, "entry 2"},
		{"a bare member id", patchBody(`{"op":"add","path":"members","value":["u-1"]}`), 400, InvalidValue, "entry 1"},
		{"unknown attribute", patchBody(`{"op":"replace","path":"owner","value":"x"}`), 400, InvalidPath, "owner"},
		{"members.display", patchBody(`{"op":"replace","path":"members.display","value":"x"}`), 400, InvalidPath, "members"},
		{"members.value", patchBody(`{"op":"remove","path":"members.value"}`), 400, InvalidPath, "members"},
		{"members[...].display", patchBody(`{"op":"remove","path":"members[value eq \"u-1\"].display"}`), 400, InvalidPath, "members"},
		{"displayName.x", patchBody(`{"op":"replace","path":"displayName.x","value":"x"}`), 400, InvalidPath, "sub-attributes"},
		{"a filter on displayName", patchBody(`{"op":"remove","path":"displayName[value eq \"x\"]"}`), 400, InvalidPath, "filter"},
		{"members filter on display", patchBody(`{"op":"remove","path":"members[display eq \"bob\"]"}`), 400, InvalidPath, "value eq"},
		{"members filter with ne", patchBody(`{"op":"remove","path":"members[value ne \"u-1\"]"}`), 400, InvalidPath, "value eq"},
		{"members filter with and", patchBody(`{"op":"remove","path":"members[value eq \"u-1\" and value eq \"u-2\"]"}`), 400, InvalidPath, "value eq"},
		{"members filter with an empty id", patchBody(`{"op":"remove","path":"members[value eq \"\"]"}`), 400, InvalidPath, "value eq"},
		{"members filter with add", patchBody(`{"op":"add","path":"members[value eq \"u-1\"]","value":{"value":"u-1"}}`), 400, InvalidPath, "remove only"},
		{"malformed path", patchBody(`{"op":"remove","path":"members[value eq"}`), 400, InvalidPath, "malformed"},
		{"a User path", patchBody(`{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:userName","value":"x"}`), 400, InvalidPath, "schema"},
		{"id is readOnly", patchBody(`{"op":"replace","path":"id","value":"x"}`), 400, Mutability, "id"},
		{"meta is readOnly", patchBody(`{"op":"replace","path":"meta.version","value":"x"}`), 400, Mutability, "meta"},
		{"path-less unknown attribute", patchBody(`{"op":"replace","value":{"displayName":"x","owner":"bob"}}`), 400, InvalidPath, "owner"},
		{"path-less value not an object", patchBody(`{"op":"add","value":[{"value":"u-1"}]}`), 400, InvalidValue, "object"},
		{"one bad operation fails the batch", patchBody(`{"op":"add","path":"members","value":[{"value":"u-1"}]},{"op":"remove","path":"displayName"}`), 400, InvalidValue, "operation 2"},
		{"too many operations", patchBody(strings.Repeat(`{"op":"add","path":"members","value":[]},`, MaxPatchOps) + `{"op":"add","path":"members","value":[]}`), 413, TooMany, "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseGroupPatchJSON(tt.body)
			if p != nil {
				t.Fatalf("got a patch with an error: %+v", p)
			}
			e := wantErr(t, err, tt.status, tt.scimType)
			if !containsFoldStr(e.Detail, tt.mention) {
				t.Fatalf("detail %q does not mention %q", e.Detail, tt.mention)
			}
		})
	}
}
