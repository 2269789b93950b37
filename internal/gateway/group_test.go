package gateway

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// mustGroupFilter parses a GET /Groups filter.
func mustGroupFilter(t *testing.T, s string) scim.Filter {
	t.Helper()
	f, err := scim.ParseGroupFilter(s)
	if err != nil {
		t.Fatalf("ParseGroupFilter(%s): %v", s, err)
	}
	return f
}

// TestListGroupsFilters: each filter form Entra ID and Okta send, answered
// from its most selective term.
func TestListGroupsFilters(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	amy := seed(env, genesystest.UserSeed{Name: "Amy", Email: "amy@example.com"})
	bob := seed(env, genesystest.UserSeed{Name: "Bob", Email: "bob@example.com"})
	sales := env.emu.SeedGroup("Sales", amy.ID)
	support := env.emu.SeedGroup("Support Agents", amy.ID, bob.ID)
	env.emu.SeedGroup("Book Club")
	if err := env.gw.core.groupExternalIDs.set(env.ctx(), support, "entra-1"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{``, []string{"Book Club", "Sales", "Support Agents"}},
		{`displayName eq "SALES"`, []string{"Sales"}},
		{`displayName eq "nope"`, nil},
		{`id eq "` + sales + `"`, []string{"Sales"}},
		{`id eq "not-an-id"`, nil},
		{`externalId eq "entra-1"`, []string{"Support Agents"}},
		{`externalId eq "other"`, nil},
		{`members eq "` + bob.ID + `"`, []string{"Support Agents"}},
		{`id eq "` + support + `" and members eq "` + bob.ID + `"`, []string{"Support Agents"}},
		{`id eq "` + sales + `" and members eq "` + bob.ID + `"`, nil},
		{`members[value eq "` + amy.ID + `"]`, []string{"Sales", "Support Agents"}},
		{`displayName eq "Sales" or externalId eq "entra-1"`, []string{"Sales", "Support Agents"}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			q := &scim.GroupListQuery{StartIndex: 1, Count: 10}
			if tc.filter != "" {
				q.Filter = mustGroupFilter(t, tc.filter)
			}
			res, err := env.gw.ListGroups(env.ctx(), q)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, g := range res.Groups {
				names = append(names, g.DisplayName)
				if g.Members != nil {
					t.Errorf("%s: members read although not asked for", g.DisplayName)
				}
			}
			if !slices.Equal(names, tc.want) || res.Total != len(tc.want) {
				t.Fatalf("groups %v (total %d), want %v", names, res.Total, tc.want)
			}
		})
	}
	// An or of more ids than the bound is refused, not looked up.
	var many []string
	for range maxFilterLookups + 1 {
		many = append(many, `id eq "`+sales+`"`)
	}
	_, err := env.gw.ListGroups(env.ctx(), &scim.GroupListQuery{StartIndex: 1, Count: 10, Filter: mustGroupFilter(t, strings.Join(many, " or "))})
	if se := wantStatus(t, err, http.StatusBadRequest); se.ScimType != scim.TooMany {
		t.Errorf("scimType %q, want tooMany", se.ScimType)
	}
	env.assertNoRejections()
}

// A membership write whose version was overtaken (another writer changed
// the group between two chunks) reads the version again and completes.
func TestAddMembersRecoversFromAStaleVersion(t *testing.T) {
	var adds atomic.Int32
	var env *testEnv
	var group string
	env = newTestEnv(t, envOptions{wrap: func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPost && r.URL.Path == "/api/v2/groups/"+group+"/members" && adds.Add(1) == 2 {
				// An administrator adds someone between the chunks.
				other, _ := env.emu.UserByEmail("other@example.com")
				if err := env.emu.AddGroupMember(group, other.ID); err != nil {
					return nil, err
				}
			}
			return rt.RoundTrip(r)
		})
	}})
	seed(env, genesystest.UserSeed{Name: "Other", Email: "other@example.com"})
	var members []string
	for i := range 70 {
		members = append(members, seed(env, genesystest.UserSeed{Name: "M", Email: fmt.Sprintf("m%02d@example.com", i)}).ID)
	}
	group = env.emu.SeedGroup("Book Club")
	if err := env.gw.PatchGroup(env.ctx(), group, &scim.GroupPatch{Add: members}, scim.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if got := env.emu.GroupMembers(group); len(got) != 71 {
		t.Fatalf("%d members, want the 70 added and the administrator's one", len(got))
	}
	if n := env.calls("GET /api/v2/groups/{id}"); n < 2 {
		t.Errorf("%d reads of the group, want the first and one after the stale version", n)
	}
	env.assertNoRejections()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
