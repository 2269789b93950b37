package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/scim"
)

func mustPatch(t *testing.T, body string) *scim.Patch {
	t.Helper()
	p, err := scim.ParsePatch(jsonValue(t, body))
	if err != nil {
		t.Fatalf("ParsePatch(%s): %v", body, err)
	}
	return p
}

func listByFilter(t *testing.T, env *testEnv, filter string) *scim.ListResult {
	t.Helper()
	f, err := scim.ParseFilter(filter)
	if err != nil {
		t.Fatal(err)
	}
	res, err := env.gw.ListUsers(env.ctx(), &scim.ListQuery{Filter: f, StartIndex: 1, Count: 20})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestEntraSequence runs the Entra ID "User Operations" sequence
// (Microsoft's SCIM guide) through the Backend, checking Genesys after each step.
func TestEntraSequence(t *testing.T) {
	env, _ := newLifeEnv(t)
	u, err := scim.DecodeUser(jsonValue(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_00aa@testuser.com","active":true,
		"emails":[{"primary":true,"type":"work","value":"Test_User_00aa@testuser.com"}],"meta":{"resourceType":"User"},
		"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	created, _ := env.create(u)
	id := created.ID
	if g := userByID(env, id); g.Email != "test_user_00aa@testuser.com" || g.Name != "givenName familyName" || g.State != "active" {
		t.Fatalf("after create: %+v", g)
	}
	got, err := env.gw.GetUser(env.ctx(), id)
	if err != nil || got.ExternalID != "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if res := listByFilter(t, env, `userName eq "Test_User_00aa@testuser.com"`); res.Total != 1 || res.Users[0].ID != id {
		t.Fatalf("query by userName: %+v", res)
	}
	if res := listByFilter(t, env, `userName eq "non-existent user"`); res.Total != 0 {
		t.Fatalf("zero-result query: %+v", res)
	}
	if res := listByFilter(t, env, `externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`); res.Total != 1 {
		t.Fatalf("query by externalId: %+v", res)
	}

	// Update [multi-valued]: work email and family name.
	out, err := env.gw.PatchUser(env.ctx(), id, mustPatch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail@microsoft.com"},
		{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}]}`), scim.Precondition{})
	if err != nil {
		t.Fatal(err)
	}
	g := userByID(env, id)
	if g.Name != "givenName updatedFamilyName" || g.Email != "test_user_00aa@testuser.com" ||
		!hasContact(g.Addresses, "EMAIL", "WORK", "updatedemail@microsoft.com") {
		t.Fatalf("after multi-valued update: %+v", g)
	}
	if out.Name.Formatted != "givenName updatedFamilyName" || workEmailOf(out) != "updatedemail@microsoft.com" {
		t.Fatalf("multi-valued update answered %+v", out)
	}
	if res := listByFilter(t, env, `emails[type eq "work"].value eq "test_user_00aa@testuser.com"`); res.Total != 0 {
		t.Fatalf("the userName is no longer the work email: %+v", res)
	}

	// Update [single-valued]: userName.
	if _, err := env.gw.PatchUser(env.ctx(), id, mustPatch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"userName","value":"5b50642d@testuser.com"}]}`), scim.Precondition{}); err != nil {
		t.Fatal(err)
	}
	g = userByID(env, id)
	if g.Email != "5b50642d@testuser.com" || !hasContact(g.Addresses, "EMAIL", "WORK", "updatedemail@microsoft.com") || len(g.Addresses) != 1 {
		t.Fatalf("after userName update: %+v", g)
	}

	// Disable.
	out, err = env.gw.PatchUser(env.ctx(), id, mustPatch(t, `{"Operations":[{"op":"Replace","path":"active","value":"False"}],
		"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`), scim.Precondition{})
	if err != nil || *out.Active {
		t.Fatalf("disable: %+v, %v", out, err)
	}
	if g := userByID(env, id); g.State != "inactive" {
		t.Fatalf("after disable: state %s", g.State)
	}
	if got, err := env.gw.GetUser(env.ctx(), id); err != nil || *got.Active {
		t.Fatalf("a disabled user stays readable: %+v, %v", got, err)
	}
	if res := listByFilter(t, env, `userName eq "5b50642d@testuser.com"`); res.Total != 1 {
		t.Fatalf("a disabled user stays listable: %+v", res)
	}
	if n := len(env.events(audit.UserDeactivated)); n != 1 {
		t.Errorf("%d SCIM_USER_DEACTIVATED entries, want 1", n)
	}

	// Delete.
	if err := env.gw.DeleteUser(env.ctx(), id, scim.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if g := userByID(env, id); g.State != "deleted" {
		t.Fatalf("after delete: state %s", g.State)
	}
	_, err = env.gw.GetUser(env.ctx(), id)
	wantStatus(t, err, http.StatusNotFound)
	if res := listByFilter(t, env, `userName eq "5b50642d@testuser.com"`); res.Total != 0 {
		t.Fatalf("a deleted user is not listed: %+v", res)
	}
	err = env.gw.DeleteUser(env.ctx(), id, scim.Precondition{})
	wantStatus(t, err, http.StatusNotFound)
	if n := len(env.events(audit.UserDeleted)); n != 2 {
		t.Errorf("%d SCIM_USER_DELETED entries, want 2", n)
	}
}

func hasContact(cs []genesystest.Contact, media, typ, addr string) bool {
	for _, c := range cs {
		if c.MediaType == media && c.Type == typ && strings.EqualFold(c.Address, addr) {
			return true
		}
	}
	return false
}

func workEmailOf(u *scim.User) string {
	for _, e := range u.Emails {
		if e.Type == "work" {
			return e.Value
		}
	}
	return ""
}

// TestPatchAtomic: a PATCH whose second operation is bad changes nothing
// upstream.
func TestPatchAtomic(t *testing.T) {
	env, ic := newLifeEnv(t)
	amy := seed(env, genesystest.UserSeed{Name: "Amy Adams", Email: "amy@example.com", Title: "Agent"})
	ic.reset()
	for _, body := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"replace","path":"title","value":"Boss"},{"op":"replace","path":"userName","value":"not an email"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"replace","path":"title","value":"Boss"},{"op":"replace","path":"emails[type eq \"work\"].value","value":"not-an-email"}]}`,
	} {
		_, err := env.gw.PatchUser(env.ctx(), amy.ID, mustPatch(t, body), scim.Precondition{})
		if se := wantStatus(t, err, http.StatusBadRequest); se.ScimType != scim.InvalidValue {
			t.Errorf("scimType %q", se.ScimType)
		}
	}
	// An unknown routing name the caller sent is refused (400), found
	// before any write too.
	_, err := env.gw.PatchUser(env.ctx(), amy.ID, mustPatch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"replace","path":"title","value":"Boss"},{"op":"replace","path":"active","value":false},
		{"op":"add","path":"groups","value":[{"display":"Support Agents"}]},
		{"op":"add","path":"urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:routingSkills","value":[{"name":"No Such Skill"}]}]}`), scim.Precondition{})
	if se := wantStatus(t, err, http.StatusBadRequest); !strings.Contains(se.Detail, "No Such Skill") {
		t.Errorf("detail %q does not name the skill", se.Detail)
	}
	if g := userByID(env, amy.ID); g.Title != "Agent" || g.Version != amy.Version || g.State != "active" {
		t.Fatalf("a failed PATCH changed the user: %+v", g)
	}
	if n := ic.count(func(r string) bool { return isAPI(r) && !strings.HasPrefix(r, "GET ") }); n != 0 {
		t.Fatalf("a failed PATCH wrote upstream: %v", ic.sent)
	}
}

// TestPatchOktaActivation: Okta's path-less replace deactivates, and a
// PATCH that reactivates with groups joins them and routes the user.
func TestPatchOktaActivation(t *testing.T) {
	env, _ := newLifeEnv(t)
	amy := seed(env, genesystest.UserSeed{Name: "Amy Adams", Email: "amy@example.com"})
	p := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`
	if _, err := env.gw.PatchUser(env.ctx(), amy.ID, mustPatch(t, p), scim.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if g := userByID(env, amy.ID); g.State != "inactive" || g.Name != "Amy Adams" {
		t.Fatalf("after deactivation: %+v", g)
	}
	p = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}},
		{"op":"add","path":"groups","value":[{"value":"g1","display":"Support Agents"}]}]}`
	out, err := env.gw.PatchUser(env.ctx(), amy.ID, mustPatch(t, p), scim.Precondition{})
	if err != nil || !*out.Active {
		t.Fatalf("reactivation: %+v, %v", out, err)
	}
	// The group is joined at once; its routing follows by reconciliation.
	qid, _ := env.emu.QueueID("Support")
	env.eventually(func() bool {
		g := userByID(env, amy.ID)
		return g.State == "active" && len(g.Skills) == 1 && len(g.Languages) == 1 && contains(env.emu.QueueMembers(qid), amy.ID)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestPatchUserNameAlone: changing only the userName moves the Genesys email
// and creates no work address (the rendered work entry follows the
// userName); a work email equal to the userName clears the work address.
func TestPatchUserNameAlone(t *testing.T) {
	env, _ := newLifeEnv(t)
	amy := seed(env, genesystest.UserSeed{Name: "Amy Adams", Email: "amy@example.com"})
	op := func(body string) *scim.User {
		t.Helper()
		out, err := env.gw.PatchUser(env.ctx(), amy.ID, mustPatch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+body+`]}`), scim.Precondition{})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := op(`{"op":"replace","path":"userName","value":"Amy.Adams@Example.com"}`)
	if g := userByID(env, amy.ID); g.Email != "amy.adams@example.com" || len(g.Addresses) != 0 {
		t.Fatalf("after userName change: %+v", g)
	}
	if out.UserName != "amy.adams@example.com" || workEmailOf(out) != "amy.adams@example.com" {
		t.Fatalf("answered %+v", out)
	}
	op(`{"op":"replace","path":"emails[type eq \"work\"].value","value":"amy@corp.example"}`)
	if g := userByID(env, amy.ID); !hasContact(g.Addresses, "EMAIL", "WORK", "amy@corp.example") {
		t.Fatalf("work address not set: %+v", g)
	}
	out = op(`{"op":"replace","path":"emails[type eq \"work\"].value","value":"AMY.ADAMS@example.com"}`)
	if g := userByID(env, amy.ID); len(g.Addresses) != 0 || g.Email != "amy.adams@example.com" {
		t.Fatalf("work address not cleared: %+v", g)
	}
	if len(out.Emails) != 1 || out.Emails[0].Type != "work" {
		t.Fatalf("answered emails %+v", out.Emails)
	}
	// displayName alone renames (Entra); given/family recompute the name.
	op(`{"op":"replace","path":"displayName","value":"Amy Q. Adams"}`)
	if g := userByID(env, amy.ID); g.Name != "Amy Q. Adams" {
		t.Fatalf("name %q", g.Name)
	}
	op(`{"op":"replace","value":{"name.givenName":"Amelia"}}`)
	if g := userByID(env, amy.ID); g.Name != "Amelia Adams" {
		t.Fatalf("name %q", g.Name)
	}
}
