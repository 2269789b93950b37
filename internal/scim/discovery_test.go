package scim

import (
	"net/http"
	"strings"
	"testing"
)

// walk calls f on every value of a JSON-like document.
func walk(v any, path string, f func(path string, v any)) {
	f(path, v)
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			walk(e, path+"."+k, f)
		}
	case []any:
		for _, e := range t {
			walk(e, path+"[]", f)
		}
	}
}

func TestServiceProviderConfig(t *testing.T) {
	jsonEqual(t, ServiceProviderConfig(50), `{
	  "schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
	  "patch":{"supported":true},"bulk":{"supported":false,"maxOperations":0,"maxPayloadSize":0},
	  "filter":{"supported":true,"maxResults":50},"changePassword":{"supported":false},
	  "sort":{"supported":false},"etag":{"supported":true},
	  "authenticationSchemes":[{"type":"oauthbearertoken","name":"OAuth Bearer Token",
	    "description":"A JWT bearer token in the Authorization header (RFC 6750).","primary":true}],
	  "meta":{"resourceType":"ServiceProviderConfig","location":"/ServiceProviderConfig"}}`)
}

func TestSchemas(t *testing.T) {
	doc := Schemas()
	res := doc["Resources"].([]any)
	var ids []string
	for _, r := range res {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	want := []string{UserURN, EnterpriseUserURN, GenesysUserURN, PurecloudUserURN, GroupURN}
	if strings.Join(ids, " ") != strings.Join(want, " ") || doc["totalResults"] != 5 {
		t.Fatalf("schemas %v, total %v", ids, doc["totalResults"])
	}
	// No nulls; camelCase characteristic values (Microsoft's /Schemas rules).
	walk(mustRoundTrip(t, doc), "", func(p string, v any) {
		if v == nil {
			t.Errorf("null at %s", p)
		}
		if strings.HasSuffix(p, ".mutability") && v != "readWrite" && v != "readOnly" && v != "writeOnly" && v != "immutable" {
			t.Errorf("%s = %v", p, v)
		}
	})
	// The core schema advertises exactly the mapped attributes.
	var names []string
	for _, a := range res[0].(map[string]any)["attributes"].([]any) {
		names = append(names, a.(map[string]any)["name"].(string))
	}
	if got := strings.Join(names, ","); got != "userName,externalId,name,displayName,title,active,password,emails,phoneNumbers,groups" {
		t.Fatalf("core attributes: %s", got)
	}
}

func TestSchemaAndResourceTypeLookup(t *testing.T) {
	if s, err := Schema(strings.ToLower(EnterpriseUserURN)); err != nil || s["id"] != EnterpriseUserURN {
		t.Fatalf("Schema(lower-case enterprise) = %v, %v", s["id"], err)
	}
	_, err := Schema("urn:bogus")
	wantErr(t, err, http.StatusNotFound, "")
	rt, err := ResourceType("user")
	if err != nil {
		t.Fatal(err)
	}
	if rt["endpoint"] != "/Users" || rt["schema"] != UserURN || len(rt["schemaExtensions"].([]any)) != 3 {
		t.Fatalf("resource type: %v", rt)
	}
	gt, err := ResourceType("GROUP")
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, gt, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],"id":"Group","name":"Group",
	  "endpoint":"/Groups","description":"Group","schema":"urn:ietf:params:scim:schemas:core:2.0:Group",
	  "schemaExtensions":[],"meta":{"resourceType":"ResourceType","location":"/ResourceTypes/Group"}}`)
	_, err = ResourceType("Role")
	wantErr(t, err, http.StatusNotFound, "")
	if rts := ResourceTypes()["Resources"].([]any); len(rts) != 2 || rts[0].(map[string]any)["id"] != "User" ||
		rts[1].(map[string]any)["id"] != "Group" {
		t.Fatalf("ResourceTypes: %v", rts)
	}
}

// The Group schema says what this product does (RFC 7643 §8.7.1, with
// displayName required as §4.2 has it): what is computed by the server is
// readOnly, and members are Users by id.
func TestGroupSchema(t *testing.T) {
	s, err := Schema(GroupURN)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, s, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Schema"],"id":"urn:ietf:params:scim:schemas:core:2.0:Group",
	  "name":"Group","description":"Group","meta":{"resourceType":"Schema","location":"/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group"},
	  "attributes":[
	    {"name":"displayName","type":"string","multiValued":false,"description":"A human-readable name for the Group.",
	     "required":true,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"none"},
	    {"name":"members","type":"complex","multiValued":true,
	     "description":"The Users in the Group, by id. Changed with PATCH add and remove, or replaced by PUT.",
	     "required":false,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"none",
	     "subAttributes":[
	       {"name":"value","type":"string","multiValued":false,"description":"The id of the member User.",
	        "required":false,"caseExact":true,"mutability":"immutable","returned":"default","uniqueness":"none"},
	       {"name":"display","type":"string","multiValued":false,"description":"The display name of the member User.",
	        "required":false,"caseExact":false,"mutability":"readOnly","returned":"default","uniqueness":"none"},
	       {"name":"$ref","type":"reference","referenceTypes":["User"],"multiValued":false,"description":"The URI of the member User.",
	        "required":false,"caseExact":false,"mutability":"readOnly","returned":"default","uniqueness":"none"},
	       {"name":"type","type":"string","canonicalValues":["User"],"multiValued":false,"description":"User: members are Users only.",
	        "required":false,"caseExact":false,"mutability":"readOnly","returned":"default","uniqueness":"none"}]},
	    {"name":"externalId","type":"string","multiValued":false,
	     "description":"Identifier of the Group in the provisioning client; at most 255 characters.",
	     "required":false,"caseExact":true,"mutability":"readWrite","returned":"default","uniqueness":"none"}]}`)
}

// The User's groups say how membership works here without claiming more:
// writable (it is accepted), $ref and type computed.
func TestUserSchemaGroups(t *testing.T) {
	s, _ := Schema(UserURN)
	for _, a := range mustRoundTrip(t, s).(map[string]any)["attributes"].([]any) {
		a := a.(map[string]any)
		if a["name"] != "groups" {
			continue
		}
		if a["mutability"] != "readWrite" || !strings.Contains(a["description"].(string), "/Groups") {
			t.Fatalf("groups: %v", a)
		}
		var subs []string
		for _, s := range a["subAttributes"].([]any) {
			s := s.(map[string]any)
			subs = append(subs, s["name"].(string)+":"+s["mutability"].(string))
		}
		if got := strings.Join(subs, ","); got != "value:readWrite,display:readWrite,$ref:readOnly,type:readOnly" {
			t.Fatalf("groups sub-attributes: %s", got)
		}
		return
	}
	t.Fatal("no groups attribute")
}
