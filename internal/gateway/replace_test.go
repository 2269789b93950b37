package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// TestOktaSequence runs Okta's request sequence (Okta's SCIM 2.0 reference)
// through the Backend, checking Genesys after each step.
func TestOktaSequence(t *testing.T) {
	env, _ := newLifeEnv(t)
	if res := listByFilter(t, env, `userName eq "test.user@okta.local"`); res.Total != 0 {
		t.Fatalf("exists before create: %+v", res)
	}
	created, ok := env.create(decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
		"name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
		"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}`))
	if !ok {
		t.Fatal("not created")
	}
	id := created.ID
	res, err := env.gw.ListUsers(env.ctx(), &scim.ListQuery{StartIndex: 1, Count: 100})
	if err != nil || res.Total != 1 || res.Users[0].ID != id {
		t.Fatalf("import: %+v, %v", res, err)
	}
	got, err := env.gw.GetUser(env.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}

	// PUT the full object back with a new given name, as Okta does: id,
	// meta, groups and active included.
	put := decode(t, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":%q,"userName":"test.user@okta.local",
		"name":{"givenName":"Tess","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
		"displayName":"Test User","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"active":true,
		"meta":{"resourceType":"User","version":%q}}`, id, `W/"`+got.Meta.Version+`"`))
	out, err := env.gw.ReplaceUser(env.ctx(), id, put, scim.Precondition{IfMatch: []string{got.Meta.Version}})
	if err != nil {
		t.Fatal(err)
	}
	if g := userByID(env, id); g.Name != "Tess User" || g.State != "active" || out.Name.GivenName != "Tess" || out.ExternalID != "00ujl29u0le5T6Aj10h7" {
		t.Fatalf("after PUT: %+v / %+v", g, out)
	}
	// Deactivate with the path-less PATCH.
	if _, err := env.gw.PatchUser(env.ctx(), id, mustPatch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"replace","value":{"active":false}}]}`), scim.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if g := userByID(env, id); g.State != "inactive" {
		t.Fatalf("after deactivation: %+v", g)
	}
	// Okta's AIW apps reactivate with a PUT; with groups, the user joins them
	// and is routed as their blocks give.
	put.Active = ptr(true)
	put.Groups = []scim.GroupRef{{Value: "g-42", Display: "support agents"}}
	if _, err := env.gw.ReplaceUser(env.ctx(), id, put, scim.Precondition{}); err != nil {
		t.Fatal(err)
	}
	qid, _ := env.emu.QueueID("Support")
	env.eventually(func() bool {
		g := userByID(env, id)
		return g.State == "active" && len(g.Skills) == 1 && g.Skills[0].Proficiency == 2 && len(g.Languages) == 1 &&
			contains(env.emu.QueueMembers(qid), id)
	})
}

// TestReplaceClearsOmitted: a PUT is a full replace of the mapped
// attributes; unmapped addresses survive.
func TestReplaceClearsOmitted(t *testing.T) {
	env, _ := newLifeEnv(t)
	boss := seed(env, genesystest.UserSeed{Name: "Boss", Email: "boss@example.com"})
	amy := seed(env, genesystest.UserSeed{Name: "Amy Adams", Email: "amy@example.com", Title: "Agent", Department: "Support",
		Manager: boss.ID, ExternalIDs: []genesystest.ExternalID{{Authority: "scim", Key: "HR-1"}},
		Addresses: []genesystest.Contact{
			{Address: "amy.w@corp.example", MediaType: "EMAIL", Type: "WORK"},
			{Address: "+13175551234", MediaType: "PHONE", Type: "WORK"},
			{Address: "+13175550000", MediaType: "PHONE", Type: "WORK2"},
		}})
	out, err := env.gw.ReplaceUser(env.ctx(), amy.ID, decode(t, `{"userName":"Amy@Example.com","name":{"formatted":"Amy B. Adams"},
		"phoneNumbers":[{"type":"mobile","value":"+13175559999"}]}`), scim.Precondition{})
	if err != nil {
		t.Fatal(err)
	}
	g := userByID(env, amy.ID)
	if g.Name != "Amy B. Adams" || g.Title != "" || g.Department != "" || g.Manager != "" || len(g.ExternalIDs) != 0 ||
		len(g.Addresses) != 2 || !hasContact(g.Addresses, "PHONE", "MOBILE", "+13175559999") || !hasContact(g.Addresses, "PHONE", "WORK2", "+13175550000") {
		t.Fatalf("after PUT: %+v", g)
	}
	if out.ExternalID != "" || out.Title != "" || len(out.PhoneNumbers) != 1 {
		t.Fatalf("PUT answered %+v", out)
	}

	// A new external id replaces the mapping; a taken one is 409.
	other := seed(env, genesystest.UserSeed{Name: "Other", Email: "other@example.com",
		ExternalIDs: []genesystest.ExternalID{{Authority: "scim", Key: "HR-9"}}})
	if _, err := env.gw.ReplaceUser(env.ctx(), amy.ID, decode(t, `{"userName":"amy@example.com","externalId":"HR-2"}`), scim.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if g := userByID(env, amy.ID); len(g.ExternalIDs) != 1 || g.ExternalIDs[0].Key != "HR-2" {
		t.Fatalf("external ids %+v", g.ExternalIDs)
	}
	_, err = env.gw.ReplaceUser(env.ctx(), amy.ID, decode(t, `{"userName":"amy@example.com","externalId":"HR-9","title":"X"}`), scim.Precondition{})
	if se := wantStatus(t, err, http.StatusConflict); se.ScimType != scim.Uniqueness {
		t.Fatalf("scimType %q", se.ScimType)
	}
	// A userName another user holds is 409 uniqueness, and nothing changes.
	before := userByID(env, amy.ID)
	_, err = env.gw.ReplaceUser(env.ctx(), amy.ID, decode(t, `{"userName":"other@example.com","title":"Y"}`), scim.Precondition{})
	if se := wantStatus(t, err, http.StatusConflict); se.ScimType != scim.Uniqueness {
		t.Fatalf("scimType %q", se.ScimType)
	}
	// No userName is 400 invalidValue.
	_, err = env.gw.ReplaceUser(env.ctx(), amy.ID, decode(t, `{"emails":[{"value":"amy@example.com"}],"title":"Z"}`), scim.Precondition{})
	if se := wantStatus(t, err, http.StatusBadRequest); se.ScimType != scim.InvalidValue {
		t.Fatalf("scimType %q", se.ScimType)
	}
	if after := userByID(env, amy.ID); after.Version != before.Version || after.Title != "" {
		t.Fatalf("a refused PUT changed the user: %+v", after)
	}
	if _, ok := env.emu.UserByExternalID("scim", "HR-9"); !ok || userByID(env, other.ID).Email != "other@example.com" {
		t.Fatal("the other user changed")
	}
	// Unknown ids are 404.
	_, err = env.gw.ReplaceUser(env.ctx(), "00000000-0000-0000-0000-000000000000", decode(t, `{"userName":"x@example.com"}`), scim.Precondition{})
	wantStatus(t, err, http.StatusNotFound)
}

// TestWritePreconditionsAndVersions: If-Match stale is 412 on PUT, PATCH and
// DELETE; an injected version conflict is retried; with If-Match pinned a
// conflict is 412.
func TestWritePreconditionsAndVersions(t *testing.T) {
	env, ic := newLifeEnv(t)
	amy := seed(env, genesystest.UserSeed{Name: "Amy Adams", Email: "amy@example.com"})
	stale := scim.Precondition{IfMatch: []string{"999"}}
	title := mustPatch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Lead"}]}`)

	_, err := env.gw.ReplaceUser(env.ctx(), amy.ID, decode(t, `{"userName":"amy@example.com","title":"Lead"}`), stale)
	wantStatus(t, err, http.StatusPreconditionFailed)
	_, err = env.gw.PatchUser(env.ctx(), amy.ID, title, stale)
	wantStatus(t, err, http.StatusPreconditionFailed)
	wantStatus(t, env.gw.DeleteUser(env.ctx(), amy.ID, stale), http.StatusPreconditionFailed)
	if g := userByID(env, amy.ID); g.Version != amy.Version || g.State != "active" {
		t.Fatalf("a stale If-Match changed the user: %+v", g)
	}

	// A conflict injected on the next PATCH is re-read and retried.
	ic.reset()
	env.emu.ConflictNextPatch(amy.ID)
	out, err := env.gw.PatchUser(env.ctx(), amy.ID, title, scim.Precondition{})
	if err != nil || out.Title != "Lead" {
		t.Fatalf("after a version conflict: %+v, %v", out, err)
	}
	if n := ic.count(func(r string) bool { return strings.HasPrefix(r, "PATCH /api/v2/users/") }); n != 2 {
		t.Fatalf("%d PATCH calls, want 2", n)
	}
	g := userByID(env, amy.ID)
	if g.Title != "Lead" {
		t.Fatalf("title %q", g.Title)
	}
	// With If-Match pinned, the same conflict is 412.
	env.emu.ConflictNextPatch(amy.ID)
	title2 := mustPatch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Head"}]}`)
	_, err = env.gw.PatchUser(env.ctx(), amy.ID, title2, scim.Precondition{IfMatch: []string{fmt.Sprint(g.Version)}})
	wantStatus(t, err, http.StatusPreconditionFailed)
	// The current version (and "*") are accepted.
	g = userByID(env, amy.ID)
	if _, err := env.gw.PatchUser(env.ctx(), amy.ID, title2, scim.Precondition{IfMatch: []string{fmt.Sprint(g.Version)}}); err != nil {
		t.Fatal(err)
	}
	if err := env.gw.DeleteUser(env.ctx(), amy.ID, scim.Precondition{Any: true}); err != nil {
		t.Fatal(err)
	}
	if g := userByID(env, amy.ID); g.State != "deleted" || g.Title != "Head" {
		t.Fatalf("after delete: %+v", g)
	}
}

// TestSecondWriteFailsThenConverges: fields are written, the state PATCH
// fails; the caller gets an error and the identical retry converges.
func TestSecondWriteFailsThenConverges(t *testing.T) {
	env, ic := newLifeEnv(t)
	amy := seed(env, genesystest.UserSeed{Name: "Amy Adams", Email: "amy@example.com"})
	p := mustPatch(t, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"replace","path":"title","value":"Gone Fishing"},{"op":"replace","path":"active","value":false}]}`)
	ic.set(func(r *http.Request, body []byte) int {
		if r.Method == http.MethodPatch && strings.Contains(string(body), `"state"`) {
			return http.StatusServiceUnavailable
		}
		return 0
	})
	_, err := env.gw.PatchUser(env.ctx(), amy.ID, p, scim.Precondition{})
	wantStatus(t, err, http.StatusServiceUnavailable)
	if g := userByID(env, amy.ID); g.Title != "Gone Fishing" || g.State != "active" {
		t.Fatalf("after the failed second write: %+v", g)
	}
	if ev := env.events(audit.UserUpdated); len(ev) != 1 || eventField(ev[0], "outcome") != audit.Failed {
		t.Fatalf("audit: %+v", ev)
	}
	ic.set(nil)
	out, err := env.gw.PatchUser(env.ctx(), amy.ID, p, scim.Precondition{})
	if err != nil || *out.Active || out.Title != "Gone Fishing" {
		t.Fatalf("retry: %+v, %v", out, err)
	}
	if g := userByID(env, amy.ID); g.Title != "Gone Fishing" || g.State != "inactive" {
		t.Fatalf("after the retry: %+v", g)
	}
	if n := len(env.events(audit.UserDeactivated)); n != 1 {
		t.Fatalf("%d SCIM_USER_DEACTIVATED entries, want 1", n)
	}
}
