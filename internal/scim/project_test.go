package scim

import "testing"

func TestProject(t *testing.T) {
	res := EncodeUser(fullUser(), "")
	tests := []struct {
		name, attributes, excluded, want string
	}{
		{"no parameters: unchanged", "", "", string(mustJSONNoT(res))},
		{"attributes keep id, schemas, meta.resourceType", "userName", "",
			`{"id":"u-1","userName":"a@b.c","meta":{"resourceType":"User"}}`},
		{"case-insensitive, dotted, sub-attributes of multi-valued", "USERNAME, name.givenName,emails.value", "",
			`{"id":"u-1", "userName":"a@b.c","name":{"givenName":"Ann"},
			 "emails":[{"value":"a@b.c"}],"meta":{"resourceType":"User"}}`},
		{"URN-qualified core and extension names", "urn:ietf:params:scim:schemas:core:2.0:User:displayName," +
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "",
			`{"id":"u-1","displayName":"Ann Bee",
			 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m-1"}},
			 "meta":{"resourceType":"User"}}`},
		{"a whole extension by URN", "urn:ietf:params:scim:schemas:extension:genesys:User", "",
			`{"id":"u-1","urn:ietf:params:scim:schemas:extension:genesys:User":{"divisionId":"d-1"},
			 "meta":{"resourceType":"User"}}`},
		{"value paths keep their attribute (Postman)", `emails[type eq "work"],userName`, "",
			`{"id":"u-1","userName":"a@b.c","emails":[{"value":"a@b.c","type":"work","primary":true}],
			 "meta":{"resourceType":"User"}}`},
		{"value path with comma in its filter and a sub-attribute", `emails[value eq "a,b"].value`, "",
			`{"id":"u-1","emails":[{"value":"a@b.c","type":"work","primary":true}],
			 "meta":{"resourceType":"User"}}`},
		{"unknown names ignored", "nickName,urn:bogus:x,userName", "",
			`{"id":"u-1","userName":"a@b.c","meta":{"resourceType":"User"}}`},
		{"meta kept whole when asked", "meta", "",
			`{"id":"u-1","meta":` + string(mustJSONNoT(res["meta"])) + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseProjection(tt.attributes, tt.excluded, userSegments).apply(res)
			if tt.attributes != "" { // schemas is always kept, as it was
				if !jsonDeepEqual(got["schemas"], res["schemas"]) {
					t.Fatalf("schemas = %v, want %v", got["schemas"], res["schemas"])
				}
				delete(got, "schemas")
			}
			jsonEqual(t, got, tt.want)
		})
	}
}

func TestProjectExcluded(t *testing.T) {
	res := EncodeUser(&User{ID: "u", UserName: "a", DisplayName: "A",
		Emails: []MultiValue{{Value: "a", Type: "work"}}, ManagerID: "m", Department: "D"}, "")
	got := parseProjection("", "ID, schemas, displayName, emails.type, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager, meta", userSegments).apply(res)
	jsonEqual(t, got, `{"id":"u","schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"a",
	  "emails":[{"value":"a","primary":false}],
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}`)
	// The input is not modified.
	if _, ok := res["displayName"]; !ok {
		t.Fatal("apply modified its input")
	}
	if em := res["emails"].([]any)[0].(map[string]any); em["type"] != "work" {
		t.Fatal("apply modified a nested value of its input")
	}
}

func TestProjectGroup(t *testing.T) {
	res := map[string]any{"schemas": []any{GroupURN}, "id": "g-1", "displayName": "Sales", "externalId": "e",
		"members": []any{map[string]any{"value": "u-1", "display": "a@b.c"}}, "meta": map[string]any{"resourceType": "Group"}}
	tests := []struct{ attributes, excluded, want string }{
		{"displayName", "", `{"schemas":["` + GroupURN + `"],"id":"g-1","displayName":"Sales","meta":{"resourceType":"Group"}}`},
		{"urn:ietf:params:scim:schemas:core:2.0:Group:members.value,urn:ietf:params:scim:schemas:core:2.0:User:displayName", "",
			`{"schemas":["` + GroupURN + `"],"id":"g-1","members":[{"value":"u-1"}],"meta":{"resourceType":"Group"}}`},
		{"", "members,meta,id", `{"schemas":["` + GroupURN + `"],"id":"g-1","displayName":"Sales","externalId":"e"}`},
	}
	for _, tt := range tests {
		got := parseProjection(tt.attributes, tt.excluded, groupSegments).apply(res)
		jsonEqual(t, got, tt.want)
	}
}
