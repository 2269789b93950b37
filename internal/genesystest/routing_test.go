package genesystest_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

func TestRoutingLookups(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	names := func(path string) (out []string) {
		t.Helper()
		r := v.call("GET", path, nil)
		mustStatus(t, r, 200)
		for _, e := range r.json(t)["entities"].([]any) {
			m := e.(map[string]any)
			if m["state"] != "active" || m["id"] == "" {
				t.Fatalf("entity %v", m)
			}
			out = append(out, m["name"].(string))
		}
		return out
	}
	for path, want := range map[string]string{
		"/api/v2/routing/skills?name=Bill":               "[Billing Bill Pay]", // prefix: the client picks the exact one
		"/api/v2/routing/skills?name=billing":            "[Billing]",
		"/api/v2/routing/languages?name=Span":            "[Spanish]",
		"/api/v2/routing/queues?name=Support":            "[Support Support Tier 2]",
		"/api/v2/routing/queues?name=*Tier*":             "[Support Tier 2]",
		"/api/v2/routing/skills?pageSize=1&pageNumber=2": "[Bill Pay]",
	} {
		if got := fmt.Sprint(names(path)); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	v.expectNotRejected(0)
	for _, path := range []string{"/api/v2/routing/skills?pageSize=101", "/api/v2/routing/skills?name=B*l", "/api/v2/routing/languages?page=1"} {
		before := v.rejections()
		v.expectRejected(v.call("GET", path, nil), before, 400)
	}
}

func TestRoutingAssignments(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	id := v.createUser("Amy", "amy@example.com", nil)
	billing, _ := v.emu.SkillID("Billing")
	sales, _ := v.emu.SkillID("Sales")
	spanish, _ := v.emu.LanguageID("Spanish")
	skills := "/api/v2/users/" + id + "/routingskills/bulk"

	var tooMany []map[string]any
	for range 51 {
		tooMany = append(tooMany, map[string]any{"id": billing, "proficiency": 1})
	}
	for name, body := range map[string]any{
		"more than 50":        tooMany,
		"empty":               `[]`,
		"object body":         `{"id":"x","proficiency":1}`,
		"missing proficiency": []map[string]any{{"id": billing}},
		"proficiency 6":       []map[string]any{{"id": billing, "proficiency": 6}},
		"negative":            []map[string]any{{"id": billing, "proficiency": -1}},
		"unknown skill":       []map[string]any{{"id": "nope", "proficiency": 1}},
		"extra key":           []map[string]any{{"id": billing, "proficiency": 1, "name": "Billing"}},
	} {
		t.Run(name, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("PATCH", skills, body), before, 400)
		})
	}
	before := v.rejections()
	mustStatus(t, v.call("PATCH", skills, []map[string]any{{"id": billing, "proficiency": 2}}), 200)
	r := v.call("PATCH", skills, []map[string]any{{"id": billing, "proficiency": 4.5}, {"id": sales, "proficiency": 0}})
	mustStatus(t, r, 200)
	if ents := r.json(t)["entities"].([]any); len(ents) != 2 {
		t.Fatalf("bulk answer %s", r.body)
	}
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+id+"/routinglanguages/bulk", []map[string]any{{"id": spanish, "proficiency": 3.4}}), 200)
	u, _ := v.emu.User(id)
	if fmt.Sprint(u.Skills) != fmt.Sprintf("[{%s Billing 4.5} {%s Sales 0}]", billing, sales) ||
		fmt.Sprint(u.Languages) != fmt.Sprintf("[{%s Spanish 3}]", spanish) {
		t.Fatalf("skills %v languages %v", u.Skills, u.Languages)
	}
	r = v.call("GET", "/api/v2/users/"+id+"/routingskills", nil)
	mustStatus(t, r, 200)
	if r.json(t)["total"] != float64(2) {
		t.Fatalf("listing %s", r.body)
	}
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+id, nil), 200)
	mustStatus(t, v.call("PATCH", skills, []map[string]any{{"id": billing, "proficiency": 1}}), 404)
	mustStatus(t, v.call("GET", "/api/v2/users/"+id+"/routinglanguages", nil), 404)
	v.expectNotRejected(before)
}

func TestQueueMembers(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	a := v.createUser("Amy", "amy@example.com", nil)
	b := v.createUser("Bo", "bo@example.com", nil)
	gone := v.seed("Gone", "gone@example.com", "deleted").ID
	q, _ := v.emu.QueueID("Support")
	path := "/api/v2/routing/queues/" + q + "/members"
	mustStatus(t, v.call("POST", path, []map[string]string{{"id": a}, {"id": b}}), http.StatusNoContent)
	mustStatus(t, v.call("POST", path+"?delete=false", []map[string]string{{"id": a}}), http.StatusNoContent) // already a member
	if got := v.emu.QueueMembers(q); fmt.Sprint(got) != fmt.Sprint([]string{a, b}) {
		t.Fatalf("members %v", got)
	}
	// A removal takes the add's body and answer, and ignores non-members.
	r := v.call("POST", path+"?delete=true", []map[string]string{{"id": a}, {"id": gone}, {"id": "nope"}})
	mustStatus(t, r, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Fatalf("removal body %q", r.body)
	}
	mustStatus(t, v.call("POST", path+"?delete=true", []map[string]string{{"id": a}}), http.StatusNoContent)
	r = v.call("GET", path, nil)
	mustStatus(t, r, 200)
	if ents := r.json(t)["entities"].([]any); len(ents) != 1 || ents[0].(map[string]any)["id"] != b {
		t.Fatalf("listing %s", r.body)
	}
	mustStatus(t, v.call("POST", "/api/v2/routing/queues/nope/members", []map[string]string{{"id": a}}), 404)
	mustStatus(t, v.call("POST", "/api/v2/routing/queues/nope/members?delete=true", []map[string]string{{"id": a}}), 404)
	// Adding a user that does not exist (or no longer does) is a normal 400.
	for _, id := range []string{"nope", gone} {
		r := v.call("POST", path, []map[string]string{{"id": a}, {"id": id}})
		mustStatus(t, r, 400)
		if r.code() != "bad.request" {
			t.Fatalf("unknown user %s", r.body)
		}
	}
	if got := v.emu.QueueMembers(q); fmt.Sprint(got) != fmt.Sprint([]string{b}) {
		t.Fatalf("a refused add changed members: %v", got)
	}
	v.expectNotRejected(0)

	var tooMany []map[string]string
	for range 101 {
		tooMany = append(tooMany, map[string]string{"id": a})
	}
	for _, flag := range []string{"", "?delete=true", "?delete=false"} {
		for name, body := range map[string]any{
			"more than 100": tooMany,
			"bare ids":      []string{a},
			"empty":         `[]`,
			"extra key":     []map[string]string{{"id": a, "name": "Amy"}},
			"missing id":    []map[string]string{{"name": "Amy"}},
		} {
			t.Run(flag+" "+name, func(t *testing.T) {
				before := v.rejections()
				v.expectRejected(v.call("POST", path+flag, body), before, 400)
			})
		}
	}
	for _, flag := range []string{"?delete=TRUE", "?delete=1", "?delete=", "?delete=yes", "?delete=true&delete=true", "?remove=true"} {
		t.Run(flag, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("POST", path+flag, []map[string]string{{"id": b}}), before, 400)
		})
	}
	if got := v.emu.QueueMembers(q); fmt.Sprint(got) != fmt.Sprint([]string{b}) {
		t.Fatalf("refused calls changed members: %v", got)
	}
}

func TestRoutingRemovals(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	id := v.createUser("Amy", "amy@example.com", nil)
	bo := v.createUser("Bo", "bo@example.com", nil)
	billing, _ := v.emu.SkillID("Billing")
	sales, _ := v.emu.SkillID("Sales")
	spanish, _ := v.emu.LanguageID("Spanish")
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+id+"/routingskills/bulk", []map[string]any{{"id": billing, "proficiency": 2}, {"id": sales, "proficiency": 3}}), 200)
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+id+"/routinglanguages/bulk", []map[string]any{{"id": spanish, "proficiency": 3}}), 200)

	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"skill", "/api/v2/users/" + id + "/routingskills/" + billing, http.StatusNoContent},
		{"skill again", "/api/v2/users/" + id + "/routingskills/" + billing, 404},
		{"skill the user lacks", "/api/v2/users/" + bo + "/routingskills/" + sales, 404},
		{"unknown skill", "/api/v2/users/" + id + "/routingskills/nope", 404},
		{"unknown user", "/api/v2/users/nope/routingskills/" + sales, 404},
		{"language", "/api/v2/users/" + id + "/routinglanguages/" + spanish, http.StatusNoContent},
		{"language again", "/api/v2/users/" + id + "/routinglanguages/" + spanish, 404},
		{"skill id as language", "/api/v2/users/" + id + "/routinglanguages/" + sales, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := v.call("DELETE", tc.path, nil)
			mustStatus(t, r, tc.status)
			if tc.status == 404 && r.code() != "not.found" {
				t.Fatalf("code %s", r.body)
			}
			if tc.status == http.StatusNoContent && len(r.body) != 0 {
				t.Fatalf("body %q", r.body)
			}
		})
	}
	u, _ := v.emu.User(id)
	if fmt.Sprint(u.Skills) != fmt.Sprintf("[{%s Sales 3}]", sales) || len(u.Languages) != 0 {
		t.Fatalf("skills %v languages %v", u.Skills, u.Languages)
	}
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+id, nil), 200)
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+id+"/routingskills/"+sales, nil), 404) // deleted user
	v.expectNotRejected(0)

	before := v.rejections()
	v.expectRejected(v.call("DELETE", "/api/v2/users/"+bo+"/routingskills/"+sales+"?force=true", nil), before, 400)
	if n := v.emu.Calls("DELETE /api/v2/users/{id}/routingskills/{skillId}"); n != 7 {
		t.Fatalf("calls %d", n)
	}
}

func TestExternalIDs(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	a := v.createUser("Amy", "amy@example.com", nil)
	b := v.createUser("Bo", "bo@example.com", nil)
	post := func(id string, body any) response { return v.call("POST", "/api/v2/users/"+id+"/externalid", body) }
	ext := map[string]string{"authorityName": "scim", "externalKey": "HR-1"}

	self := "/api/v2/users/" + a + "/externalid/scim/HR-1"
	one := `{"authorityName":"scim","externalKey":"HR-1","selfUri":"` + self + `"}`
	r := post(a, ext)
	mustStatus(t, r, 200)
	if string(r.body) != one { // one object, not the SDK's declared list
		t.Fatalf("post answer %s", r.body)
	}
	mustStatus(t, post(a, ext), 200) // idempotent on the same user
	r = post(b, ext)
	mustStatus(t, r, 400)
	if r.code() != "general.conflict" {
		t.Fatalf("code %q", r.code())
	}
	r = v.call("GET", "/api/v2/users/externalid/scim/HR-1", nil)
	mustStatus(t, r, 200)
	if r.json(t)["id"] != a {
		t.Fatalf("by external id %s", r.body)
	}
	mustStatus(t, v.call("GET", "/api/v2/users/externalid/scim/hr-1", nil), 404) // case-sensitive
	r = v.call("GET", "/api/v2/users/"+a+"/externalid/scim", nil)
	mustStatus(t, r, 200)
	if string(r.body) != one {
		t.Fatalf("by authority %s", r.body)
	}
	// Several keys under one authority: the first; all of them in the list.
	mustStatus(t, post(a, map[string]string{"authorityName": "scim", "externalKey": "HR-0"}), 200)
	mustStatus(t, post(a, map[string]string{"authorityName": "hr/x", "externalKey": "k 1"}), 200)
	r = v.call("GET", "/api/v2/users/"+a+"/externalid/scim", nil)
	mustStatus(t, r, 200)
	if string(r.body) != one {
		t.Fatalf("first under authority %s", r.body)
	}
	r = v.call("GET", "/api/v2/users/"+a+"/externalid", nil)
	mustStatus(t, r, 200)
	want := `[` + one + `,{"authorityName":"scim","externalKey":"HR-0","selfUri":"/api/v2/users/` + a + `/externalid/scim/HR-0"}` +
		`,{"authorityName":"hr/x","externalKey":"k 1","selfUri":"/api/v2/users/` + a + `/externalid/hr%2Fx/k%201"}]`
	if string(r.body) != want {
		t.Fatalf("list %s\nwant %s", r.body, want)
	}
	// No key under an authority: 404 not.found, as for an unknown user.
	for _, path := range []string{"/api/v2/users/" + a + "/externalid/other", "/api/v2/users/nope/externalid/scim"} {
		r = v.call("GET", path, nil)
		mustStatus(t, r, 404)
		if r.code() != "not.found" {
			t.Fatalf("%s: %s", path, r.body)
		}
	}
	r = v.call("GET", "/api/v2/users/"+b+"/externalid", nil)
	mustStatus(t, r, 200)
	if string(r.body) != `[]` {
		t.Fatalf("empty list %s", r.body)
	}
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+a+"/externalid/scim/HR-0", nil), http.StatusNoContent)
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+a+"/externalid/hr%2Fx/k%201", nil), http.StatusNoContent)
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+a+"/externalid/scim/HR-1", nil), http.StatusNoContent)
	mustStatus(t, v.call("GET", "/api/v2/users/externalid/scim/HR-1", nil), 404)
	mustStatus(t, post(b, ext), 200)
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+b, nil), 200)
	mustStatus(t, v.call("GET", "/api/v2/users/externalid/scim/HR-1", nil), 404) // holder deleted
	if u, ok := v.emu.UserByExternalID("scim", "HR-1"); !ok || u.ID != b {
		t.Fatalf("inspection %+v", u)
	}
	v.expectNotRejected(0)
	for name, body := range map[string]string{
		"missing key":   `{"authorityName":"scim"}`,
		"empty key":     `{"authorityName":"scim","externalKey":""}`,
		"wrong names":   `{"authority":"scim","value":"x"}`,
		"key as number": `{"authorityName":"scim","externalKey":1}`,
		"selfUri":       `{"authorityName":"scim","externalKey":"x","selfUri":"/x"}`,
	} {
		before := v.rejections()
		t.Run(name, func(t *testing.T) { v.expectRejected(post(a, body), before, 400) })
	}
	before := v.rejections()
	v.expectRejected(v.call("GET", "/api/v2/users/"+a+"/externalid?pageSize=5", nil), before, 400)
}
