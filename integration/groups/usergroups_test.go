package groups

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// TestUserGroups: groups in a User body become membership of the Genesys
// groups their blocks name (created on first use; adds only: Okta's
// "groups": [] changes nothing), GET of a User shows its groups with $ref,
// and a list shows them only when attributes asks for them. A deleted user
// cannot be added to a group.
func TestUserGroups(t *testing.T) {
	s := newStack(t, fastPacing)
	w := s.Writer()
	r := s.Do(http.MethodPost, "/Users", w, `{"userName":"gus@example.com","externalId":"hr-gus","groups":[{"display":"CC Billing"},{"display":"Not Configured"}]}`).
		Expect(t, http.StatusCreated)
	gus := harness.Str(r.Body, "id")
	gs := s.Emu.GroupsByName("CC Billing")
	if len(gs) != 1 || len(gs[0].Members) != 1 || gs[0].Members[0] != gus {
		t.Fatalf("Genesys groups named CC Billing: %+v, want one holding the new user", gs)
	}
	if other := s.Emu.GroupsByName("Not Configured"); len(other) != 0 {
		t.Fatalf("a group no block names was created: %+v", other)
	}
	expectRouting(t, s, "created in CC Billing", map[string]routing{gus: billing})

	// Okta's PUT sends groups: []; membership and routing stay.
	s.Do(http.MethodPut, "/Users/"+gus, w, `{"userName":"gus@example.com","externalId":"hr-gus","groups":[]}`).Expect(t, http.StatusOK)
	expectRouting(t, s, "after a PUT with no groups", map[string]routing{gus: billing})

	got := s.Do(http.MethodGet, "/Users/"+gus, w, nil).Expect(t, http.StatusOK)
	groups, _ := got.Body["groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("GET shows groups %s", got.Raw)
	}
	g := groups[0].(map[string]any)
	if harness.Str(g, "value") != gs[0].ID || harness.Str(g, "display") != "CC Billing" || harness.Str(g, "$ref") != s.Base+"/Groups/"+gs[0].ID {
		t.Fatalf("group reference %v", g)
	}
	list := s.Do(http.MethodGet, "/Users", w, nil).Expect(t, http.StatusOK)
	if strings.Contains(string(list.Raw), `"groups"`) {
		t.Fatalf("a list without attributes shows groups: %s", list.Raw)
	}
	// Every way a list is answered shows them: a search, a read by id, a
	// read by externalId (whose Genesys call has no expand).
	for _, filter := range []string{"", `userName eq "gus@example.com"`, `id eq "` + gus + `"`, `externalId eq "hr-gus"`} {
		path := "/Users?attributes=userName,groups"
		if filter != "" {
			path += "&filter=" + url.QueryEscape(filter)
		}
		list = s.Do(http.MethodGet, path, w, nil).Expect(t, http.StatusOK)
		if !strings.Contains(string(list.Raw), gs[0].ID) {
			t.Errorf("attributes=groups with filter %q does not show them: %s", filter, list.Raw)
		}
	}

	// A deleted user is not a member anyone can add.
	gone := createUser(t, s, "gone@example.com")
	s.Do(http.MethodDelete, "/Users/"+gone, w, nil).Expect(t, http.StatusNoContent)
	bad := s.Do(http.MethodPatch, "/Groups/"+gs[0].ID, w, patch(`{"op":"add","path":"members","value":[{"value":"`+gone+`"}]}`)).
		ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	if !strings.Contains(string(bad.Raw), gone) {
		t.Fatalf("the refusal does not name the deleted user: %s", bad.Raw)
	}
	s.NoRejections()
}
