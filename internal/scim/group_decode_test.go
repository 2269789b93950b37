package scim

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// decodeGroupJSON is DecodeGroup over a body's text, as the server runs it.
func decodeGroupJSON(body string) (*Group, error) {
	v, err := DecodeJSON(strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	return DecodeGroup(v)
}

func TestDecodeGroup(t *testing.T) {
	tests := []struct {
		name, body string
		want       Group
	}{
		{"Entra create (Microsoft's tutorial: Create Group)",
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
			  "displayName":"Group1","members":[],"meta":{"resourceType":"Group"}}`,
			Group{ExternalID: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", DisplayName: "Group1", Members: []Member{}}},
		{"Okta create (Okta's reference: Create Groups), display ignored",
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales",
			  "members":[{"value":"u-1","display":"user@example.com"}]}`,
			Group{DisplayName: "Sales", Members: []Member{{Value: "u-1"}}}},
		{"no members attribute: nil, not empty",
			`{"displayName":"Sales"}`,
			Group{DisplayName: "Sales"}},
		{"members null is absent",
			`{"displayName":"Sales","members":null,"externalId":null}`,
			Group{DisplayName: "Sales"}},
		{"names in any case, URN-qualified, $ref and type ignored, duplicates collapse in first-seen order",
			`{"DISPLAYNAME":"Ops","urn:ietf:params:scim:schemas:core:2.0:Group:externalId":"e-1",
			  "Members":[{"Value":"u-2","$ref":null},{"value":"u-1","type":"User"},null,{"value":"u-2","display":"again"}]}`,
			Group{DisplayName: "Ops", ExternalID: "e-1", Members: []Member{{Value: "u-2"}, {Value: "u-1"}}}},
		{"numbers where strings are expected",
			`{"displayName":42,"externalId":12345678901234567890,"members":[{"value":7}]}`,
			Group{DisplayName: "42", ExternalID: "12345678901234567890", Members: []Member{{Value: "7"}}}},
		{"displayName kept as sent",
			`{"displayName":"  Sales  "}`,
			Group{DisplayName: "  Sales  "}},
		{"id, meta, schemas, unknown attributes and other schemas ignored",
			`{"id":"client-id","meta":{"version":"W/\"3\""},"schemas":"x","displayName":"A","owner":"bob",
			  "urn:example:custom:1.0:Group:color":"red","urn:ietf:params:scim:schemas:core:2.0:User:userName":"u"}`,
			Group{DisplayName: "A"}},
		{"externalId of 255 characters",
			`{"displayName":"A","externalId":"` + strings.Repeat("é", 255) + `"}`,
			Group{DisplayName: "A", ExternalID: strings.Repeat("é", 255)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeGroupJSON(tt.body)
			if err != nil {
				t.Fatalf("DecodeGroup: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", *got, tt.want)
			}
		})
	}
}

func TestDecodeGroupErrors(t *testing.T) {
	tests := []struct {
		name, body, scimType, mention string
	}{
		{"no displayName", `{"members":[]}`, InvalidValue, "displayName"},
		{"displayName null", `{"displayName":null}`, InvalidValue, "displayName"},
		{"displayName empty", `{"displayName":""}`, InvalidValue, "displayName"},
		{"displayName blank", `{"displayName":" \t "}`, InvalidValue, "displayName"},
		{"displayName an object", `{"displayName":{"en":"x"}}`, InvalidValue, "displayName"},
		{"externalId over 255 characters", `{"displayName":"A","externalId":"` + strings.Repeat("x", 256) + `"}`, InvalidValue, "externalId"},
		{"externalId an array", `{"displayName":"A","externalId":["x"]}`, InvalidValue, "externalId"},
		{"members an object", `{"displayName":"A","members":{"value":"u-1"}}`, InvalidValue, "members"},
		{"members a string", `{"displayName":"A","members":"u-1"}`, InvalidValue, "members"},
		{"a member as a bare id", `{"displayName":"A","members":["u-1"]}`, InvalidValue, "entry 1"},
		{"a member without value", `{"displayName":"A","members":[{"value":"u-1"},{"display":"bob"}]}`, InvalidValue, "entry 2"},
		{"a member with an empty value", `{"displayName":"A","members":[{"value":""}]}`, InvalidValue, "entry 1"},
		{"a member with a blank value", `{"displayName":"A","members":[{"value":"  "}]}`, InvalidValue, "entry 1"},
		{"a member with an object value", `{"displayName":"A","members":[{"value":{"id":"u"}}]}`, InvalidValue, "entry 1"},
		{"not an object", `[{"displayName":"A"}]`, InvalidSyntax, ""},
		{"malformed", `{"displayName":`, InvalidSyntax, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeGroupJSON(tt.body)
			e := wantErr(t, err, http.StatusBadRequest, tt.scimType)
			if !containsFoldStr(e.Detail, tt.mention) {
				t.Fatalf("detail %q does not name %q", e.Detail, tt.mention)
			}
		})
	}
}

func TestSplitGroupURN(t *testing.T) {
	tests := []struct {
		in, rest string
		ok       bool
	}{
		{"displayName", "displayName", true},
		{"urn:ietf:params:scim:schemas:core:2.0:Group:members", "members", true},
		{"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP:displayName", "displayName", true},
		{"urn:ietf:params:scim:schemas:core:2.0:Group", "", true},
		{"urn:ietf:params:scim:schemas:core:2.0:Groups:x", "", false},
		{"urn:ietf:params:scim:schemas:core:2.0:User:userName", "", false},
		{"urn:", "", false},
	}
	for _, tt := range tests {
		rest, ok := splitGroupURN(tt.in)
		if rest != tt.rest || ok != tt.ok {
			t.Errorf("splitGroupURN(%q) = %q, %v; want %q, %v", tt.in, rest, ok, tt.rest, tt.ok)
		}
	}
}
