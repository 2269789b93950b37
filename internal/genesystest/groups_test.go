package genesystest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// createGroup creates a group through the API (official, public unless
// extra says otherwise) and returns its id.
func (v *env) createGroup(name string, extra map[string]any) string {
	v.t.Helper()
	body := map[string]any{"name": name, "type": "official", "visibility": "public", "rulesVisible": true}
	for k, x := range extra {
		body[k] = x
	}
	r := v.call("POST", "/api/v2/groups", body)
	mustStatus(v.t, r, http.StatusOK)
	return r.json(v.t)["id"].(string)
}

// groupVersion is the current version of a group.
func (v *env) groupVersion(id string) int {
	v.t.Helper()
	g, ok := v.emu.Group(id)
	if !ok {
		v.t.Fatalf("no group %s", id)
	}
	return g.Version
}

// addMembers posts memberIds at the group's current version.
func (v *env) addMembers(groupID string, ids ...string) response {
	v.t.Helper()
	return v.call("POST", "/api/v2/groups/"+groupID+"/members", map[string]any{"memberIds": ids, "version": v.groupVersion(groupID)})
}

// entityIDs returns the ids of a listing's entities.
func entityIDs(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, e := range r.json(t)["entities"].([]any) {
		out = append(out, e.(map[string]any)["id"].(string))
	}
	return out
}

func TestCreateGroupRejections(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	owner := v.createUser("Amy", "amy@example.com", nil)
	const ok = `"name":"G","type":"official","visibility":"public","rulesVisible":true`
	for name, body := range map[string]string{
		"missing name":          `{"type":"official","visibility":"public","rulesVisible":true}`,
		"missing type":          `{"name":"G","visibility":"public","rulesVisible":true}`,
		"missing visibility":    `{"name":"G","type":"official","rulesVisible":true}`,
		"missing rulesVisible":  `{"name":"G","type":"official","visibility":"public"}`,
		"blank name":            `{"name":"  ","type":"official","visibility":"public","rulesVisible":true}`,
		"bad type":              `{"name":"G","type":"Official","visibility":"public","rulesVisible":true}`,
		"bad visibility":        `{"name":"G","type":"official","visibility":"private","rulesVisible":true}`,
		"rulesVisible string":   `{"name":"G","type":"official","visibility":"public","rulesVisible":"true"}`,
		"unknown field":         `{` + ok + `,"owners":[]}`,
		"id":                    `{` + ok + `,"id":"x"}`,
		"state":                 `{` + ok + `,"state":"active"}`,
		"version":               `{` + ok + `,"version":1}`,
		"memberCount":           `{` + ok + `,"memberCount":0}`,
		"images":                `{` + ok + `,"images":[]}`,
		"addresses":             `{` + ok + `,"addresses":[{"address":"+13175551234","mediaType":"PHONE","type":"GROUPRING"}]}`,
		"owners":                `{` + ok + `,"ownerIds":["` + owner + `"]}`,
		"memberIds":             `{` + ok + `,"memberIds":["` + owner + `"]}`,
		"key in other case":     `{"Name":"G","type":"official","visibility":"public","rulesVisible":true}`,
		"array body":            `[{` + ok + `}]`,
		"query parameter":       "?",
		"callsEnabled a string": `{` + ok + `,"callsEnabled":"no"}`,
	} {
		t.Run(name, func(t *testing.T) {
			before := v.rejections()
			path := "/api/v2/groups"
			if body == "?" {
				path, body = path+"?name=G", `{`+ok+`}`
			}
			v.expectRejected(v.call("POST", path, body), before, 400)
		})
	}
	if gs := v.emu.Groups(); len(gs) != 0 {
		t.Fatalf("rejected requests created %+v", gs)
	}
}

func TestGroupLifecycle(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	r := v.call("POST", "/api/v2/groups", map[string]any{
		"name": "Sales Team", "type": "social", "visibility": "owners", "rulesVisible": false,
		"description": "ignored on create", "rolesEnabled": true, "callsEnabled": false, "includeOwners": true,
		"ownerIds": []string{}, "addresses": []any{},
	})
	mustStatus(t, r, http.StatusOK)
	g := r.json(t)
	id := g["id"].(string)
	if g["version"] != float64(1) || g["state"] != "active" || g["memberCount"] != float64(0) || g["type"] != "social" ||
		g["visibility"] != "owners" || g["rulesVisible"] != false || g["rolesEnabled"] != true || g["includeOwners"] != true ||
		g["selfUri"] != "/api/v2/groups/"+id || g["name"] != "Sales Team" || g["dateModified"] != "2026-11-01T12:00:00.000Z" {
		t.Fatalf("group %s", r.body)
	}
	if _, ok := g["description"]; ok {
		t.Fatalf("description set on create: %s", r.body)
	}
	// Names are not unique.
	dup := v.createGroup("Sales Team", nil)
	if gs := v.emu.GroupsByName("Sales Team"); len(gs) != 2 || gs[0].ID != id || gs[1].ID != dup {
		t.Fatalf("by name %+v", gs)
	}
	if gs := v.emu.GroupsByName("sales team"); len(gs) != 0 {
		t.Fatalf("GroupsByName is case-sensitive: %+v", gs)
	}

	put := func(body any) response { return v.call("PUT", "/api/v2/groups/"+id, body) }
	t.Run("update rejections", func(t *testing.T) {
		for name, body := range map[string]string{
			"missing version": `{"name":"X"}`,
			"type":            `{"version":1,"type":"official"}`,
			"blank name":      `{"version":1,"name":""}`,
			"state deleted":   `{"version":1,"state":"deleted"}`,
			"state inactive":  `{"version":1,"state":"inactive"}`,
			"wrong id":        `{"version":1,"id":"other"}`,
			"bad visibility":  `{"version":1,"visibility":"everyone"}`,
			"memberCount":     `{"version":1,"memberCount":3}`,
			"owners":          `{"version":1,"ownerIds":["someone"]}`,
			"version string":  `{"version":"1","name":"X"}`,
		} {
			t.Run(name, func(t *testing.T) {
				before := v.rejections()
				v.expectRejected(put(body), before, 400)
			})
		}
		if v.groupVersion(id) != 1 {
			t.Fatal("refused updates changed the group")
		}
	})

	before := v.rejections()
	r = put(map[string]any{"version": 7, "name": "X"})
	mustStatus(t, r, http.StatusConflict)
	if r.code() != "general.conflict" || !strings.Contains(r.json(t)["message"].(string), "does not match the current version") {
		t.Fatalf("stale version %s", r.body)
	}
	v.clock.Advance(time.Minute)
	// The Terraform provider's "no owners" ([" "]) is accepted.
	r = put(map[string]any{"version": 1, "id": id, "name": "Sales", "description": "Sellers", "visibility": "public", "state": "active", "ownerIds": []string{" "}})
	mustStatus(t, r, http.StatusOK)
	g = r.json(t)
	if g["version"] != float64(2) || g["name"] != "Sales" || g["description"] != "Sellers" || g["visibility"] != "public" ||
		g["type"] != "social" || g["rolesEnabled"] != true || g["dateModified"] != "2026-11-01T12:01:00.000Z" {
		t.Fatalf("updated %s", r.body)
	}
	r = v.call("GET", "/api/v2/groups/"+id, nil)
	mustStatus(t, r, http.StatusOK)
	if r.json(t)["version"] != float64(2) {
		t.Fatalf("get %s", r.body)
	}

	r = v.call("DELETE", "/api/v2/groups/"+id, nil)
	mustStatus(t, r, http.StatusOK)
	if len(r.body) != 0 {
		t.Fatalf("delete body %q", r.body)
	}
	// A deleted group reads 200 with state deleted; every write is 404.
	r = v.call("GET", "/api/v2/groups/"+id, nil)
	mustStatus(t, r, http.StatusOK)
	if g := r.json(t); g["state"] != "deleted" || g["version"] != float64(3) {
		t.Fatalf("deleted group %s", r.body)
	}
	u := v.createUser("Amy", "amy@example.com", nil)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"DELETE", "/api/v2/groups/" + id, nil},
		{"PUT", "/api/v2/groups/" + id, map[string]any{"version": 3, "name": "Y"}},
		{"POST", "/api/v2/groups/" + id + "/members", map[string]any{"memberIds": []string{u}, "version": 3}},
		{"DELETE", "/api/v2/groups/" + id + "/members?ids=" + u, nil},
		{"GET", "/api/v2/groups/" + id + "/members", nil},
		{"GET", "/api/v2/groups/" + id + "/individuals", nil},
		{"GET", "/api/v2/groups/nope", nil},
		{"PUT", "/api/v2/groups/nope", map[string]any{"version": 1}},
	} {
		r := v.call(c.method, c.path, c.body)
		mustStatus(t, r, 404)
		if r.code() != "not.found" {
			t.Fatalf("%s %s: %s", c.method, c.path, r.body)
		}
	}
	if gs := v.emu.Groups(); len(gs) != 1 || gs[0].ID != dup {
		t.Fatalf("groups %+v", gs)
	}
	if g, ok := v.emu.Group(id); !ok || g.State != "deleted" || g.Name != "Sales" || g.Description != "Sellers" || g.Type != "social" {
		t.Fatalf("inspection %+v", g)
	}
	v.expectNotRejected(before)
}

func TestListGroups(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	var ids []string
	for i := range 5 {
		vis := []string{"public", "owners", "members"}[i%3]
		ids = append(ids, v.createGroup(fmt.Sprintf("G%d", i), map[string]any{"visibility": vis}))
	}
	mustStatus(t, v.call("DELETE", "/api/v2/groups/"+ids[4], nil), 200)
	list := func(q string) response {
		t.Helper()
		r := v.call("GET", "/api/v2/groups"+q, nil)
		mustStatus(t, r, 200)
		return r
	}
	r := list("")
	if got := entityIDs(t, r); !slices.Equal(got, ids[:4]) { // every visibility, not the deleted one
		t.Fatalf("list %v, want %v", got, ids[:4])
	}
	p := list("?pageSize=3&pageNumber=2").json(t)
	if p["total"] != float64(4) || p["pageCount"] != float64(2) || p["nextUri"] != nil ||
		p["selfUri"] != "/api/v2/groups?pageSize=3&pageNumber=2" || p["previousUri"] != "/api/v2/groups?pageSize=3&pageNumber=1" {
		t.Fatalf("paging %v", p)
	}
	if got := entityIDs(t, list("?pageSize=500&sortOrder=descending")); !slices.Equal(got, []string{ids[3], ids[2], ids[1], ids[0]}) {
		t.Fatalf("descending %v", got)
	}
	if got := entityIDs(t, list("?id="+ids[2]+","+ids[0]+"&id="+ids[4])); !slices.Equal(got, []string{ids[0], ids[2]}) {
		t.Fatalf("by id %v", got)
	}
	v.expectNotRejected(0)
	for _, q := range []string{"?pageSize=501", "?pageSize=0", "?jabberId=x", "?sortOrder=up", "?name=G1", "?state=deleted"} {
		t.Run(q, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("GET", "/api/v2/groups"+q, nil), before, 400)
		})
	}
}

func TestGroupMembers(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	var users []string
	for i := range 7 {
		users = append(users, v.createUser(fmt.Sprintf("U%d", i), fmt.Sprintf("u%d@example.com", i), nil))
	}
	gone := v.seed("Gone", "gone@example.com", "deleted").ID
	id := v.createGroup("Team", nil)
	members := "/api/v2/groups/" + id + "/members"

	r := v.addMembers(id, users[0], users[1], users[2])
	mustStatus(t, r, http.StatusAccepted)
	if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
		t.Fatalf("add answer %q %v", r.body, r.header)
	}
	g, _ := v.emu.Group(id)
	if g.Version != 2 || g.MemberCount != 3 || !slices.Equal(g.Members, users[:3]) {
		t.Fatalf("after add %+v", g)
	}
	// A member added again is a no-op, but the call still makes a version.
	mustStatus(t, v.addMembers(id, users[1], users[3], users[3]), http.StatusAccepted)
	if g, _ := v.emu.Group(id); g.Version != 3 || !slices.Equal(g.Members, users[:4]) || g.MemberCount != 4 {
		t.Fatalf("after re-add %+v", g)
	}
	r = v.call("GET", "/api/v2/groups/"+id, nil)
	if m := r.json(t); m["memberCount"] != float64(4) || m["version"] != float64(3) {
		t.Fatalf("group %s", r.body)
	}

	// Normal answers: a stale version is 409, a user that does not exist
	// (or no longer does) 400, and neither changes anything.
	r = v.call("POST", members, map[string]any{"memberIds": []string{users[5]}, "version": 2})
	mustStatus(t, r, http.StatusConflict)
	if r.code() != "general.conflict" {
		t.Fatalf("stale %s", r.body)
	}
	for _, bad := range []string{"nope", gone} {
		r = v.addMembers(id, users[5], bad)
		mustStatus(t, r, 400)
		if r.code() != "bad.request" {
			t.Fatalf("unknown member %s", r.body)
		}
	}
	if g, _ := v.emu.Group(id); g.Version != 3 || len(g.Members) != 4 {
		t.Fatalf("refused adds changed the group %+v", g)
	}
	v.expectNotRejected(0)

	var tooMany []string
	for i := range 51 {
		tooMany = append(tooMany, fmt.Sprint("u", i))
	}
	for name, body := range map[string]any{
		"more than 50":      map[string]any{"memberIds": tooMany, "version": 3},
		"empty memberIds":   map[string]any{"memberIds": []string{}, "version": 3},
		"missing memberIds": map[string]any{"version": 3},
		"missing version":   map[string]any{"memberIds": []string{users[5]}},
		"empty id":          map[string]any{"memberIds": []string{""}, "version": 3},
		"objects":           map[string]any{"memberIds": []map[string]string{{"id": users[5]}}, "version": 3},
		"unknown field":     map[string]any{"memberIds": []string{users[5]}, "version": 3, "ownerIds": []string{}},
		"array body":        []string{users[5]},
	} {
		t.Run("add "+name, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("POST", members, body), before, 400)
		})
	}
	for name, q := range map[string]string{
		"no ids":       "",
		"empty ids":    "?ids=",
		"more than 50": "?ids=" + strings.Join(tooMany, ","),
		"ids twice":    "?ids=" + users[0] + "&ids=" + users[1],
		"version":      "?ids=" + users[0] + "&version=3",
	} {
		t.Run("remove "+name, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("DELETE", members+q, nil), before, 400)
		})
	}

	refused := v.rejections()

	// Removal ignores non-members and unknown ids; it makes a version.
	r = v.call("DELETE", members+"?ids="+users[1]+","+users[6]+",nope", nil)
	mustStatus(t, r, http.StatusAccepted)
	if len(r.body) != 0 {
		t.Fatalf("remove body %q", r.body)
	}
	if g, _ := v.emu.Group(id); g.Version != 4 || !slices.Equal(g.Members, []string{users[0], users[2], users[3]}) {
		t.Fatalf("after remove %+v", g)
	}
	if got := v.emu.UserGroups(users[1]); len(got) != 0 {
		t.Fatalf("removed user still in %v", got)
	}

	// Paging, order, and deleted users.
	mustStatus(t, v.addMembers(id, users[4], users[5]), http.StatusAccepted)
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+users[2], nil), 200)
	want := []string{users[0], users[3], users[4], users[5]}
	list := func(q string) response {
		t.Helper()
		r := v.call("GET", members+q, nil)
		mustStatus(t, r, 200)
		return r
	}
	r = list("?pageSize=3&pageNumber=1")
	p := r.json(t)
	if got := entityIDs(t, r); !slices.Equal(got, want[:3]) || p["total"] != float64(4) || p["pageCount"] != float64(2) ||
		p["nextUri"] != "/api/v2/groups/"+id+"/members?pageSize=3&pageNumber=2" {
		t.Fatalf("page 1 %v %s", got, r.body)
	}
	if got := entityIDs(t, list("?pageSize=3&pageNumber=2")); !slices.Equal(got, want[3:]) {
		t.Fatalf("page 2 %v", got)
	}
	if got := entityIDs(t, list("?sortOrder=descending")); !slices.Equal(got, []string{users[5], users[4], users[3], users[0]}) {
		t.Fatalf("descending %v", got)
	}
	r = v.call("GET", "/api/v2/groups/"+id+"/individuals", nil)
	mustStatus(t, r, 200)
	if got := entityIDs(t, r); !slices.Equal(got, want) || r.json(t)["pageCount"] != float64(1) || r.json(t)["total"] != float64(4) {
		t.Fatalf("individuals %v %s", got, r.body)
	}
	// The deleted user stays a member: memberCount counts it, listings do not.
	if g, _ := v.emu.Group(id); g.MemberCount != 5 || len(g.Members) != 5 {
		t.Fatalf("stored %+v", g)
	}
	// A restore brings the membership back into the listings.
	u, _ := v.emu.User(users[2])
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+users[2], map[string]any{"version": u.Version, "state": "active"}), 200)
	if got := entityIDs(t, list("?pageSize=100")); len(got) != 5 {
		t.Fatalf("after restore %v", got)
	}
	v.expectNotRejected(refused)
	for _, q := range []string{"?pageSize=101", "?pageSize=0", "?sortOrder=up", "?expand=nonsense", "?state=active"} {
		t.Run("list "+q, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("GET", members+q, nil), before, 400)
		})
	}
	before := v.rejections()
	v.expectRejected(v.call("GET", "/api/v2/groups/"+id+"/individuals?pageSize=5", nil), before, 400)
}

func TestOfficialGroupCap(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	amy := v.createUser("Amy", "amy@example.com", nil)
	bo := v.createUser("Bo", "bo@example.com", nil)
	var groups []string
	for i := range 99 {
		groups = append(groups, v.emu.SeedGroup(fmt.Sprint("G", i), amy))
	}
	last := v.createGroup("G99", nil)
	mustStatus(t, v.addMembers(last, amy, bo), http.StatusAccepted) // the 100th
	extra := v.createGroup("G100", nil)
	r := v.addMembers(extra, bo, amy)
	mustStatus(t, r, 400)
	if r.code() != "bad.request" || !strings.Contains(r.json(t)["message"].(string), "100 official groups") {
		t.Fatalf("101st %s", r.body)
	}
	if g, _ := v.emu.Group(extra); len(g.Members) != 0 || g.Version != 1 {
		t.Fatalf("a refused add changed the group %+v", g)
	}
	if err := v.emu.AddGroupMember(extra, amy); err == nil {
		t.Fatal("AddGroupMember past the cap must fail")
	}
	// Social groups do not count, nor do deleted ones.
	social := v.createGroup("Club", map[string]any{"type": "social"})
	mustStatus(t, v.addMembers(social, amy), http.StatusAccepted)
	mustStatus(t, v.addMembers(last, amy), http.StatusAccepted) // already a member: no-op
	if err := v.emu.DeleteGroup(groups[0]); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, v.addMembers(extra, amy), http.StatusAccepted)
	if n := len(v.emu.UserGroups(amy)); n != 101 {
		t.Fatalf("groups %d", n)
	}
	v.expectNotRejected(0)
	defer func() {
		if recover() == nil {
			t.Fatal("SeedGroup past the cap must panic")
		}
	}()
	v.emu.SeedGroup("Over", amy)
}

func TestExpandGroups(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	amy := v.createUser("Amy", "amy@example.com", nil)
	bo := v.createUser("Bo", "bo@example.com", nil)
	g1 := v.emu.SeedGroup("One", amy)
	g2 := v.createGroup("Two", map[string]any{"visibility": "members"})
	mustStatus(t, v.addMembers(g2, amy), http.StatusAccepted)
	gone := v.emu.SeedGroup("Gone", amy)
	if err := v.emu.DeleteGroup(gone); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, v.call("POST", "/api/v2/users/"+amy+"/externalid", map[string]string{"authorityName": "scim", "externalKey": "a"}), 200)
	want := `[{"id":"` + g1 + `","selfUri":"/api/v2/groups/` + g1 + `"},{"id":"` + g2 + `","selfUri":"/api/v2/groups/` + g2 + `"}]`

	groupsOf := func(t *testing.T, raw json.RawMessage) string {
		t.Helper()
		var u struct {
			ID     string
			Groups json.RawMessage
		}
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatal(err)
		}
		return string(u.Groups)
	}
	for name, c := range map[string]struct {
		method, path string
		body         any
		list         string // the key holding the users, "" for a single user
	}{
		"get user":          {"GET", "/api/v2/users/" + amy + "?expand=groups", nil, ""},
		"by external id":    {"GET", "/api/v2/users/externalid/scim/a?expand=groups,skills", nil, ""},
		"list users":        {"GET", "/api/v2/users?id=" + amy + "&expand=groups", nil, "entities"},
		"search":            {"POST", "/api/v2/users/search", `{"expand":["groups"],"query":[{"type":"EXACT","fields":["id"],"value":"` + amy + `"}]}`, "results"},
		"group members":     {"GET", "/api/v2/groups/" + g1 + "/members?expand=groups", nil, "entities"},
		"group members any": {"GET", "/api/v2/groups/" + g2 + "/members?expand=presence&expand=groups", nil, "entities"},
	} {
		t.Run(name, func(t *testing.T) {
			r := v.call(c.method, c.path, c.body)
			mustStatus(t, r, 200)
			raw := json.RawMessage(r.body)
			if c.list != "" {
				var m map[string][]json.RawMessage
				json.Unmarshal(r.body, &m) //nolint:errcheck // checked below
				if len(m[c.list]) != 1 {
					t.Fatalf("users %s", r.body)
				}
				raw = m[c.list][0]
			}
			if got := groupsOf(t, raw); got != want {
				t.Fatalf("groups %s, want %s", got, want)
			}
		})
	}
	r := v.call("GET", "/api/v2/users/"+bo+"?expand=groups", nil)
	mustStatus(t, r, 200)
	if got := groupsOf(t, r.body); got != `[]` {
		t.Fatalf("no groups %s", got)
	}
	r = v.call("GET", "/api/v2/users/"+amy, nil)
	if strings.Contains(string(r.body), `"groups"`) {
		t.Fatalf("groups without expand: %s", r.body)
	}
	if u, _ := v.emu.User(amy); !slices.Equal(u.Groups, []string{g1, g2}) {
		t.Fatalf("User.Groups %v", u.Groups)
	}
	v.expectNotRejected(0)
	// groups stays refused as an UpdateUser field.
	before := v.rejections()
	v.expectRejected(v.call("PATCH", "/api/v2/users/"+amy, map[string]any{"version": 1, "groups": []map[string]string{{"id": g1}}}), before, 400)
}

// groupSearch runs a group search and returns the names of the results (in
// the answer's order) and the total.
func (v *env) groupSearch(body string) ([]string, float64) {
	v.t.Helper()
	r := v.call("POST", "/api/v2/groups/search", body)
	mustStatus(v.t, r, 200)
	var resp struct {
		Total, PageCount, PageSize, PageNumber *float64
		Types                                  []string
		Results                                *[]struct{ Name string }
	}
	if err := json.Unmarshal(r.body, &resp); err != nil {
		v.t.Fatal(err)
	}
	if !slices.Equal(resp.Types, []string{"groups"}) || resp.Total == nil || resp.PageCount == nil || resp.PageSize == nil || resp.PageNumber == nil {
		v.t.Fatalf("GroupsSearchResponse %s", r.body)
	}
	var names []string
	if resp.Results != nil {
		if len(*resp.Results) == 0 {
			v.t.Fatal("results present but empty: must be omitted")
		}
		for _, g := range *resp.Results {
			names = append(names, g.Name)
		}
	}
	return names, *resp.Total
}

func TestGroupSearchSemantics(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	for _, g := range []struct{ name, vis string }{
		{"Sales Team", "public"}, {"sales-emea", "owners"}, {"Support", "public"}, {"Secret Sales", "members"}, {"Billing, Tier 2", "public"},
	} {
		v.createGroup(g.name, map[string]any{"visibility": g.vis})
	}
	del := v.createGroup("Sales Old", nil)
	mustStatus(t, v.call("DELETE", "/api/v2/groups/"+del, nil), 200)
	tests := []struct {
		name, query string
		want        []string
	}{
		{"exact is case-sensitive", `[{"type":"EXACT","fields":["name"],"value":"Sales Team"}]`, []string{"Sales Team"}},
		{"exact in another case", `[{"type":"EXACT","fields":["name"],"value":"sales team"}]`, nil},
		{"members visibility hidden", `[{"type":"EXACT","fields":["name"],"value":"Secret Sales"}]`, nil},
		{"deleted hidden", `[{"type":"EXACT","fields":["name"],"value":"Sales Old"}]`, nil},
		{"starts with ignores case", `[{"type":"STARTS_WITH","fields":["name"],"value":"SALES"}]`, []string{"Sales Team", "sales-emea"}},
		{"contains", `[{"type":"CONTAINS","fields":["name"],"value":"sales"}]`, []string{"Sales Team", "sales-emea"}},
		{"term is a word", `[{"type":"TERM","fields":["name"],"value":"Tier"}]`, []string{"Billing, Tier 2"}},
		{"term is not a prefix", `[{"type":"TERM","fields":["name"],"value":"Tie"}]`, nil},
		{"terms", `[{"type":"TERMS","fields":["name"],"values":["emea","support"]}]`, []string{"sales-emea", "Support"}},
		{"regex is anchored and case-sensitive", `[{"type":"REGEX","fields":["name"],"value":"S.*m"}]`, []string{"Sales Team"}},
		{"regex values", `[{"type":"REGEX","fields":["name"],"values":["s.*","Sup.*"]}]`, []string{"sales-emea", "Support"}},
		{"match all", `[{"type":"MATCH_ALL"}]`, []string{"Sales Team", "sales-emea", "Support", "Billing, Tier 2"}},
		{"NOT", `[{"type":"MATCH_ALL"},{"type":"CONTAINS","fields":["name"],"value":"sales","operator":"NOT"}]`, []string{"Support", "Billing, Tier 2"}},
		{"required fields", `[{"type":"REQUIRED_FIELDS","fields":["name"]}]`, []string{"Sales Team", "sales-emea", "Support", "Billing, Tier 2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, total := v.groupSearch(`{"query":` + tc.query + `}`)
			if !slices.Equal(got, tc.want) || total != float64(len(tc.want)) {
				t.Fatalf("got %v (total %v), want %v", got, total, tc.want)
			}
		})
	}
	got, total := v.groupSearch(`{"pageSize":2,"pageNumber":2,"sortBy":"name","sortOrder":"DESC","query":[{"type":"MATCH_ALL"}]}`)
	// Sorted by name ignoring case: support, sales-emea, sales team, billing.
	if !slices.Equal(got, []string{"Sales Team", "Billing, Tier 2"}) || total != 4 {
		t.Fatalf("sorted page %v %v", got, total)
	}
	if got, total = v.groupSearch(`{"pageSize":5,"pageNumber":2,"query":[{"type":"MATCH_ALL"}]}`); got != nil || total != 4 {
		t.Fatalf("past the end %v %v", got, total)
	}
	v.expectNotRejected(0)

	q := `"query":[{"type":"EXACT","fields":["name"],"value":"Support"}]`
	for name, body := range map[string]string{
		"expand":          `{"expand":["members"],` + q + `}`,
		"query_string":    `{"query":[{"type":"QUERY_STRING","fields":["name"],"value":"x"}]}`,
		"user field":      `{"query":[{"type":"EXACT","fields":["email"],"value":"x"}]}`,
		"sortBy email":    `{"sortBy":"email",` + q + `}`,
		"sort":            `{"sort":[{"fieldName":"name","sortOrder":"ASC"}],` + q + `}`,
		"bad regex":       `{"query":[{"type":"REGEX","fields":["name"],"value":"(x"}]}`,
		"term values":     `{"query":[{"type":"TERM","fields":["name"],"values":["x"]}]}`,
		"terms value":     `{"query":[{"type":"TERMS","fields":["name"],"value":"x"}]}`,
		"missing type":    `{"query":[{"fields":["name"],"value":"x"}]}`,
		"missing query":   `{"pageSize":10}`,
		"range":           `{"query":[{"type":"RANGE","fields":["name"],"startValue":"a","endValue":"b"}]}`,
		"query parameter": "?",
	} {
		t.Run(name, func(t *testing.T) {
			before := v.rejections()
			path := "/api/v2/groups/search"
			if body == "?" {
				path, body = path+"?q64=x", `{`+q+`}`
			}
			v.expectRejected(v.call("POST", path, body), before, 400)
		})
	}
	testSearchLimits(t, v, "/api/v2/groups/search", "name")
}

func TestGroupSearchLag(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	v.emu.SetSearchLag(10 * time.Second)
	byName := func(name string) []string {
		t.Helper()
		got, _ := v.groupSearch(`{"query":[{"type":"EXACT","fields":["name"],"value":"` + name + `"}]}`)
		return got
	}
	seeded := v.emu.SeedGroup("Seeded")
	if got := byName("Seeded"); !slices.Equal(got, []string{"Seeded"}) {
		t.Fatalf("seeded groups are indexed at once: %v", got)
	}
	id := v.createGroup("Team", nil)
	if got := byName("Team"); got != nil {
		t.Fatalf("visible before the lag: %v", got)
	}
	mustStatus(t, v.call("GET", "/api/v2/groups/"+id, nil), 200) // direct reads are consistent
	if gs := entityIDs(t, v.call("GET", "/api/v2/groups", nil)); len(gs) != 2 {
		t.Fatalf("listing %v", gs)
	}
	v.clock.Advance(10 * time.Second)
	if got := byName("Team"); !slices.Equal(got, []string{"Team"}) {
		t.Fatalf("after the lag: %v", got)
	}
	// A rename shows the old name until the lag passes.
	mustStatus(t, v.call("PUT", "/api/v2/groups/"+id, map[string]any{"version": 1, "name": "Crew"}), 200)
	if got := byName("Team"); !slices.Equal(got, []string{"Team"}) || byName("Crew") != nil {
		t.Fatalf("renamed too early")
	}
	v.clock.Advance(10 * time.Second)
	if byName("Team") != nil || !slices.Equal(byName("Crew"), []string{"Crew"}) {
		t.Fatal("rename not visible after the lag")
	}
	// So does an administrator's rename, and a deletion.
	if err := v.emu.RenameGroup(seeded, "Renamed"); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, v.call("DELETE", "/api/v2/groups/"+id, nil), 200)
	if !slices.Equal(byName("Seeded"), []string{"Seeded"}) || !slices.Equal(byName("Crew"), []string{"Crew"}) {
		t.Fatal("changes visible before the lag")
	}
	v.clock.Advance(10 * time.Second)
	if byName("Seeded") != nil || !slices.Equal(byName("Renamed"), []string{"Renamed"}) || byName("Crew") != nil {
		t.Fatal("changes not visible after the lag")
	}
	// A visibility change to members hides the group, after the lag.
	mustStatus(t, v.call("PUT", "/api/v2/groups/"+seeded, map[string]any{"version": v.groupVersion(seeded), "visibility": "members"}), 200)
	if !slices.Equal(byName("Renamed"), []string{"Renamed"}) {
		t.Fatal("hidden before the lag")
	}
	v.clock.Advance(10 * time.Second)
	if byName("Renamed") != nil {
		t.Fatal("members-only group found by search")
	}
}

func TestGroupAdminChanges(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	amy := v.createUser("Amy", "amy@example.com", nil)
	bo := v.createUser("Bo", "bo@example.com", nil)
	gone := v.seed("Gone", "gone@example.com", "deleted").ID
	id := v.emu.SeedGroup("Team", amy)
	g, ok := v.emu.Group(id)
	if !ok || g.Version != 1 || g.State != "active" || g.Type != "official" || g.Visibility != "public" || g.MemberCount != 1 || !slices.Equal(g.Members, []string{amy}) {
		t.Fatalf("seeded %+v", g)
	}
	// A client holding version 1 meets the administrator's changes as a
	// stale version.
	steps := []func() error{
		func() error { return v.emu.AddGroupMember(id, bo) },
		func() error { return v.emu.RemoveGroupMember(id, amy) },
		func() error { return v.emu.RenameGroup(id, "Crew") },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
		if got := v.groupVersion(id); got != i+2 {
			t.Fatalf("step %d: version %d", i, got)
		}
	}
	r := v.call("POST", "/api/v2/groups/"+id+"/members", map[string]any{"memberIds": []string{amy}, "version": 1})
	mustStatus(t, r, http.StatusConflict)
	g, _ = v.emu.Group(id)
	if g.Name != "Crew" || !slices.Equal(g.Members, []string{bo}) || g.MemberCount != 1 {
		t.Fatalf("after admin changes %+v", g)
	}
	if !slices.Equal(v.emu.GroupMembers(id), []string{bo}) || v.emu.GroupMembers("nope") != nil {
		t.Fatal("GroupMembers")
	}
	if !slices.Equal(v.emu.UserGroups(bo), []string{id}) || v.emu.UserGroups(amy) != nil {
		t.Fatal("UserGroups")
	}
	for name, err := range map[string]error{
		"add unknown user":  v.emu.AddGroupMember(id, "nope"),
		"add deleted user":  v.emu.AddGroupMember(id, gone),
		"remove non-member": v.emu.RemoveGroupMember(id, amy),
		"rename blank":      v.emu.RenameGroup(id, " "),
		"unknown group":     v.emu.RenameGroup("nope", "X"),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := v.emu.DeleteGroup(id); err != nil {
		t.Fatal(err)
	}
	if g, _ := v.emu.Group(id); g.State != "deleted" || g.Version != 5 {
		t.Fatalf("deleted %+v", g)
	}
	if v.emu.DeleteGroup(id) == nil || v.emu.AddGroupMember(id, amy) == nil {
		t.Fatal("writes to a deleted group must fail")
	}
	if len(v.emu.Groups()) != 0 || v.emu.UserGroups(bo) != nil {
		t.Fatal("deleted group still listed")
	}
	for name, f := range map[string]func(){
		"blank name":     func() { v.emu.SeedGroup("") },
		"unknown member": func() { v.emu.SeedGroup("X", "nope") },
		"deleted member": func() { v.emu.SeedGroup("X", gone) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("SeedGroup must panic")
				}
			}()
			f()
		})
	}
	v.expectNotRejected(0)
}

func TestGroupRoutesAreWired(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	id := v.createGroup("Team", nil)
	for _, ep := range []string{
		"GET /api/v2/groups", "POST /api/v2/groups", "POST /api/v2/groups/search", "GET /api/v2/groups/{id}",
		"PUT /api/v2/groups/{id}", "DELETE /api/v2/groups/{id}", "GET /api/v2/groups/{id}/members",
		"POST /api/v2/groups/{id}/members", "DELETE /api/v2/groups/{id}/members", "GET /api/v2/groups/{id}/individuals",
		"GET /api/v2/users/{id}/externalid", "DELETE /api/v2/users/{id}/routingskills/{skillId}",
		"DELETE /api/v2/users/{id}/routinglanguages/{languageId}",
		"POST /api/v2/authorization/divisions/{id}/objects/{objectType}",
	} {
		if !slices.Contains(genesystest.Endpoints(), ep) {
			t.Errorf("Endpoints() lacks %s", ep)
		}
	}
	// Targeted faults, counts and the log cover the new routes.
	v.emu.FailNext("POST /api/v2/groups/{id}/members", 1, http.StatusServiceUnavailable)
	mustStatus(t, v.addMembers(id, v.createUser("Amy", "amy@example.com", nil)), http.StatusServiceUnavailable)
	if g, _ := v.emu.Group(id); g.Version != 1 {
		t.Fatal("a failed call changed the group")
	}
	v.emu.FailNext("DELETE /api/v2/groups/{id}", 1, http.StatusRequestTimeout)
	mustStatus(t, v.call("DELETE", "/api/v2/groups/"+id, nil), http.StatusRequestTimeout)
	if v.emu.Calls("POST /api/v2/groups/{id}/members") != 1 || v.emu.CallCounts()["DELETE /api/v2/groups/{id}"] != 1 {
		t.Fatalf("counts %v", v.emu.CallCounts())
	}
	reqs := v.emu.Requests()
	if last := reqs[len(reqs)-1]; last.Endpoint() != "DELETE /api/v2/groups/{id}" || last.Status != http.StatusRequestTimeout {
		t.Fatalf("log %+v", last)
	}
	v.emu.SetDown(true)
	mustStatus(t, v.call("GET", "/api/v2/groups", nil), http.StatusServiceUnavailable)
	v.emu.SetDown(false)
	v.expectNotRejected(0)
}
