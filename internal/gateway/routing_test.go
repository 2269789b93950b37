package gateway

import (
	"net/http"
	"slices"
	"testing"

	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/scim"
)

func profOf(ps []genesystest.Proficiency) map[string]float64 {
	m := map[string]float64{}
	for _, p := range ps {
		m[p.Name] = p.Proficiency
	}
	return m
}

// Each group's skills (with proficiency), languages and queues reach the
// Genesys user; across groups the highest proficiency wins. The extension
// adds the names no group block manages; a managed one (Sales, Spanish)
// follows the groups only, whatever proficiency the extension sends.
func TestRoutingFromGroupsAndExtension(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	out, _ := env.create(&scim.User{UserName: "rita@example.com",
		Groups:           []scim.GroupRef{{Display: "SUPPORT AGENTS"}, {Value: "senior billing"}, {Display: "Not Configured"}},
		RoutingSkills:    []scim.NamedProficiency{{Name: "Skill 07"}, {Name: "Sales", Proficiency: ptr(4.0)}},
		RoutingLanguages: []scim.NamedProficiency{{Name: "Spanish", Proficiency: ptr(1.0)}}})
	u := env.user("rita@example.com")
	wantSkills := map[string]float64{"Billing": 5, "Sales": 1, "Skill 07": 3}
	wantLangs := map[string]float64{"English": 4, "Spanish": 3}
	if got := profOf(u.Skills); !mapsEqual(got, wantSkills) {
		t.Errorf("skills = %v, want %v", got, wantSkills)
	}
	if got := profOf(u.Languages); !mapsEqual(got, wantLangs) {
		t.Errorf("languages = %v, want %v", got, wantLangs)
	}
	for _, q := range []string{"Support", "Sales"} {
		if !slices.Contains(env.queueMembers(q), out.ID) {
			t.Errorf("not a member of queue %s", q)
		}
	}
	if n := len(env.events("SCIM_ROUTING_ASSIGNED")); n != 1 {
		t.Errorf("%d SCIM_ROUTING_ASSIGNED entries, want 1", n)
	}
}

// A managed name the extension sends for a user whose groups do not give it
// is not assigned: the user's next reconciliation would take it away again
// (a user in no configured group holds no managed routing).
func TestExtensionLeavesManagedNamesToGroups(t *testing.T) {
	for _, tc := range []struct {
		name   string
		groups []scim.GroupRef
		skills map[string]float64
		langs  map[string]float64
	}{
		{"no group", nil, map[string]float64{"Skill 07": 2}, map[string]float64{}},
		{"other group", []scim.GroupRef{{Display: "Support Agents"}},
			map[string]float64{"Billing": 2, "Skill 07": 2}, map[string]float64{"English": 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, envOptions{})
			env.create(&scim.User{UserName: "sam@example.com", Groups: tc.groups,
				RoutingSkills:    []scim.NamedProficiency{{Name: "Sales", Proficiency: ptr(4.0)}, {Name: "Skill 07", Proficiency: ptr(2.0)}},
				RoutingLanguages: []scim.NamedProficiency{{Name: "Spanish", Proficiency: ptr(5.0)}}})
			u := env.user("sam@example.com")
			if got := profOf(u.Skills); !mapsEqual(got, tc.skills) {
				t.Errorf("skills = %v, want %v", got, tc.skills)
			}
			if got := profOf(u.Languages); !mapsEqual(got, tc.langs) {
				t.Errorf("languages = %v, want %v", got, tc.langs)
			}
		})
	}
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// A group with more than 50 skills is assigned in two bulk calls.
func TestRoutingMoreThanFiftySkills(t *testing.T) {
	var skills []Assignment
	for _, n := range manySkills() {
		skills = append(skills, Assignment{Name: n, Proficiency: 2})
	}
	env := newTestEnv(t, envOptions{groups: []GroupRouting{{Name: "Everything", Skills: skills}}})
	env.create(&scim.User{UserName: "sam@example.com", Groups: []scim.GroupRef{{Display: "Everything"}}})
	if n := len(env.user("sam@example.com").Skills); n != len(skills) {
		t.Errorf("%d skills assigned, want %d", n, len(skills))
	}
	if n := env.calls(epSkills); n != 2 {
		t.Errorf("%d bulk skill calls, want 2", n)
	}
}

// Resolved names are cached in Shared: a second plan makes no lookups; an
// unknown name is remembered briefly too.
func TestRoutingNamesAreCached(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	groups := []scim.GroupRef{{Display: "Senior Billing"}}
	p1, err := env.gw.core.resolveRouting(env.ctx(), groups, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := len(env.emu.Requests())
	p2, err := env.gw.core.resolveRouting(env.ctx(), groups, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.emu.Requests()) != calls {
		t.Errorf("a cached plan made %d upstream calls", len(env.emu.Requests())-calls)
	}
	billing, _ := env.emu.SkillID("Billing")
	support, _ := env.emu.QueueID("Support")
	if p2.Skills[0].ID != billing || p2.Skills[0].Proficiency != 5 || p2.Queues[0] != support || len(p1.Languages) != 2 {
		t.Errorf("plan = %+v", p2)
	}

	for range 2 {
		_, err := env.gw.core.resolveRouting(env.ctx(), nil, []scim.NamedProficiency{{Name: "Missing"}}, nil)
		wantStatus(t, err, http.StatusBadRequest)
	}
	if n := env.calls("GET /api/v2/routing/skills"); n != 3 {
		t.Errorf("%d skill lookups, want 3 (Billing, Sales, Missing once each)", n)
	}
}

// Nothing configured and nothing asked: no plan, no calls.
func TestRoutingEmptyPlan(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	p, err := env.gw.core.resolveRouting(env.ctx(), []scim.GroupRef{{Display: "unknown group"}}, nil, nil)
	if err != nil || !p.empty() {
		t.Fatalf("plan %+v err %v", p, err)
	}
	if err := env.gw.core.applyRouting(env.ctx(), "any", p); err != nil {
		t.Fatal(err)
	}
	if n := len(env.emu.Requests()); n != 0 {
		t.Errorf("%d upstream calls for an empty plan", n)
	}
}
