package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// Tests of answers the real Genesys API gives that an earlier emulator got
// wrong, and of hostile or careless callers: each shows through a real Caddy
// what the gateway does, and that the emulator saw nothing the real API
// would refuse.

const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}`

// TestExternalIDAfterRestart: GET /api/v2/users/{userId}/externalid/{authority}
// answers one object, and 404 when the user has none there. After a restart
// (nothing cached) a user's externalId is read back, and a user without one
// is still readable, replaceable and deactivatable.
func TestExternalIDAfterRestart(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	with := harness.Str(s.Do(http.MethodPost, "/Users", w, `{"userName":"with@example.com","externalId":"hr-1"}`).
		Expect(t, http.StatusCreated).Body, "id")
	without := harness.Str(s.Do(http.MethodPost, "/Users", w, `{"userName":"without@example.com"}`).
		Expect(t, http.StatusCreated).Body, "id")

	s.Restart()
	if got := harness.Str(s.Do(http.MethodGet, "/Users/"+with, w, nil).Expect(t, http.StatusOK).Body, "externalId"); got != "hr-1" {
		t.Fatalf("after a restart externalId = %q, want hr-1", got)
	}
	s.Restart()
	r := s.Do(http.MethodGet, "/Users/"+without, w, nil).Expect(t, http.StatusOK)
	if got := harness.Str(r.Body, "externalId"); got != "" {
		t.Fatalf("externalId = %q, want none", got)
	}
	s.Restart()
	s.Do(http.MethodPut, "/Users/"+without, w, `{"userName":"without@example.com","title":"Agent"}`).Expect(t, http.StatusOK)
	s.Restart()
	s.Do(http.MethodPatch, "/Users/"+without, w, fmt.Sprintf(patchOp, `{"op":"replace","path":"active","value":false}`)).Expect(t, http.StatusOK)
	if u, _ := s.Emu.User(without); u.State != "inactive" || u.Title != "Agent" {
		t.Fatalf("Genesys holds %+v, want the replaced, deactivated user", u)
	}
	s.NoRejections()
}

// TestExternalIDInListsAfterRestart: a list after a restart (nothing
// cached) shows every listed user's externalId, whichever way the list is
// answered, at one GET /api/v2/users/{id}/externalid per user not yet
// known, none for a list that leaves externalId out, and none the next time.
func TestExternalIDInListsAfterRestart(t *testing.T) {
	const extCalls = "GET /api/v2/users/{id}/externalid"
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	for _, body := range []string{`{"userName":"a.list@example.com","externalId":"hr-a"}`,
		`{"userName":"b.list@example.com","externalId":"hr-b"}`, `{"userName":"c.list@example.com"}`} {
		s.Do(http.MethodPost, "/Users", w, body).Expect(t, http.StatusCreated)
	}
	want := map[string]string{"a.list@example.com": "hr-a", "b.list@example.com": "hr-b", "c.list@example.com": ""}
	check := func(path string, wantN, wantCalls int) {
		t.Helper()
		before := s.Emu.Calls(extCalls)
		r := s.Do(http.MethodGet, path, w, nil).Expect(t, http.StatusOK)
		res, _ := r.Body["Resources"].([]any)
		if len(res) != wantN {
			t.Fatalf("%s: %d users, want %d: %s", path, len(res), wantN, r.Raw)
		}
		for _, x := range res {
			u, _ := x.(map[string]any)
			name := harness.Str(u, "userName")
			if got := harness.Str(u, "externalId"); !strings.Contains(path, "excludedAttributes") && got != want[name] {
				t.Errorf("%s: %s has externalId %q, want %q", path, name, got, want[name])
			}
		}
		if n := s.Emu.Calls(extCalls) - before; n != wantCalls {
			t.Errorf("%s: %d external id reads, want %d", path, n, wantCalls)
		}
	}
	s.Restart()
	check("/Users?excludedAttributes=externalId", 3, 0)
	check("/Users", 3, 3)
	check("/Users", 3, 0)
	s.Restart()
	check("/Users?filter="+url.QueryEscape(`userName eq "a.list@example.com"`), 1, 1)
	check("/Users?filter="+url.QueryEscape(`userName eq "c.list@example.com"`), 1, 1)
	// externalId eq is answered by GET /api/v2/users/externalid/{authority}/{key}.
	check("/Users?filter="+url.QueryEscape(`userName eq "b.list@example.com" and externalId eq "hr-b"`), 1, 0)
	s.NoRejections()
}

// TestVersionRaceConverges: Genesys answers a stale version with 409 (code
// general.conflict, as a duplicate email) or 408. A PATCH that meets a
// concurrent change converges; one that takes another user's email is 409
// uniqueness and changes nothing.
func TestVersionRaceConverges(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	id := harness.Str(s.Do(http.MethodPost, "/Users", w, `{"userName":"race@example.com"}`).Expect(t, http.StatusCreated).Body, "id")
	s.Do(http.MethodPost, "/Users", w, `{"userName":"taken@example.com"}`).Expect(t, http.StatusCreated)

	// A real concurrent modification just before the PATCH lands.
	s.Emu.BumpVersionBeforeNextPatch(id)
	s.Do(http.MethodPatch, "/Users/"+id, w, fmt.Sprintf(patchOp, `{"op":"replace","path":"title","value":"Lead"}`)).Expect(t, http.StatusOK)
	// The same while the userName changes: the 409 general.conflict could
	// be a duplicate; the version moved, so it is a race.
	s.Emu.BumpVersionBeforeNextPatch(id)
	s.Do(http.MethodPatch, "/Users/"+id, w, fmt.Sprintf(patchOp, `{"op":"replace","path":"userName","value":"race2@example.com"}`)).Expect(t, http.StatusOK)
	// A 408 version answer.
	s.Emu.ConflictNextPatchStatus(id, http.StatusRequestTimeout)
	s.Do(http.MethodPatch, "/Users/"+id, w, fmt.Sprintf(patchOp, `{"op":"replace","path":"title","value":"Manager"}`)).Expect(t, http.StatusOK)
	if u, _ := s.Emu.User(id); u.Email != "race2@example.com" || u.Title != "Manager" {
		t.Fatalf("Genesys holds %+v, want every PATCH applied", u)
	}
	// A duplicate email: same status and code, but the version did not move.
	s.Do(http.MethodPatch, "/Users/"+id, w, fmt.Sprintf(patchOp, `{"op":"replace","path":"userName","value":"taken@example.com"}`)).
		ExpectSCIMError(t, http.StatusConflict, "uniqueness")
	if u, _ := s.Emu.User(id); u.Email != "race2@example.com" {
		t.Fatalf("a refused PATCH changed the email to %q", u.Email)
	}
	s.NoRejections()
}

// TestRestoreReturnsToDivision: Genesys restores a deleted user into the home
// division; with division configured, the gateway moves it back.
func TestRestoreReturnsToDivision(t *testing.T) {
	s := harness.New(t, harness.Options{Emulator: genesystest.Config{Divisions: []string{"Agents"}}})
	agents, _ := s.Emu.DivisionID("Agents")
	s.Load(strings.Replace(s.CaddyConfig, "read_roles scim_auditor", "read_roles scim_auditor\n\t\tdivision "+agents, 1))
	w := s.Writer()
	id := harness.Str(s.Do(http.MethodPost, "/Users", w, `{"userName":"leaver@example.com"}`).Expect(t, http.StatusCreated).Body, "id")
	if d := s.Emu.UserDivision(id); d != agents {
		t.Fatalf("new user in division %q, want %q", d, agents)
	}
	s.Do(http.MethodDelete, "/Users/"+id, w, nil).Expect(t, http.StatusNoContent)
	r := s.Do(http.MethodPost, "/Users", w, `{"userName":"leaver@example.com","title":"Back"}`).Expect(t, http.StatusCreated)
	if harness.Str(r.Body, "id") != id {
		t.Fatalf("the returning leaver got id %s, want the restored %s", harness.Str(r.Body, "id"), id)
	}
	if d := s.Emu.UserDivision(id); d != agents {
		t.Fatalf("restored user in division %q, want the configured %q", d, agents)
	}

	// A requested division that is not a Genesys id is refused before the
	// restore, and one Genesys does not know is the caller's 400 naming
	// it, not "User not found"; the corrected request finishes the restore.
	// The emulator checks a create's division before its email, so the
	// create is answered the conflict a deleted holder of the email gives.
	s.Do(http.MethodDelete, "/Users/"+id, w, nil).Expect(t, http.StatusNoContent)
	before := len(s.Emu.Requests())
	s.Do(http.MethodPost, "/Users", w, `{"userName":"leaver@example.com","urn:ietf:params:scim:schemas:extension:genesys:User":{"divisionId":".."}}`).
		ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	if n := len(s.Emu.Requests()) - before; n != 0 {
		t.Fatalf("a divisionId \"..\" caused %d upstream calls", n)
	}
	s.Emu.FailNext("POST /api/v2/users", 1, http.StatusConflict)
	const nowhere = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
	r = s.Do(http.MethodPost, "/Users", w, `{"userName":"leaver@example.com","urn:ietf:params:scim:schemas:extension:genesys:User":{"divisionId":"`+nowhere+`"}}`).
		ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	if !strings.Contains(harness.Str(r.Body, "detail"), nowhere) {
		t.Fatalf("detail %q does not name the division", harness.Str(r.Body, "detail"))
	}
	r = s.Do(http.MethodPost, "/Users", w, `{"userName":"leaver@example.com","urn:ietf:params:scim:schemas:extension:genesys:User":{"divisionId":"`+agents+`"}}`).
		Expect(t, http.StatusCreated)
	if harness.Str(r.Body, "id") != id || s.Emu.UserDivision(id) != agents {
		t.Fatalf("the corrected request answered %s; user in division %q", r.Raw, s.Emu.UserDivision(id))
	}
	s.NoRejections()
}

// skillNames is n skill names Genesys does not know, in the purecloud
// extension's shape.
func skillNames(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"%s %03d"}`, prefix, i)
	}
	return `{"userName":"%s","urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{"routingSkills":[` + b.String() + `]}}`
}

// TestRoutingNamesBounded: at most 50 names of each kind (51 are refused
// before any call); a name Genesys does not know is the caller's 400; a
// caller who hangs up stops its lookups, and under the default pacing
// (rate_limit 300 1m) the next request is not kept waiting behind them.
func TestRoutingNamesBounded(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	id := harness.Str(s.Do(http.MethodPost, "/Users", w, `{"userName":"reader@example.com"}`).Expect(t, http.StatusCreated).Body, "id")
	s.Do(http.MethodGet, "/Users/"+id, w, nil).Expect(t, http.StatusOK)

	before := len(s.Emu.Requests())
	s.Do(http.MethodPost, "/Users", w, fmt.Sprintf(skillNames("Fifty-one", 51), "many@example.com")).
		ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	if n := len(s.Emu.Requests()) - before; n != 0 {
		t.Fatalf("51 names caused %d upstream calls, want none", n)
	}

	s.Do(http.MethodPost, "/Users", w, fmt.Sprintf(skillNames("Unknown", 2), "unknown@example.com")).
		ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	if len(s.Emu.Users()) != 1 {
		t.Fatal("a request naming unknown skills created a user")
	}

	// Fifty lookups take ten seconds at five calls a second; the caller
	// gives up after two.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.Base+"/Users",
		strings.NewReader(fmt.Sprintf(skillNames("Abandoned", 50), "abandoned@example.com")))
	req.Header.Set("Authorization", "Bearer "+w)
	req.Header.Set("Content-Type", "application/scim+json")
	if resp, err := s.Client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the 50-name request answered %d within 2 s; the test needs it to still be looking names up", resp.StatusCode)
	}
	lookups := s.Emu.Calls("GET /api/v2/routing/skills")
	start := time.Now()
	s.Do(http.MethodGet, "/Users/"+id, w, nil).Expect(t, http.StatusOK)
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("the next read took %v behind an abandoned request, want well under the 10 s its lookups would take", took)
	}
	time.Sleep(time.Second)
	if n := s.Emu.Calls("GET /api/v2/routing/skills") - lookups; n > 5 {
		t.Fatalf("%d more lookups after the caller hung up, want them stopped", n)
	}
	s.NoRejections()
}

// TestUserNameFoldsASCIIOnly: the Kelvin sign (U+212A) is not "k" and a
// no-break space is not whitespace: neither answers with an existing user.
// Genesys's index may fold Unicode case; the gateway does not merge.
func TestUserNameFoldsASCIIOnly(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	kate := harness.Str(s.Do(http.MethodPost, "/Users", w, `{"userName":"kate@example.com"}`).Expect(t, http.StatusCreated).Body, "id")
	for _, name := range []string{"\u212Aate@example.com", "\u00a0kate@example.com"} {
		r := s.Do(http.MethodPost, "/Users", w, fmt.Sprintf(`{"userName":%q}`, name))
		if r.Status < 400 && harness.Str(r.Body, "id") == kate {
			t.Fatalf("userName %q answered %d with kate's user", name, r.Status)
		}
		if r.Status >= 500 {
			t.Fatalf("userName %q answered %d: %s", name, r.Status, r.Raw)
		}
		l := s.Do(http.MethodGet, "/Users?filter="+strings.ReplaceAll(fmt.Sprintf("userName eq %q", name), " ", "%20"), w, nil).Expect(t, http.StatusOK)
		if strings.Contains(string(l.Raw), kate) {
			t.Fatalf("filter userName eq %q listed kate", name)
		}
	}
	if u, _ := s.Emu.User(kate); u.Email != "kate@example.com" {
		t.Fatalf("kate's email became %q", u.Email)
	}
	s.NoRejections()
}

// TestMalformedUserNamesCostNothing: a userName that is not UTF-8 (a stray
// byte, an escaped surrogate without its pair) is 400 invalidValue, not
// decoded to U+FFFD, which made different inputs one identity; nor is an
// address Genesys refuses (a domain literal) sent to it. Nothing reaches
// Genesys.
func TestMalformedUserNamesCostNothing(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	before := len(s.Emu.Requests())
	for _, body := range []any{
		[]byte("{\"userName\":\"\xffjo@example.com\"}"),
		[]byte("{\"userName\":\"\xfejo@example.com\"}"),
		`{"userName":"\udc00jo@example.com"}`,
		`{"userName":"\ud800jo@example.com"}`,
		[]byte("{\"userName\":\"jo@example.com\",\"title\":\"\xc0\xaf\"}"),
		`{"userName":"a@[127.0.0.1]"}`,
	} {
		s.Do(http.MethodPost, "/Users", w, body).ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	}
	if n := len(s.Emu.Requests()) - before; n != 0 {
		t.Fatalf("malformed userNames caused %d upstream calls", n)
	}
	if n := len(s.Emu.Users()); n != 0 {
		t.Fatalf("%d users created", n)
	}
	s.NoRejections()
}

// TestConcurrentCreatesOneExternalID: creates of different people with one
// externalId, all at once: one is created with it, the others are 409
// uniqueness with nothing created (the check and the claim are not
// interleaved with another create's).
func TestConcurrentCreatesOneExternalID(t *testing.T) {
	s := harness.New(t, harness.Options{Extra: "rate_limit 100000 1m"})
	w := s.Writer()
	const n = 6
	status := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status[i] = s.Do(http.MethodPost, "/Users", w, fmt.Sprintf(`{"userName":"race%d@example.com","externalId":"same-ext"}`, i)).Status
		}()
	}
	wg.Wait()
	slices.Sort(status)
	want := []int{http.StatusCreated, http.StatusConflict, http.StatusConflict, http.StatusConflict, http.StatusConflict, http.StatusConflict}
	if !slices.Equal(status, want) {
		t.Fatalf("statuses %v, want one 201 and the rest 409", status)
	}
	users := s.Emu.Users()
	if len(users) != 1 || len(users[0].ExternalIDs) != 1 || users[0].ExternalIDs[0].Key != "same-ext" {
		t.Fatalf("Genesys holds %+v, want one user with externalId same-ext", users)
	}
	s.NoRejections()
}

// TestIDsAndPathValues: ids that cannot be Genesys ids (UUIDs) are 404 with no
// upstream call; "." and ".." never reach Genesys as path segments; an
// externalId is at most 255 characters; a create whose externalId another
// user holds is 409 with nothing created.
func TestIDsAndPathValues(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	holder := harness.Str(s.Do(http.MethodPost, "/Users", w, `{"userName":"holder@example.com","externalId":"hr-7"}`).
		Expect(t, http.StatusCreated).Body, "id")

	before := len(s.Emu.Requests())
	for _, id := range []string{"not-a-uuid", "..", "%2E%2E", "12345678-1234-1234-1234-12345678901z", strings.ToUpper(holder) + "0"} {
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			body := any(nil)
			switch m {
			case http.MethodPut:
				body = `{"userName":"x@example.com"}`
			case http.MethodPatch:
				body = fmt.Sprintf(patchOp, `{"op":"replace","path":"title","value":"x"}`)
			}
			s.Do(m, "/Users/"+id, w, body).ExpectSCIMError(t, http.StatusNotFound, "")
		}
	}
	r := s.Do(http.MethodGet, `/Users?filter=id%20eq%20%22not-a-uuid%22`, w, nil).Expect(t, http.StatusOK)
	if r.Body["totalResults"] != float64(0) {
		t.Fatalf("id eq a non-id: %s", r.Raw)
	}
	if n := len(s.Emu.Requests()) - before; n != 0 {
		t.Fatalf("ids that cannot be Genesys ids caused %d upstream calls", n)
	}

	for _, body := range []string{
		`{"userName":"dot@example.com","externalId":"."}`,
		`{"userName":"dot@example.com","externalId":".."}`,
		`{"userName":"dot@example.com","externalId":"` + strings.Repeat("x", 256) + `"}`,
		`{"userName":"dot@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":".."}}}`,
		`{"userName":"dot@example.com","urn:ietf:params:scim:schemas:extension:genesys:User":{"divisionId":".."}}`,
		`{"userName":"dot@example.com","urn:ietf:params:scim:schemas:extension:genesys:User":{"divisionId":"Agents"}}`,
	} {
		s.Do(http.MethodPost, "/Users", w, body).ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	}
	s.Do(http.MethodGet, `/Users?filter=externalId%20eq%20%22..%22`, w, nil).ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	s.Do(http.MethodPatch, "/Users/"+holder, w, fmt.Sprintf(patchOp, `{"op":"replace","path":"externalId","value":".."}`)).
		ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	s.Do(http.MethodPost, "/Users", w, `{"userName":"long@example.com","externalId":"`+strings.Repeat("y", 255)+`"}`).Expect(t, http.StatusCreated)

	creates := s.Emu.Calls("POST /api/v2/users")
	s.Do(http.MethodPost, "/Users", w, `{"userName":"thief@example.com","externalId":"hr-7"}`).ExpectSCIMError(t, http.StatusConflict, "uniqueness")
	if s.Emu.Calls("POST /api/v2/users") != creates {
		t.Fatal("a create whose externalId another user holds reached Genesys")
	}
	if _, ok := s.Emu.UserByEmail("thief@example.com"); ok {
		t.Fatal("a user was created")
	}
	s.NoRejections()
}

// TestRemoveUserNameRefused: userName is required (RFC 7643 section 4.1.1);
// a PATCH removing it is 400 and none of its operations applies.
func TestRemoveUserNameRefused(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	id := harness.Str(s.Do(http.MethodPost, "/Users", w, `{"userName":"keep@example.com","title":"Agent"}`).Expect(t, http.StatusCreated).Body, "id")
	s.Do(http.MethodPatch, "/Users/"+id, w, fmt.Sprintf(patchOp,
		`{"op":"replace","path":"title","value":"Changed"},{"op":"remove","path":"userName"}`)).ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	if u, _ := s.Emu.User(id); u.Email != "keep@example.com" || u.Title != "Agent" {
		t.Fatalf("a refused PATCH changed the user: %+v", u)
	}
	s.NoRejections()
}
