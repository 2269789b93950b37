package groups

import (
	"net/http"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// TestOktaPushGroups replays Okta's Push Groups (Okta's SCIM 2.0 guide): the
// lookup by displayName, a create with members, a rename by path-less
// replace carrying the id (ignored), member adds and removes in lower case,
// an older integration's PUT with the full member list, and the delete.
// After each step every user holds exactly the routing its groups give.
func TestOktaPushGroups(t *testing.T) {
	s := newStack(t, fastPacing)
	w := s.Writer()
	dan, eve, fay := createUser(t, s, "dan@example.com"), createUser(t, s, "eve@example.com"), createUser(t, s, "fay@example.com")

	if r := s.Do(http.MethodGet, "/Groups"+filterQuery(`displayName eq "CC Spanish"`), w, nil).Expect(t, http.StatusOK); r.Body["totalResults"] != float64(0) {
		t.Fatalf("lookup: %s", r.Raw)
	}
	created := s.Do(http.MethodPost, "/Groups", w, `{"schemas":["`+groupURN+`"],"displayName":"CC Spanish",`+
		`"members":[{"value":"`+dan+`","display":"dan@example.com"},{"value":"`+eve+`","display":"eve@example.com"}]}`).
		Expect(t, http.StatusCreated)
	gid := harness.Str(created.Body, "id")
	if members, _ := created.Body["members"].([]any); len(members) != 2 {
		t.Fatalf("created group's members: %s", created.Raw)
	}
	expectRouting(t, s, "created with members", map[string]routing{dan: spanish, eve: spanish, fay: nothing})

	// A second POST of the name, in another case, is the duplicate Okta
	// then adopts by lookup.
	s.Do(http.MethodPost, "/Groups", w, `{"displayName":"cc SPANISH"}`).ExpectSCIMError(t, http.StatusConflict, "uniqueness")
	if r := s.Do(http.MethodGet, "/Groups"+filterQuery(`displayName eq "cc spanish"`), w, nil).Expect(t, http.StatusOK); r.Body["totalResults"] != float64(1) {
		t.Fatalf("case-insensitive lookup: %s", r.Raw)
	}

	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(`{"op":"replace","value":{"id":"`+gid+`","displayName":"CC Billing"}}`)).
		Expect(t, http.StatusNoContent)
	expectRouting(t, s, "renamed to another block", map[string]routing{dan: billing, eve: billing, fay: nothing})

	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(`{"op":"add","path":"members","value":[{"value":"`+fay+`","display":"fay@example.com"}]}`)).
		Expect(t, http.StatusNoContent)
	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(`{"op":"remove","path":"members","value":[{"value":"`+dan+`","display":"dan@example.com"}]}`)).
		Expect(t, http.StatusNoContent)
	expectRouting(t, s, "after add and remove", map[string]routing{dan: nothing, eve: billing, fay: billing})

	// Adding a member twice changes nothing; an unknown member is refused
	// and nothing of the PATCH applies.
	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(`{"op":"add","path":"members","value":[{"value":"`+fay+`"}]}`)).Expect(t, http.StatusNoContent)
	bad := s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(
		`{"op":"add","path":"members","value":[{"value":"`+dan+`"},{"value":"00000000-0000-4000-8000-000000000000"}]}`)).
		ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	if !containsText(bad.Raw, "00000000-0000-4000-8000-000000000000") {
		t.Fatalf("the refusal does not name the unknown member: %s", bad.Raw)
	}
	if members := s.Emu.GroupMembers(gid); len(members) != 2 {
		t.Fatalf("members after a refused PATCH: %v", members)
	}

	// Older integrations PUT the full member list.
	s.Do(http.MethodPut, "/Groups/"+gid, w, `{"schemas":["`+groupURN+`"],"id":"`+gid+`","displayName":"CC Billing",`+
		`"members":[{"value":"`+dan+`"},{"value":"`+fay+`"}]}`).Expect(t, http.StatusOK)
	expectRouting(t, s, "after the PUT", map[string]routing{dan: billing, eve: nothing, fay: billing})

	full := s.Do(http.MethodGet, "/Groups/"+gid, w, nil).Expect(t, http.StatusOK)
	if members, _ := full.Body["members"].([]any); len(members) != 2 {
		t.Fatalf("GET with members: %s", full.Raw)
	}
	s.Do(http.MethodDelete, "/Groups/"+gid, w, nil).Expect(t, http.StatusNoContent)
	expectRouting(t, s, "after the delete", map[string]routing{dan: nothing, eve: nothing, fay: nothing})
	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(`{"op":"add","path":"members","value":[{"value":"`+eve+`"}]}`)).
		ExpectSCIMError(t, http.StatusNotFound, "")
	s.NoRejections()
}

func containsText(b []byte, s string) bool { return strings.Contains(string(b), s) }
