package genesystest_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

func TestDivisionMove(t *testing.T) {
	v := newEnv(t, genesystest.Config{Divisions: []string{"Sales"}})
	sales, _ := v.emu.DivisionID("Sales")
	home, _ := v.emu.DivisionID("Home")
	a := v.createUser("Amy", "amy@example.com", nil)
	b := v.createUser("Bo", "bo@example.com", nil)
	gone := v.seed("Gone", "gone@example.com", "deleted").ID
	path := "/api/v2/authorization/divisions/" + sales + "/objects/USER"

	r := v.call("POST", path, []string{a, b})
	mustStatus(t, r, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Fatalf("body %q", r.body)
	}
	for _, id := range []string{a, b} {
		if got := v.emu.UserDivision(id); got != sales {
			t.Fatalf("division %q, want %q", got, sales)
		}
		u, _ := v.emu.User(id)
		if u.DivisionName != "Sales" || u.Version != 2 {
			t.Fatalf("moved %+v", u)
		}
	}
	r = v.call("GET", "/api/v2/users/"+a, nil)
	mustStatus(t, r, 200)
	div := r.json(t)["division"].(map[string]any)
	if div["id"] != sales || div["name"] != "Sales" || div["selfUri"] != "/api/v2/authorization/divisions/"+sales {
		t.Fatalf("division in user %v", div)
	}
	// Moving to the division a user is in changes nothing.
	mustStatus(t, v.call("POST", path, []string{a}), http.StatusNoContent)
	if u, _ := v.emu.User(a); u.Version != 2 {
		t.Fatalf("no-op move bumped the version: %+v", u)
	}

	// Normal answers: unknown division 404; a user that does not exist or
	// is deleted 400, and nothing moves.
	r = v.call("POST", "/api/v2/authorization/divisions/nope/objects/USER", []string{a})
	mustStatus(t, r, 404)
	if r.code() != "not.found" {
		t.Fatalf("unknown division %s", r.body)
	}
	homePath := "/api/v2/authorization/divisions/" + home + "/objects/USER"
	for _, id := range []string{"nope", gone} {
		r = v.call("POST", homePath, []string{a, id})
		mustStatus(t, r, 400)
		if r.code() != "bad.request" {
			t.Fatalf("unknown user %s", r.body)
		}
		if got := v.emu.UserDivision(a); got != sales {
			t.Fatalf("a refused move moved: %q", got)
		}
	}
	v.expectNotRejected(0)

	// A restore puts the user back in the home division.
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+b, nil), 200)
	u, _ := v.emu.User(b)
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+b, map[string]any{"version": u.Version, "state": "active"}), 200)
	if got := v.emu.UserDivision(b); got != home {
		t.Fatalf("restored into %q, want home %q", got, home)
	}
	if v.emu.UserDivision("nope") != "" {
		t.Fatal("unknown user has a division")
	}

	var tooMany []string
	for i := range 51 {
		tooMany = append(tooMany, fmt.Sprint(a, i))
	}
	for name, tc := range map[string]struct {
		path string
		body any
	}{
		"objectType QUEUE":   {"/api/v2/authorization/divisions/" + sales + "/objects/QUEUE", []string{a}},
		"objectType user":    {"/api/v2/authorization/divisions/" + sales + "/objects/user", []string{a}},
		"empty array":        {path, `[]`},
		"more than 50":       {path, tooMany},
		"object body":        {path, map[string]any{"ids": []string{a}}},
		"entities":           {path, []map[string]string{{"id": a}}},
		"empty id":           {path, []string{""}},
		"query parameter":    {path + "?dryRun=true", []string{a}},
		"number id":          {path, `[1]`},
		"unknown objectType": {"/api/v2/authorization/divisions/" + sales + "/objects/NOPE", []string{a}},
	} {
		t.Run(name, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("POST", tc.path, tc.body), before, 400)
		})
	}
	if got := v.emu.UserDivision(a); got != sales {
		t.Fatalf("refused calls moved: %q", got)
	}
	if n := v.emu.Calls("POST /api/v2/authorization/divisions/{id}/objects/{objectType}"); n != 15 {
		t.Fatalf("calls %d", n)
	}
}
