package genesystest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

func TestCreateUserRejections(t *testing.T) {
	v := newEnv(t, genesystest.Config{Divisions: []string{"Sales"}})
	tests := []struct {
		name string
		body string
	}{
		{"name as object", `{"name":{"givenName":"A","familyName":"B"},"email":"a@example.com"}`},
		{"active boolean", `{"name":"A B","email":"a@example.com","active":true}`},
		{"username", `{"name":"A B","email":"a@example.com","username":"ab"}`},
		{"manager", `{"name":"A B","email":"a@example.com","manager":"x"}`},
		{"unknown field", `{"name":"A B","email":"a@example.com","nickname":"x"}`},
		{"key in other case", `{"Name":"A B","email":"a@example.com"}`},
		{"missing name", `{"email":"a@example.com"}`},
		{"missing email", `{"name":"A B"}`},
		{"bad email", `{"name":"A B","email":"not-an-email"}`},
		{"email as number", `{"name":"A B","email":42}`},
		{"bad state", `{"name":"A B","email":"a@example.com","state":"deleted"}`},
		{"unknown division", `{"name":"A B","email":"a@example.com","divisionId":"nope"}`},
		{"bad mediaType", `{"name":"A B","email":"a@example.com","addresses":[{"address":"+13175551234","mediaType":"FAX","type":"WORK"}]}`},
		{"bad contact type", `{"name":"A B","email":"a@example.com","addresses":[{"address":"+13175551234","mediaType":"PHONE","type":"work"}]}`},
		{"duplicate contact", `{"name":"A B","email":"a@example.com","addresses":[{"address":"+13175551234","mediaType":"PHONE","type":"WORK"},{"address":"+13175551235","mediaType":"PHONE","type":"WORK"}]}`},
		{"tel uri", `{"name":"A B","email":"a@example.com","addresses":[{"address":"tel:+13175551234;ext=1","mediaType":"PHONE","type":"WORK"}]}`},
		{"malformed json", `{"name":"A B",`},
		{"trailing data", `{"name":"A B","email":"a@example.com"} {}`},
		{"array body", `[]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("POST", "/api/v2/users", tc.body), before, 400)
		})
	}
	if n := v.emu.UserCount(""); n != 0 {
		t.Fatalf("%d users created by rejected requests", n)
	}
}

func TestCreateUserShape(t *testing.T) {
	v := newEnv(t, genesystest.Config{Divisions: []string{"Sales"}})
	sales, _ := v.emu.DivisionID("Sales")
	r := v.call("POST", "/api/v2/users", map[string]any{
		"name": "Amy Adams", "email": "Amy.Adams@Example.com", "title": "Agent", "department": "Support",
		"divisionId": sales, "state": "inactive", "password": "pw-not-returned",
		"addresses": []map[string]string{{"address": "+1 317 555 1234", "mediaType": "PHONE", "type": "WORK"}},
	})
	mustStatus(t, r, 200)
	if strings.Contains(string(r.body), "pw-not-returned") {
		t.Fatal("password echoed")
	}
	u := r.json(t)
	div := u["division"].(map[string]any)
	if u["version"] != float64(1) || u["state"] != "inactive" || div["id"] != sales || div["name"] != "Sales" ||
		u["selfUri"] != "/api/v2/users/"+u["id"].(string) || u["name"] != "Amy Adams" {
		t.Fatalf("user %s", r.body)
	}
	if _, ok := u["active"]; ok {
		t.Fatal("User must not have an active field")
	}
	got, ok := v.emu.UserByEmail("amy.adams@example.com")
	if !ok || got.Title != "Agent" || got.Department != "Support" || len(got.Addresses) != 1 || got.DivisionName != "Sales" {
		t.Fatalf("stored %+v", got)
	}
	// Default state is active, default division Home.
	id := v.createUser("Bo B", "bo@example.com", nil)
	b, _ := v.emu.User(id)
	if b.State != "active" || b.DivisionName != "Home" {
		t.Fatalf("defaults %+v", b)
	}
	if n := v.rejections(); n != 0 {
		t.Fatalf("rejections %+v", v.emu.Rejections())
	}
}

func TestEmailConflict(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	v.seed("Gone", "gone@example.com", "deleted")
	v.seed("Idle", "idle@example.com", "inactive")
	v.createUser("Amy", "amy@example.com", nil)
	bo := v.createUser("Bo", "bo@example.com", nil)
	for _, email := range []string{"AMY@example.com", "gone@EXAMPLE.com", "idle@example.com"} {
		t.Run(email, func(t *testing.T) {
			r := v.call("POST", "/api/v2/users", map[string]string{"name": "X", "email": email})
			mustStatus(t, r, 400)
			if r.code() != "general.conflict" {
				t.Fatalf("code %q", r.code())
			}
			// PATCH to a held email conflicts too, as 409: the same status
			// and code as a stale version.
			cur, _ := v.emu.User(bo)
			r = v.call("PATCH", "/api/v2/users/"+bo, map[string]any{"version": cur.Version, "email": email})
			mustStatus(t, r, http.StatusConflict)
			if r.code() != "general.conflict" {
				t.Fatalf("patch code %q", r.code())
			}
		})
	}
	v.expectNotRejected(0)
	// Changing the case of one's own email is not a conflict.
	cur, _ := v.emu.User(bo)
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+bo, map[string]any{"version": cur.Version, "email": "BO@example.com"}), 200)
}

func TestSoftDeleteAndRestore(t *testing.T) {
	v := newEnv(t, genesystest.Config{Divisions: []string{"Sales"}})
	sales, _ := v.emu.DivisionID("Sales")
	id := v.createUser("Amy", "amy@example.com", map[string]any{"divisionId": sales})

	r := v.call("DELETE", "/api/v2/users/"+id, nil)
	mustStatus(t, r, 200)
	if len(r.body) != 0 {
		t.Fatalf("delete body %q", r.body)
	}
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+id, nil), 404)
	mustStatus(t, v.call("DELETE", "/api/v2/users/nope", nil), 404)
	r = v.call("GET", "/api/v2/users/"+id, nil)
	mustStatus(t, r, 404)
	if r.code() != "not.found" {
		t.Fatalf("code %q", r.code())
	}
	r = v.call("GET", "/api/v2/users/"+id+"?state=deleted", nil)
	mustStatus(t, r, 200)
	ver := int(r.json(t)["version"].(float64))
	if r.json(t)["state"] != "deleted" {
		t.Fatalf("state %s", r.body)
	}
	// Only a state-only PATCH restores; other fields on a deleted user are 404.
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+id, map[string]any{"version": ver, "title": "x"}), 404)
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+id, map[string]any{"version": ver, "state": "inactive"}), 404)
	r = v.call("PATCH", "/api/v2/users/"+id, map[string]any{"version": ver, "state": "active"})
	mustStatus(t, r, 200)
	u, _ := v.emu.User(id)
	if u.State != "active" || u.DivisionName != "Home" || u.Version != ver+1 {
		t.Fatalf("restored %+v", u)
	}
	mustStatus(t, v.call("GET", "/api/v2/users/"+id, nil), 200)
	v.expectNotRejected(0)
}

func TestPatchUser(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	mgr := v.createUser("Boss", "boss@example.com", nil)
	id := v.createUser("Amy", "amy@example.com", map[string]any{"title": "Agent"})

	t.Run("rejections", func(t *testing.T) {
		for name, body := range map[string]string{
			"missing version":   `{"name":"X"}`,
			"version as string": `{"version":"1","name":"X"}`,
			"state with field":  `{"version":1,"state":"inactive","title":"x"}`,
			"state deleted":     `{"version":1,"state":"deleted"}`,
			"name object":       `{"version":1,"name":{"formatted":"X"}}`,
			"unknown field":     `{"version":1,"active":false}`,
			"unmodeled field":   `{"version":1,"preferredName":"A"}`,
			"wrong id":          `{"version":1,"id":"other"}`,
			"unknown manager":   `{"version":1,"manager":"nope"}`,
			"manager object":    fmt.Sprintf(`{"version":1,"manager":{"id":%q}}`, mgr),
			"bad address":       `{"version":1,"addresses":[{"address":"x","mediaType":"EMAIL","type":"WORK"}]}`,
			"empty name":        `{"version":1,"name":""}`,
		} {
			t.Run(name, func(t *testing.T) {
				before := v.rejections()
				v.expectRejected(v.call("PATCH", "/api/v2/users/"+id, body), before, 400)
			})
		}
		if u, _ := v.emu.User(id); u.Version != 1 {
			t.Fatalf("rejected patches changed the user: %+v", u)
		}
	})

	t.Run("stale version", func(t *testing.T) {
		r := v.call("PATCH", "/api/v2/users/"+id, map[string]any{"version": 7, "title": "Lead"})
		mustStatus(t, r, http.StatusConflict)
		if !strings.Contains(r.json(t)["message"].(string), "does not match the current version") || r.code() != "general.conflict" {
			t.Fatalf("conflict body %s", r.body)
		}
	})

	t.Run("fields", func(t *testing.T) {
		before := v.rejections()
		r := v.call("PATCH", "/api/v2/users/"+id, map[string]any{
			"version": 1, "name": "Amy B", "title": "Lead", "department": "Ops", "manager": mgr,
			"addresses": []map[string]string{{"address": "amy@alt.example.com", "mediaType": "EMAIL", "type": "WORK"}},
		})
		mustStatus(t, r, 200)
		m := r.json(t)
		if m["version"] != float64(2) || m["manager"].(map[string]any)["id"] != mgr {
			t.Fatalf("patched %s", r.body)
		}
		u, _ := v.emu.User(id)
		if u.Name != "Amy B" || u.Title != "Lead" || u.Department != "Ops" || u.Manager != mgr || len(u.Addresses) != 1 {
			t.Fatalf("stored %+v", u)
		}
		// "" clears the manager and title; addresses are replaced.
		mustStatus(t, v.call("PATCH", "/api/v2/users/"+id, map[string]any{"version": 2, "manager": "", "title": "", "addresses": []any{}}), 200)
		u, _ = v.emu.User(id)
		if u.Manager != "" || u.Title != "" || len(u.Addresses) != 0 || u.Version != 3 {
			t.Fatalf("cleared %+v", u)
		}
		// State alone (with version and id) is fine.
		mustStatus(t, v.call("PATCH", "/api/v2/users/"+id, map[string]any{"version": 3, "id": id, "state": "inactive"}), 200)
		mustStatus(t, v.call("GET", "/api/v2/users/"+id, nil), 200) // inactive users are readable
		v.expectNotRejected(before)
	})
	mustStatus(t, v.call("PATCH", "/api/v2/users/nope", `{"version":1,"title":"x"}`), 404)
}

func TestListUsers(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	var active []string
	for i := range 7 {
		active = append(active, v.createUser(fmt.Sprintf("U%d", i), fmt.Sprintf("u%d@example.com", i), nil))
	}
	v.seed("Idle", "idle@example.com", "inactive")
	v.seed("Gone", "gone@example.com", "deleted")

	page := func(q string) map[string]any {
		t.Helper()
		r := v.call("GET", "/api/v2/users"+q, nil)
		mustStatus(t, r, 200)
		return r.json(t)
	}
	ids := func(m map[string]any) (out []string) {
		for _, e := range m["entities"].([]any) {
			out = append(out, e.(map[string]any)["id"].(string))
		}
		return out
	}
	p := page("?pageSize=3&pageNumber=2")
	if got := ids(p); fmt.Sprint(got) != fmt.Sprint(active[3:6]) {
		t.Fatalf("page 2 %v, want %v", got, active[3:6])
	}
	if p["total"] != float64(7) || p["pageCount"] != float64(3) || p["pageSize"] != float64(3) || p["pageNumber"] != float64(2) ||
		p["nextUri"] != "/api/v2/users?pageSize=3&pageNumber=3" || p["lastUri"] != "/api/v2/users?pageSize=3&pageNumber=3" ||
		p["firstUri"] != "/api/v2/users?pageSize=3&pageNumber=1" || p["selfUri"] != "/api/v2/users?pageSize=3&pageNumber=2" {
		t.Fatalf("paging %v", p)
	}
	if last := page("?pageSize=3&pageNumber=3"); last["nextUri"] != nil || len(ids(last)) != 1 {
		t.Fatalf("last page %v", last)
	}
	if d := page("?pageSize=25"); d["total"] != float64(7) {
		t.Fatalf("default state %v", d["total"])
	}
	for state, want := range map[string]float64{"inactive": 1, "deleted": 1, "any": 9, "active": 7} {
		if got := page("?state=" + state)["total"]; got != want {
			t.Errorf("state=%s total %v, want %v", state, got, want)
		}
	}
	v.expectNotRejected(0)
	for _, q := range []string{"?pageSize=0", "?pageSize=501", "?pageNumber=0", "?state=all", "?page=2", "?pageSize=x", "?expand=nonsense"} {
		t.Run(q, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("GET", "/api/v2/users"+q, nil), before, 400)
		})
	}
	// Expand adds skills and languages.
	sk, _ := v.emu.SkillID("Billing")
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+active[0]+"/routingskills/bulk", []map[string]any{{"id": sk, "proficiency": 4}}), 200)
	r := v.call("GET", "/api/v2/users/"+active[0]+"?expand=skills,languages", nil)
	mustStatus(t, r, 200)
	u := r.json(t)
	if skills := u["skills"].([]any); len(skills) != 1 || skills[0].(map[string]any)["proficiency"] != float64(4) || u["languages"] == nil {
		t.Fatalf("expanded %s", r.body)
	}
}

func TestUnknownEndpoint(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	id := v.createUser("Amy", "amy@example.com", nil)
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v2/users/" + id + "/routing/profile"},
		{"POST", "/api/v2/oauth/token"},
		{"PUT", "/api/v2/users/" + id},
		{"GET", "/api/v2/users/"},
	} {
		before := v.rejections()
		r := v.call(c.method, c.path, `{}`)
		v.expectRejected(r, before, 404)
	}
	if n := v.emu.CallCounts()["unknown"]; n != 4 {
		t.Fatalf("unknown calls %d", n)
	}
}
