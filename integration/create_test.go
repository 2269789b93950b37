package integration

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// Payloads as the identity providers send them (Microsoft's and Okta's
// published SCIM examples).
const (
	oktaCreate = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
	 "name":{"givenName":"Test","familyName":"User"},
	 "emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
	 "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
	 "groups":[],"password":"1mz050nq-Secret","active":true}`
	entraCreate = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	 "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
	 "userName":"Test_User_00aa00aa@contoso.com","active":true,
	 "emails":[{"primary":true,"type":"work","value":"Test_User_11bb11bb@testuser.com"}],
	 "meta":{"resourceType":"User"},
	 "name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
	 "roles":[],"addresses":null,"phoneNumbers":null,"title":null,"department":null,"manager":null,
	 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"}}`
)

func TestCreateOktaShaped(t *testing.T) {
	s := harness.New(t, harness.Options{})
	// Okta sends application/json.
	r := s.Do(http.MethodPost, "/Users", s.Writer(), oktaCreate, "Content-Type: application/json").Expect(t, http.StatusCreated)
	id := harness.Str(r.Body, "id")
	if loc := r.Header.Get("Location"); loc != s.Base+"/Users/"+id || harness.Str(r.Body, "meta.location") != loc {
		t.Fatalf("Location %q, meta.location %q, want %s/Users/%s", loc, harness.Str(r.Body, "meta.location"), s.Base, id)
	}
	if et := r.Header.Get("ETag"); et == "" || et != harness.Str(r.Body, "meta.version") || !strings.HasPrefix(et, `W/"`) {
		t.Fatalf("ETag %q, meta.version %q", et, harness.Str(r.Body, "meta.version"))
	}
	if strings.Contains(string(r.Raw), "password") || strings.Contains(string(r.Raw), "1mz050nq") {
		t.Fatal("the response echoes the password")
	}
	u, ok := s.Emu.User(id)
	if !ok {
		t.Fatalf("no Genesys user %s", id)
	}
	if u.Email != "test.user@okta.local" || u.Name != "Test User" || u.State != "active" {
		t.Fatalf("Genesys user %+v", u)
	}
	if got, ok := s.Emu.UserByExternalID("scim", "00ujl29u0le5T6Aj10h7"); !ok || got.ID != id {
		t.Fatal("externalId not stored under the scim authority")
	}
	if harness.Str(r.Body, "userName") != "test.user@okta.local" || harness.Str(r.Body, "name.givenName") != "Test" ||
		harness.Str(r.Body, "name.familyName") != "User" || r.Body["active"] != true {
		t.Fatalf("response %s", r.Raw)
	}
	s.NoRejections()
}

func TestCreateEntraShaped(t *testing.T) {
	s := harness.New(t, harness.Options{})
	r := s.Do(http.MethodPost, "/Users", s.Writer(), entraCreate).Expect(t, http.StatusCreated)
	u, _ := s.Emu.User(harness.Str(r.Body, "id"))
	if u.Email != "test_user_00aa00aa@contoso.com" || u.Name != "givenName familyName" || u.Department != "Sales" {
		t.Fatalf("Genesys user %+v", u)
	}
	// The work email differs from the userName: kept as an EMAIL/WORK address.
	found := false
	for _, a := range u.Addresses {
		if a.MediaType == "EMAIL" && a.Type == "WORK" && strings.EqualFold(a.Address, "Test_User_11bb11bb@testuser.com") {
			found = true
		}
	}
	if !found {
		t.Fatalf("work email not kept as an address: %+v", u.Addresses)
	}
	s.NoRejections()
}

// TestCreateNormalisesAndCoerces: untidy userName and loose types make one
// person; the second POST finds the first.
func TestCreateNormalisesAndCoerces(t *testing.T) {
	s := harness.New(t, harness.Options{})
	r1 := s.Do(http.MethodPost, "/Users", s.Writer(),
		`{"userName":"  Alice@Example.COM ","active":"True","title":12,"name":{"formatted":"Alice Smith"}}`).Expect(t, http.StatusCreated)
	if r1.Body["active"] != true || harness.Str(r1.Body, "title") != "12" || harness.Str(r1.Body, "userName") != "alice@example.com" {
		t.Fatalf("coercion: %s", r1.Raw)
	}
	r2 := s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"alice@example.com"}`).Expect(t, http.StatusOK)
	if harness.Str(r2.Body, "id") != harness.Str(r1.Body, "id") {
		t.Fatal("a second user was made for the same normalised email")
	}
	if n := len(s.Emu.Users()); n != 1 {
		t.Fatalf("%d Genesys users, want 1", n)
	}
	s.NoRejections()
}

func TestCreateDuplicateConflictPolicy(t *testing.T) {
	s := harness.New(t, harness.Options{Extra: "on_duplicate conflict"})
	s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"bob@example.com"}`).Expect(t, http.StatusCreated)
	s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"BOB@example.com"}`).ExpectSCIMError(t, http.StatusConflict, "uniqueness")
	if n := len(s.Emu.Users()); n != 1 {
		t.Fatalf("%d users", n)
	}
	s.NoRejections()
}

// TestCreateReturnExistingLeavesItAlone: 200, no attribute or state changed,
// the request's groups joined and their routing applied.
func TestCreateReturnExistingLeavesItAlone(t *testing.T) {
	s := harness.New(t, harness.Options{})
	first := s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"carol@example.com","title":"Agent","active":false}`).Expect(t, http.StatusCreated)
	id := harness.Str(first.Body, "id")
	r := s.Do(http.MethodPost, "/Users", s.Writer(),
		`{"userName":"carol@example.com","title":"Boss","active":true,"groups":[{"display":"cc billing"}]}`).Expect(t, http.StatusOK)
	if harness.Str(r.Body, "id") != id {
		t.Fatal("different user returned")
	}
	u, _ := s.Emu.User(id)
	if u.Title != "Agent" || u.State != "inactive" {
		t.Fatalf("return_existing changed the user: %+v", u)
	}
	// The group becomes a membership; its routing follows by reconciliation.
	skill, _ := s.Emu.SkillID("Billing")
	harness.Eventually(t, 10*time.Second, "routing not applied to the existing user", func() bool {
		u, _ := s.Emu.User(id)
		return hasProficiency(u.Skills, skill, 4)
	})
	s.NoRejections()
}

// TestCreateRestoresDeletedUser: a soft-deleted holder of the email is
// restored and updated; 201.
func TestCreateRestoresDeletedUser(t *testing.T) {
	s := harness.New(t, harness.Options{})
	r := s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"dave@example.com","title":"Old"}`).Expect(t, http.StatusCreated)
	id := harness.Str(r.Body, "id")
	s.Do(http.MethodDelete, "/Users/"+id, s.Writer(), nil).Expect(t, http.StatusNoContent)
	s.Do(http.MethodGet, "/Users/"+id, s.Writer(), nil).ExpectSCIMError(t, http.StatusNotFound, "")
	r = s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"dave@example.com","title":"New","groups":[{"value":"CC Spanish"}]}`).Expect(t, http.StatusCreated)
	if harness.Str(r.Body, "id") != id {
		t.Fatalf("restore made a new user %s instead of restoring %s", harness.Str(r.Body, "id"), id)
	}
	u, _ := s.Emu.User(id)
	if u.State != "active" || u.Title != "New" {
		t.Fatalf("restored user %+v", u)
	}
	lang, _ := s.Emu.LanguageID("Spanish")
	harness.Eventually(t, 10*time.Second, "routing missing after restore", func() bool {
		u, _ := s.Emu.User(id)
		return hasProficiency(u.Languages, lang, 4)
	})
	restored := false
	for _, e := range s.AuditEntries() {
		restored = restored || e["event"] == "SCIM_USER_RESTORED"
	}
	if !restored {
		t.Fatal("no SCIM_USER_RESTORED audit entry")
	}
	s.NoRejections()
}

// TestCreateAppliesGroupRouting: skills with proficiency, languages (highest
// wins across groups), queues, and the Genesys extension's routingSkills.
func TestCreateAppliesGroupRouting(t *testing.T) {
	s := harness.New(t, harness.Options{})
	r := s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"erin@example.com",
	  "groups":[{"display":"CC Billing"},{"value":"cc spanish"}],
	  "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{"routingSkills":[{"name":"Escalations","proficiency":1}]}}`).Expect(t, http.StatusCreated)
	u, _ := s.Emu.User(harness.Str(r.Body, "id"))
	for name, p := range map[string]float64{"Billing": 4, "Payments": 3, "Support": 2, "Escalations": 1} {
		id, _ := s.Emu.SkillID(name)
		if !hasProficiency(u.Skills, id, p) {
			t.Errorf("skill %s at %v missing: %+v", name, p, u.Skills)
		}
	}
	for name, p := range map[string]float64{"English": 5, "Spanish": 4} {
		id, _ := s.Emu.LanguageID(name)
		if !hasProficiency(u.Languages, id, p) {
			t.Errorf("language %s at %v missing: %+v", name, p, u.Languages)
		}
	}
	for _, q := range []string{"Billing", "Spanish Support", "General Support"} {
		if !inQueue(s, q, u.ID) {
			t.Errorf("not a member of queue %s", q)
		}
	}
	s.NoRejections()
}

// TestCreateManySkills: a group with more than 50 skills needs two bulk calls.
func TestCreateManySkills(t *testing.T) {
	var names, quoted []string
	for i := 1; i <= 60; i++ {
		names = append(names, fmt.Sprintf("Skill %02d", i))
		quoted = append(quoted, fmt.Sprintf(`"Skill %02d:%d"`, i, i%6))
	}
	cfg := genesystest.Config{Skills: names, Languages: []string{"English", "Spanish"},
		Queues: []string{"Billing", "Spanish Support", "General Support"}}
	s := harness.New(t, harness.Options{Emulator: cfg, Extra: "group big {\n skills " + strings.Join(quoted, " ") + "\n }"})
	r := s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"frank@example.com","groups":[{"display":"big"}]}`).Expect(t, http.StatusCreated)
	u, _ := s.Emu.User(harness.Str(r.Body, "id"))
	if len(u.Skills) != 60 {
		t.Fatalf("%d skills, want 60", len(u.Skills))
	}
	if n := s.Emu.Calls("PATCH /api/v2/users/{id}/routingskills/bulk"); n != 2 {
		t.Fatalf("%d bulk skill calls, want 2", n)
	}
	s.NoRejections()
}

// TestConcurrentCreatesMakeOneUser: 20 identical POSTs while search lags 2 s.
func TestConcurrentCreatesMakeOneUser(t *testing.T) {
	s := harness.New(t, harness.Options{})
	s.Emu.SetSearchLag(2 * time.Second)
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	ids := make([]string, 20)
	tok := s.Writer()
	for i := range statuses {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := s.Do(http.MethodPost, "/Users", tok, `{"userName":"grace@example.com","groups":[{"display":"CC Billing"}]}`)
			statuses[i], ids[i] = r.Status, harness.Str(r.Body, "id")
		}(i)
	}
	wg.Wait()
	created := 0
	for i, st := range statuses {
		switch st {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Fatalf("request %d answered %d", i, st)
		}
		if ids[i] != ids[0] {
			t.Fatalf("different ids returned: %v", ids)
		}
	}
	if created != 1 || len(s.Emu.Users()) != 1 {
		t.Fatalf("%d answered 201, %d Genesys users; want exactly one of each", created, len(s.Emu.Users()))
	}
	s.NoRejections()
}

// TestUnknownRoutingNameCreatesNothing: names resolve before the create.
func TestUnknownRoutingNameCreatesNothing(t *testing.T) {
	s := harness.New(t, harness.Options{Extra: "group broken {\n skills \"No Such Skill\"\n }"})
	r := s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"henry@example.com","groups":[{"display":"broken"}]}`)
	r.ExpectSCIMError(t, http.StatusInternalServerError, "")
	if !strings.Contains(harness.Str(r.Body, "detail"), "No Such Skill") {
		t.Fatalf("detail does not name the unknown skill: %s", r.Raw)
	}
	if len(s.Emu.Users()) != 0 || s.Emu.Calls("POST /api/v2/users") != 0 {
		t.Fatal("a user was created despite the unknown skill")
	}
	routingErr := false
	for _, e := range s.AuditEntries() {
		routingErr = routingErr || e["event"] == "SCIM_ROUTING_ERROR"
	}
	if !routingErr {
		t.Fatal("no SCIM_ROUTING_ERROR audit entry")
	}
	s.NoRejections()
}

// TestSkillsFailingOnceConverges: the skills call fails once; the result is
// the full routing, one user.
func TestSkillsFailingOnceConverges(t *testing.T) {
	s := harness.New(t, harness.Options{})
	s.Emu.FailNext("PATCH /api/v2/users/{id}/routingskills/bulk", 1, http.StatusServiceUnavailable)
	r := s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"ivy@example.com","groups":[{"display":"CC Billing"}]}`).Expect(t, http.StatusCreated)
	u, _ := s.Emu.User(harness.Str(r.Body, "id"))
	id, _ := s.Emu.SkillID("Billing")
	if !hasProficiency(u.Skills, id, 4) || len(s.Emu.Users()) != 1 {
		t.Fatalf("skills %+v, users %d", u.Skills, len(s.Emu.Users()))
	}
	s.NoRejections()
}

// TestBadCreateInputs: each gets its SCIM error and creates nothing.
func TestBadCreateInputs(t *testing.T) {
	s := harness.New(t, harness.Options{})
	big := `{"userName":"x@example.com","title":"` + strings.Repeat("a", 1<<20) + `"}`
	for _, tc := range []struct {
		name, body, ctype string
		status            int
		scimType          string
	}{
		{"malformed JSON", `{"userName": "x@example.com",`, "", 400, "invalidSyntax"},
		{"trailing data", `{"userName":"x@example.com"} {"userName":"y@example.com"}`, "", 400, "invalidSyntax"},
		{"not an email", `{"userName":"not-an-email"}`, "", 400, "invalidValue"},
		{"no userName nor email", `{"name":{"formatted":"Nobody"}}`, "", 400, "invalidValue"},
		{"active not a boolean", `{"userName":"x@example.com","active":"maybe"}`, "", 400, "invalidValue"},
		{"two primary emails", `{"userName":"x@example.com","emails":[{"value":"a@example.com","primary":true},{"value":"b@example.com","primary":true}]}`, "", 400, "invalidValue"},
		{"emails not a list", `{"userName":"x@example.com","emails":"x@example.com"}`, "", 400, "invalidValue"},
		{"too large", big, "", 413, ""},
		{"text/plain", `{"userName":"x@example.com"}`, "text/plain", 415, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.ctype != "" {
				h = append(h, "Content-Type: "+tc.ctype)
			}
			s.Do(http.MethodPost, "/Users", s.Writer(), tc.body, h...).ExpectSCIMError(t, tc.status, tc.scimType)
		})
	}
	if len(s.Emu.Users()) != 0 {
		t.Fatalf("bad input created %d users", len(s.Emu.Users()))
	}
	s.NoRejections()
}

func hasProficiency(list []genesystest.Proficiency, id string, p float64) bool {
	for _, x := range list {
		if x.ID == id && x.Proficiency == p {
			return true
		}
	}
	return false
}

func inQueue(s *harness.Stack, queue, userID string) bool {
	qid, ok := s.Emu.QueueID(queue)
	if !ok {
		s.T.Fatalf("no queue %q", queue)
	}
	for _, m := range s.Emu.QueueMembers(qid) {
		if m == userID {
			return true
		}
	}
	return false
}
