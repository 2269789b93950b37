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
	want := []string{UserURN, EnterpriseUserURN, GenesysUserURN, PurecloudUserURN}
	if strings.Join(ids, " ") != strings.Join(want, " ") || doc["totalResults"] != 4 {
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
	_, err = ResourceType("Group")
	wantErr(t, err, http.StatusNotFound, "")
	if rts := ResourceTypes()["Resources"].([]any); len(rts) != 1 {
		t.Fatalf("ResourceTypes: %v", rts)
	}
}
