package lifecycle

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// oktaCreate is Okta's create (Okta's SCIM 2.0 reference, create a user).
const oktaCreate = `{"schemas":["` + userURN + `"],"userName":"test.user@okta.local",
 "name":{"givenName":"Test","familyName":"User"},
 "emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
 "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
 "groups":[],"password":"1mz050nq-Secret","active":true}`

// TestOktaUserOperations replays Okta's request sequence and its SCIM spec
// test (Okta-SCIM-20-SPEC-Test.json), checking the Genesys user after each
// step.
func TestOktaUserOperations(t *testing.T) {
	s := newStack(t)
	tok := s.Writer()
	// Okta's precondition: at least one user exists.
	seed := mustSeed(t, s, genesystest.UserSeed{Name: "Seed Person", Email: "seed.person@example.com"})[0]
	existence := query("filter", `userName eq "test.user@okta.local"`, "startIndex", "1", "count", "100")

	// 1. Does the user exist? No.
	if p := listUsers(t, s, existence); p.Total != 0 || p.StartIndex != 1 {
		t.Fatalf("existence check before create: %s", p.Raw)
	}

	// 2. Create with application/json.
	id, r := createUser(t, s, oktaCreate, "Content-Type: application/json", "User-Agent: Okta SCIM Client 1.0.0")
	if r.Body["active"] != true || harness.Str(r.Body, "name.givenName") != "Test" || harness.Str(r.Body, "name.familyName") != "User" ||
		harness.Str(r.Body, "userName") != "test.user@okta.local" || strings.Contains(string(r.Raw), "1mz050nq") {
		t.Fatalf("create answered %s", r.Raw)
	}
	if u := genesysUser(t, s, id); u.Email != "test.user@okta.local" || u.Name != "Test User" || u.State != "active" {
		t.Fatalf("after create, Genesys holds %+v", u)
	}

	// 3. Get.
	r = s.Do(http.MethodGet, "/Users/"+id, tok, nil, "Accept: application/scim+json").Expect(t, http.StatusOK)
	if harness.Str(r.Body, "id") != id || harness.Str(r.Body, "name.givenName") != "Test" || len(emailsOfType(r.Body, "work")) != 1 {
		t.Fatalf("get answered %s", r.Raw)
	}

	// 4. The existence check finds it now.
	if p := listUsers(t, s, existence); p.Total != 1 || p.ItemsPerPage != 1 || p.ids()[0] != id {
		t.Fatalf("existence check after create: %s", p.Raw)
	}
	// The upper-cased userName (Okta SPEC test step 9).
	if p := listUsers(t, s, query("filter", `userName eq "TEST.USER@OKTA.LOCAL"`)); p.Total != 1 {
		t.Fatalf("upper-cased userName: %s", p.Raw)
	}

	// 5. Import, page by page: both users, each once, in a stable order.
	all := listUsers(t, s, query("startIndex", "1", "count", "100"))
	if !sameSet(all.ids(), []string{seed.ID, id}) {
		t.Fatalf("import lists %v", all.ids())
	}
	var paged []string
	for si := 1; si <= 3; si++ {
		p := listUsers(t, s, query("startIndex", strconv.Itoa(si), "count", "1"))
		if p.Total != 2 || p.StartIndex != si {
			t.Fatalf("page %d: %s", si, p.Raw)
		}
		paged = append(paged, p.ids()...)
	}
	if strings.Join(paged, ",") != strings.Join(all.ids(), ",") {
		t.Fatalf("pages of one give %v, the whole listing %v", paged, all.ids())
	}

	// 6. Full PUT of what GET returned, with id, meta and groups.
	r = s.Do(http.MethodGet, "/Users/"+id, tok, nil).Expect(t, http.StatusOK)
	full := r.Body
	full["name"] = map[string]any{"givenName": "Tested", "familyName": "User"}
	full["title"] = "Manager"
	full["groups"] = []any{}
	full["meta"] = map[string]any{"resourceType": "User", "version": `W/"999"`, "location": "https://elsewhere.example/Users/x"}
	delete(full, "displayName")
	r = s.Do(http.MethodPut, "/Users/"+id, tok, mustJSON(t, full)).Expect(t, http.StatusOK)
	if harness.Str(r.Body, "name.givenName") != "Tested" || harness.Str(r.Body, "title") != "Manager" || harness.Str(r.Body, "id") != id ||
		harness.Str(r.Body, "meta.location") != s.Base+"/Users/"+id {
		t.Fatalf("PUT answered %s", r.Raw)
	}
	if u := genesysUser(t, s, id); u.Name != "Tested User" || u.Title != "Manager" || u.State != "active" || u.Email != "test.user@okta.local" {
		t.Fatalf("after PUT, Genesys holds %+v", u)
	}

	// 7. PATCH deactivate and reactivate, Okta's path-less shape.
	for _, step := range []struct {
		active bool
		state  string
	}{{false, "inactive"}, {true, "active"}} {
		op := `{"op":"replace","value":{"active":` + strconv.FormatBool(step.active) + `}}`
		r = s.Do(http.MethodPatch, "/Users/"+id, tok, patchBody(op)).Expect(t, http.StatusOK)
		if r.Body["active"] != step.active {
			t.Fatalf("%s answered %s", op, r.Raw)
		}
		if u := genesysUser(t, s, id); u.State != step.state || u.Name != "Tested User" {
			t.Fatalf("after %s, Genesys holds %+v", op, u)
		}
		// Okta's CRUD test: still readable, with the new active.
		if g := s.Do(http.MethodGet, "/Users/"+id, tok, nil).Expect(t, http.StatusOK); g.Body["active"] != step.active {
			t.Fatalf("read after %s: %s", op, g.Raw)
		}
	}

	// 8. 401 with a non-token.
	r = s.Do(http.MethodGet, "/Users"+existence, "", nil, "Authorization: non-token").ExpectSCIMError(t, http.StatusUnauthorized, "")
	if harness.Str(r.Body, "status") != "401" {
		t.Fatalf("401 body %s", r.Raw)
	}
	// 9. 404 for ids that do not exist (both of Okta's).
	for _, unknown := range []string{"00919288221112222", "010101001010101011001010101011"} {
		s.Do(http.MethodGet, "/Users/"+unknown, tok, nil).ExpectSCIMError(t, http.StatusNotFound, "")
	}
	s.NoRejections()
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
