package lifecycle

import (
	"net/http"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// entraCreate is Entra ID's documented create (Microsoft's SCIM guide,
// "User operations", with its example's nulls), the userName made an email
// as a Genesys username must be.
const entraCreate = `{"schemas":["` + userURN + `","` + enterpriseURN + `"],
 "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
 "userName":"Test_User_00aa00aa@contoso.com","active":true,
 "emails":[{"primary":true,"type":"work","value":"Test_User_11bb11bb@testuser.com"}],
 "meta":{"resourceType":"User"},
 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
 "roles":[],"addresses":null,"phoneNumbers":null,"preferredLanguage":null,"title":null,"department":null,"manager":null}`

// TestEntraUserOperations replays Entra ID's documented user operations
// (Microsoft's SCIM guide, "User operations") in order, checking the answer and the
// Genesys user after each step.
func TestEntraUserOperations(t *testing.T) {
	s := newStack(t)
	tok := s.Writer()

	// 1. Create.
	id, r := createUser(t, s, entraCreate)
	expectSCIMJSON(t, r)
	if harness.Str(r.Body, "externalId") != "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" || harness.Str(r.Body, "meta.resourceType") != "User" {
		t.Fatalf("create response lacks externalId or meta.resourceType: %s", r.Raw)
	}
	u := genesysUser(t, s, id)
	if u.Email != "test_user_00aa00aa@contoso.com" || u.Name != "givenName familyName" || u.State != "active" ||
		!strings.EqualFold(workAddress(u), "Test_User_11bb11bb@testuser.com") {
		t.Fatalf("after create, Genesys holds %+v", u)
	}
	if got, ok := s.Emu.UserByExternalID("scim", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"); !ok || got.ID != id {
		t.Fatal("externalId not stored under the scim authority")
	}

	// 2. Get, and an unknown id.
	r = s.Do(http.MethodGet, "/Users/"+id, tok, nil).Expect(t, http.StatusOK)
	if harness.Str(r.Body, "userName") != "test_user_00aa00aa@contoso.com" || r.Body["active"] != true ||
		r.Header.Get("ETag") != harness.Str(r.Body, "meta.version") || harness.Str(r.Body, "meta.location") != s.Base+"/Users/"+id {
		t.Fatalf("get: ETag %q, %s", r.Header.Get("ETag"), r.Raw)
	}
	s.Do(http.MethodGet, "/Users/5d48a0a8-e9f0-4aa3-8008-000000000000", tok, nil).ExpectSCIMError(t, http.StatusNotFound, "")

	// 3. Query by userName (the value as Entra sent it), and by externalId.
	for _, f := range []string{`userName eq "Test_User_00aa00aa@contoso.com"`, `externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`} {
		if p := listUsers(t, s, query("filter", f)); p.Total != 1 || p.ids()[0] != id {
			t.Fatalf("query %s: %s", f, p.Raw)
		}
	}
	// 4. Zero results.
	if p := listUsers(t, s, query("filter", `userName eq "non-existent user"`)); p.Total != 0 || len(p.Resources) != 0 {
		t.Fatalf("zero-result query: %s", p.Raw)
	}

	// 5. Multi-valued Replace: the work email and the family name.
	r = s.Do(http.MethodPatch, "/Users/"+id, tok, patchBody(
		`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"}`,
		`{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}`)).Expect(t, http.StatusOK)
	if w := emailsOfType(r.Body, "work"); len(w) != 1 || !strings.EqualFold(w[0], "updatedEmail@microsoft.com") ||
		harness.Str(r.Body, "name.familyName") != "updatedFamilyName" {
		t.Fatalf("multi-valued replace answered %s", r.Raw)
	}
	u = genesysUser(t, s, id)
	if !strings.EqualFold(workAddress(u), "updatedEmail@microsoft.com") || u.Name != "givenName updatedFamilyName" ||
		u.Email != "test_user_00aa00aa@contoso.com" {
		t.Fatalf("after multi-valued replace, Genesys holds %+v", u)
	}

	// 6. Replace userName.
	r = s.Do(http.MethodPatch, "/Users/"+id, tok, patchBody(
		`{"op":"Replace","path":"userName","value":"Renamed_User@contoso.com"}`)).Expect(t, http.StatusOK)
	if harness.Str(r.Body, "userName") != "renamed_user@contoso.com" {
		t.Fatalf("userName replace answered %s", r.Raw)
	}
	if u = genesysUser(t, s, id); u.Email != "renamed_user@contoso.com" {
		t.Fatalf("after userName replace, Genesys email %q", u.Email)
	}
	if p := listUsers(t, s, query("filter", `userName eq "test_user_00aa00aa@contoso.com"`)); p.Total != 0 {
		t.Fatalf("the old userName still finds the user: %s", p.Raw)
	}
	if p := listUsers(t, s, query("filter", `userName eq "renamed_user@contoso.com"`)); p.Total != 1 {
		t.Fatalf("the new userName does not find the user: %s", p.Raw)
	}

	// 7. Disable: legacy string "False", then (after enabling) a boolean.
	for _, step := range []struct {
		op    string
		state string
	}{
		{`{"op":"Replace","path":"active","value":"False"}`, "inactive"},
		{`{"op":"replace","path":"active","value":"True"}`, "active"},
		{`{"op":"replace","path":"active","value":false}`, "inactive"},
	} {
		r = s.Do(http.MethodPatch, "/Users/"+id, tok, patchBody(step.op)).Expect(t, http.StatusOK)
		if r.Body["active"] != (step.state == "active") {
			t.Fatalf("%s answered %s", step.op, r.Raw)
		}
		if u = genesysUser(t, s, id); u.State != step.state {
			t.Fatalf("after %s, Genesys state %s, want %s", step.op, u.State, step.state)
		}
	}
	// Disabled users stay readable and listable.
	if r = s.Do(http.MethodGet, "/Users/"+id, tok, nil).Expect(t, http.StatusOK); r.Body["active"] != false {
		t.Fatalf("disabled user reads %s", r.Raw)
	}
	if p := listUsers(t, s, query("filter", `active eq false`)); p.Total != 1 || p.ids()[0] != id {
		t.Fatalf("disabled user not listed: %s", p.Raw)
	}
	s.Do(http.MethodPatch, "/Users/"+id, tok, patchBody(`{"op":"replace","path":"active","value":true}`)).Expect(t, http.StatusOK)

	// 8. Path-less replace with dotted and URN keys (aadOptscim062020); the
	// unmapped employeeNumber is accepted and ignored.
	r = s.Do(http.MethodPatch, "/Users/"+id, tok, patchBody(
		`{"op":"replace","value":{"name.givenName":"Kkom","name.familyName":"Unua","title":"Lead",
		  "`+enterpriseURN+`:employeeNumber":"Aklq","`+enterpriseURN+`:department":"Support"}}`)).Expect(t, http.StatusOK)
	if harness.Str(r.Body, "name.givenName") != "Kkom" || harness.Str(r.Body, "title") != "Lead" {
		t.Fatalf("path-less replace answered %s", r.Raw)
	}
	if u = genesysUser(t, s, id); u.Name != "Kkom Unua" || u.Title != "Lead" || u.Department != "Support" {
		t.Fatalf("after path-less replace, Genesys holds %+v", u)
	}
	// A path-less replace whose key is the extension URN itself.
	s.Do(http.MethodPatch, "/Users/"+id, tok, patchBody(
		`{"op":"replace","value":{"`+enterpriseURN+`":{"department":"Billing"}}}`)).Expect(t, http.StatusOK)
	if u = genesysUser(t, s, id); u.Department != "Billing" || u.Title != "Lead" {
		t.Fatalf("after URN-keyed replace, Genesys holds %+v", u)
	}

	// 9. Manager: Add with an array value, Replace, Remove.
	boss1, _ := createUser(t, s, `{"userName":"boss.one@contoso.com"}`)
	boss2, _ := createUser(t, s, `{"userName":"boss.two@contoso.com"}`)
	for _, step := range []struct{ op, want string }{
		{`{"op":"Add","path":"manager","value":[{"$ref":"` + s.Base + `/Users/` + boss1 + `","value":"` + boss1 + `"}]}`, boss1},
		{`{"op":"Replace","path":"` + enterpriseURN + `:manager","value":{"value":"` + boss2 + `"}}`, boss2},
		{`{"op":"Remove","path":"manager"}`, ""},
	} {
		r = s.Do(http.MethodPatch, "/Users/"+id, tok, patchBody(step.op)).Expect(t, http.StatusOK)
		ext, _ := r.Body[enterpriseURN].(map[string]any)
		if harness.Str(ext, "manager.value") != step.want {
			t.Fatalf("%s answered manager %v", step.op, ext["manager"])
		}
		if u = genesysUser(t, s, id); u.Manager != step.want {
			t.Fatalf("after %s, Genesys manager %q, want %q", step.op, u.Manager, step.want)
		}
	}

	// 10. Delete.
	s.Do(http.MethodDelete, "/Users/"+id, tok, nil).Expect(t, http.StatusNoContent)
	if u = genesysUser(t, s, id); u.State != "deleted" {
		t.Fatalf("after delete, Genesys state %s", u.State)
	}
	s.Do(http.MethodGet, "/Users/"+id, tok, nil).ExpectSCIMError(t, http.StatusNotFound, "")

	for _, ev := range []string{"SCIM_USER_CREATED", "SCIM_USER_READ", "SCIM_USER_UPDATED", "SCIM_USER_DEACTIVATED", "SCIM_USER_DELETED"} {
		expectAudited(t, s, ev, id)
	}
	s.NoRejections()
}
