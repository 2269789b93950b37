package lifecycle

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// get reads a discovery document: 200, application/scim+json.
func get(t *testing.T, s *harness.Stack, path string) map[string]any {
	t.Helper()
	r := s.Do(http.MethodGet, path, s.Writer(), nil).Expect(t, http.StatusOK)
	expectSCIMJSON(t, r)
	return r.Body
}

// supported reads <feature>.supported from a ServiceProviderConfig.
func supported(spc map[string]any, feature string) any {
	m, _ := spc[feature].(map[string]any)
	return m["supported"]
}

// resources returns a ListResponse's Resources as maps.
func resources(t *testing.T, list map[string]any) []map[string]any {
	t.Helper()
	if sc, _ := list["schemas"].([]any); len(sc) != 1 || sc[0] != listURN {
		t.Fatalf("not a ListResponse: %v", list)
	}
	var out []map[string]any
	for _, x := range list["Resources"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

// TestServiceProviderConfigIsTruthful: what /ServiceProviderConfig says
// works does, and what it says does not is refused: maxResults is the
// configured max_results and caps pages; sort only if sortBy sorts.
func TestServiceProviderConfigIsTruthful(t *testing.T) {
	s := newStack(t, "max_results 7")
	for i := range 10 {
		mustSeed(t, s, genesystest.UserSeed{Name: fmt.Sprintf("User %02d", 10-i), Email: fmt.Sprintf("user%02d@example.com", i)})
	}
	spc := get(t, s, "/ServiceProviderConfig")
	if sc, _ := spc["schemas"].([]any); len(sc) != 1 || sc[0] != "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig" {
		t.Fatalf("schemas %v", spc["schemas"])
	}
	for feature, want := range map[string]bool{"patch": true, "etag": true, "filter": true, "bulk": false, "changePassword": false} {
		if got := supported(spc, feature); got != want {
			t.Errorf("%s.supported %v, want %v", feature, got, want)
		}
	}
	if f, _ := spc["filter"].(map[string]any); f["maxResults"] != float64(7) {
		t.Errorf("filter.maxResults %v, want the configured max_results 7", f["maxResults"])
	}
	schemes, _ := spc["authenticationSchemes"].([]any)
	if len(schemes) == 0 || harness.Str(schemes[0].(map[string]any), "type") != "oauthbearertoken" {
		t.Errorf("authenticationSchemes %v", spc["authenticationSchemes"])
	}
	// maxResults holds: no count and a larger count both give 7 of 10.
	for _, q := range []string{"", query("count", "50")} {
		if p := listUsers(t, s, q); p.Total != 10 || p.ItemsPerPage != 7 {
			t.Errorf("GET /Users%s: totalResults %d, itemsPerPage %d; want 10, 7", q, p.Total, p.ItemsPerPage)
		}
	}
	// sort: advertised only if sortBy really sorts (names run opposite to emails).
	asc := listUsers(t, s, query("sortBy", "displayName", "count", "7")).Resources
	desc := listUsers(t, s, query("sortBy", "displayName", "sortOrder", "descending", "count", "7")).Resources
	names := func(rs []map[string]any) []string {
		var out []string
		for _, r := range rs {
			out = append(out, harness.Str(r, "displayName"))
		}
		return out
	}
	if supported(spc, "sort") == true && (!slices.IsSorted(names(asc)) || slices.Equal(names(asc), names(desc))) {
		t.Errorf("sort.supported is true but sortBy=displayName gives %v, descending %v", names(asc), names(desc))
	}
	s.NoRejections()
}

// TestSchemasAndResourceTypes: /Schemas lists the core User and enterprise
// schemas with the mapped attributes; each is readable by its URN;
// /ResourceTypes describes User at /Users.
func TestSchemasAndResourceTypes(t *testing.T) {
	s := newStack(t)
	schemas := map[string]map[string]any{}
	for _, sc := range resources(t, get(t, s, "/Schemas")) {
		schemas[harness.Str(sc, "id")] = sc
	}
	attrs := func(sc map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		list, _ := sc["attributes"].([]any)
		for _, a := range list {
			m := a.(map[string]any)
			out[harness.Str(m, "name")] = m
		}
		return out
	}
	core := attrs(schemas[userURN])
	for _, name := range []string{"userName", "name", "displayName", "emails", "active", "title", "phoneNumbers", "groups"} {
		if core[name] == nil {
			t.Errorf("core User schema does not describe %s", name)
		}
	}
	if u := core["userName"]; u == nil || u["required"] != true || u["uniqueness"] != "server" || u["caseExact"] != false {
		t.Errorf("userName described as %v", u)
	}
	ent := attrs(schemas[enterpriseURN])
	for _, name := range []string{"department", "manager"} {
		if ent[name] == nil {
			t.Errorf("enterprise schema does not describe %s", name)
		}
	}
	for _, urn := range []string{userURN, enterpriseURN, strings.ToLower(userURN)} {
		if doc := get(t, s, "/Schemas/"+urn); !strings.EqualFold(harness.Str(doc, "id"), urn) {
			t.Errorf("/Schemas/%s is %v", urn, doc["id"])
		}
	}
	s.Do(http.MethodGet, "/Schemas/urn:example:no:such:schema", s.Writer(), nil).ExpectSCIMError(t, http.StatusNotFound, "")

	rts := resources(t, get(t, s, "/ResourceTypes"))
	if len(rts) != 2 {
		t.Fatalf("%d resource types, want User and Group", len(rts))
	}
	userRT := rts[slices.IndexFunc(rts, func(rt map[string]any) bool { return harness.Str(rt, "id") == "User" })]
	for _, rt := range []map[string]any{userRT, get(t, s, "/ResourceTypes/User")} {
		if harness.Str(rt, "id") != "User" || harness.Str(rt, "endpoint") != "/Users" || harness.Str(rt, "schema") != userURN {
			t.Errorf("resource type %v", rt)
		}
		exts, _ := rt["schemaExtensions"].([]any)
		if !slices.ContainsFunc(exts, func(x any) bool { return harness.Str(x.(map[string]any), "schema") == enterpriseURN }) {
			t.Errorf("resource type does not list the enterprise extension: %v", rt["schemaExtensions"])
		}
	}
	// Groups are served: their resource type and schema are advertised.
	if rt := get(t, s, "/ResourceTypes/Group"); harness.Str(rt, "endpoint") != "/Groups" || harness.Str(rt, "schema") != groupURN {
		t.Errorf("Group resource type %v", rt)
	}
	group := attrs(schemas[groupURN])
	if d := group["displayName"]; d == nil || d["required"] != true {
		t.Errorf("Group schema describes displayName as %v", d)
	}
	if group["members"] == nil {
		t.Error("Group schema does not describe members")
	}
	s.Do(http.MethodGet, "/ResourceTypes/Nope", s.Writer(), nil).ExpectSCIMError(t, http.StatusNotFound, "")
	s.NoRejections()
}

// TestEndpointRefusals: a filter on discovery is 403; /Bulk, /Me and
// /.search are 501; unknown paths 404; a wrong method 405 with Allow; every
// answer a SCIM error in application/scim+json.
func TestEndpointRefusals(t *testing.T) {
	s := newStack(t)
	id, _ := createUser(t, s, `{"userName":"ref@example.com"}`)
	filter := query("filter", `id eq "User"`)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        []string
	}{
		{http.MethodGet, "/ServiceProviderConfig" + filter, http.StatusForbidden, nil},
		{http.MethodGet, "/Schemas" + filter, http.StatusForbidden, nil},
		{http.MethodGet, "/ResourceTypes" + filter, http.StatusForbidden, nil},
		{http.MethodPost, "/Bulk", http.StatusNotImplemented, nil},
		{http.MethodGet, "/Me", http.StatusNotImplemented, nil},
		{http.MethodPost, "/.search", http.StatusNotImplemented, nil},
		{http.MethodPost, "/Users/.search", http.StatusNotImplemented, nil},
		{http.MethodGet, "/Groups/" + id + "/extra", http.StatusNotFound, nil},
		{http.MethodPost, "/Groups/.search", http.StatusNotImplemented, nil},
		{http.MethodDelete, "/Groups", http.StatusMethodNotAllowed, []string{"GET", "POST"}},
		{http.MethodGet, "/nope", http.StatusNotFound, nil},
		{http.MethodGet, "/Users/" + id + "/extra", http.StatusNotFound, nil},
		{http.MethodDelete, "/Users", http.StatusMethodNotAllowed, []string{"GET", "POST"}},
		{http.MethodPost, "/Users/" + id, http.StatusMethodNotAllowed, []string{"GET", "PUT", "PATCH", "DELETE"}},
		{http.MethodPut, "/ServiceProviderConfig", http.StatusMethodNotAllowed, []string{"GET"}},
		{http.MethodPost, "/Schemas", http.StatusMethodNotAllowed, []string{"GET"}},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var body any
			if tc.method == http.MethodPost || tc.method == http.MethodPut {
				body = `{}`
			}
			r := s.Do(tc.method, tc.path, s.Writer(), body).ExpectSCIMError(t, tc.status, "")
			allow := r.Header.Get("Allow")
			for _, m := range tc.allow {
				if !strings.Contains(allow, m) {
					t.Errorf("Allow %q lacks %s", allow, m)
				}
			}
		})
	}
	if u := genesysUser(t, s, id); u.State != "active" || u.Version != 1 {
		t.Fatalf("a refused request changed the user: %+v", u)
	}
	s.NoRejections()
}
