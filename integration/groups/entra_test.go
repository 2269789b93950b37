package groups

import (
	"net/http"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// Routing the harness's group blocks give:
//
//	CC Billing: skills Billing:4 Payments:3, languages English:5, queue Billing
//	CC Spanish: skills Support:2, languages Spanish:4 English:2, queues Spanish Support, General Support
var (
	billing = want(map[string]float64{"Billing": 4, "Payments": 3}, map[string]float64{"English": 5}, "Billing")
	spanish = want(map[string]float64{"Support": 2}, map[string]float64{"Spanish": 4, "English": 2}, "Spanish Support", "General Support")
	both    = want(map[string]float64{"Billing": 4, "Payments": 3, "Support": 2}, map[string]float64{"English": 5, "Spanish": 4},
		"Billing", "Spanish Support", "General Support")
	nothing = want(nil, nil)
)

// withHand is r plus a skill assigned outside the managed set.
func withHand(r routing) routing {
	out := want(map[string]float64{"Escalations": 1}, nil, r.Queues...)
	for k, v := range r.Skills {
		out.Skills[k] = v
	}
	for k, v := range r.Languages {
		out.Languages[k] = v
	}
	return out
}

// TestEntraGroupSequence replays Entra ID's group provisioning (Microsoft's
// SCIM guide, "Group operations"): the lookup by displayName without
// members, the create, the read, the membership check, member adds batched
// into one PATCH, removes by members[value eq] and by value list, a rename
// and the delete. After each step every user holds exactly the routing its
// groups give; a skill assigned by hand stays.
func TestEntraGroupSequence(t *testing.T) {
	s := newStack(t, fastPacing)
	w := s.Writer()
	amy, bob, cat := createUser(t, s, "amy@example.com"), createUser(t, s, "bob@example.com"), createUser(t, s, "cat@example.com")
	// A skill outside the managed set, assigned by the purecloud extension.
	s.Do(http.MethodPatch, "/Users/"+amy, w, patch(`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:routingSkills","value":[{"name":"Escalations","proficiency":1}]}`)).
		Expect(t, http.StatusOK)
	expectRouting(t, s, "before any group", map[string]routing{amy: withHand(nothing), bob: nothing, cat: nothing})

	lookup := s.Do(http.MethodGet, "/Groups"+filterQuery(`displayName eq "CC Billing"`, "excludedAttributes=members"), w, nil).Expect(t, http.StatusOK)
	if lookup.Body["totalResults"] != float64(0) {
		t.Fatalf("lookup of a group that does not exist: %s", lookup.Raw)
	}
	created := s.Do(http.MethodPost, "/Groups", w, `{"schemas":["`+groupURN+`","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],`+
		`"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"CC Billing","members":[],"meta":{"resourceType":"Group"}}`).
		Expect(t, http.StatusCreated)
	gid := harness.Str(created.Body, "id")
	if loc := created.Header.Get("Location"); loc != s.Base+"/Groups/"+gid {
		t.Fatalf("Location %q", loc)
	}
	if gs := s.Emu.GroupsByName("CC Billing"); len(gs) != 1 || gs[0].ID != gid {
		t.Fatalf("Genesys groups named CC Billing: %+v", gs)
	}
	got := s.Do(http.MethodGet, "/Groups/"+gid+"?excludedAttributes=members", w, nil).Expect(t, http.StatusOK)
	if harness.Str(got.Body, "externalId") != "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" || got.Body["members"] != nil {
		t.Fatalf("GET without members: %s", got.Raw)
	}
	check := func(user string) float64 {
		r := s.Do(http.MethodGet, "/Groups"+filterQuery(`id eq "`+gid+`" and members eq "`+user+`"`, "excludedAttributes=members"), w, nil).Expect(t, http.StatusOK)
		return r.Body["totalResults"].(float64)
	}
	if n := check(amy); n != 0 {
		t.Fatalf("membership check before the add: %v results", n)
	}

	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(
		`{"op":"Add","path":"members","value":[{"$ref":null,"value":"`+amy+`"},{"$ref":null,"value":"`+bob+`"}]}`,
		`{"op":"Add","path":"members","value":[{"$ref":null,"value":"`+cat+`"}]}`)).Expect(t, http.StatusNoContent)
	if n := check(amy); n != 1 {
		t.Fatalf("membership check after the add: %v results", n)
	}
	expectRouting(t, s, "after the add", map[string]routing{amy: withHand(billing), bob: billing, cat: billing})

	// A second group with overlapping routing: the highest proficiency wins.
	sp := harness.Str(s.Do(http.MethodPost, "/Groups", w, `{"schemas":["`+groupURN+`"],"displayName":"CC Spanish","members":[]}`).
		Expect(t, http.StatusCreated).Body, "id")
	s.Do(http.MethodPatch, "/Groups/"+sp, w, patch(`{"op":"Add","path":"members","value":[{"value":"`+amy+`"}]}`)).Expect(t, http.StatusNoContent)
	expectRouting(t, s, "in both groups", map[string]routing{amy: withHand(both), bob: billing, cat: billing})

	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(`{"op":"Remove","path":"members[value eq \"`+bob+`\"]"}`)).Expect(t, http.StatusNoContent)
	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"`+cat+`"}]}`)).Expect(t, http.StatusNoContent)
	if n := check(bob); n != 0 {
		t.Fatalf("membership check after the remove: %v results", n)
	}
	expectRouting(t, s, "after the removes", map[string]routing{amy: withHand(both), bob: nothing, cat: nothing})

	// Out of CC Billing, amy keeps what CC Spanish gives: English drops to 2.
	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(`{"op":"Remove","path":"members[value eq \"`+amy+`\"]"}`)).Expect(t, http.StatusNoContent)
	expectRouting(t, s, "amy in CC Spanish only", map[string]routing{amy: withHand(spanish), bob: nothing, cat: nothing})

	// A rename out of a configured name takes the routing; back, returns it.
	s.Do(http.MethodPatch, "/Groups/"+sp, w, patch(`{"op":"Replace","path":"displayName","value":"Spanish Agents"}`)).Expect(t, http.StatusNoContent)
	if g, _ := s.Emu.Group(sp); g.Name != "Spanish Agents" {
		t.Fatalf("Genesys group name %q after the rename", g.Name)
	}
	expectRouting(t, s, "renamed out", map[string]routing{amy: withHand(nothing)})
	s.Do(http.MethodPatch, "/Groups/"+sp, w, patch(`{"op":"Replace","path":"displayName","value":"cc spanish"}`)).Expect(t, http.StatusNoContent)
	expectRouting(t, s, "renamed back in", map[string]routing{amy: withHand(spanish)})

	// A deleted group takes its routing with it.
	s.Do(http.MethodDelete, "/Groups/"+sp, w, nil).Expect(t, http.StatusNoContent)
	s.Do(http.MethodGet, "/Groups/"+sp, w, nil).ExpectSCIMError(t, http.StatusNotFound, "")
	expectRouting(t, s, "after the delete", map[string]routing{amy: withHand(nothing)})
	s.Do(http.MethodDelete, "/Groups/"+gid, w, nil).Expect(t, http.StatusNoContent)

	audited := map[string]int{}
	for _, e := range s.AuditEntries() {
		audited[harness.Str(e, "event")]++
	}
	for _, ev := range []string{"SCIM_GROUP_CREATED", "SCIM_GROUP_UPDATED", "SCIM_GROUP_DELETED", "SCIM_GROUP_READ", "SCIM_GROUP_LIST_QUERY", "SCIM_ROUTING_ASSIGNED"} {
		if audited[ev] == 0 {
			t.Errorf("no %s audit entry", ev)
		}
	}
	s.NoRejections()
}
