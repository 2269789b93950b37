package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/scim"
)

const (
	epCreate      = "POST /api/v2/users"
	epSearch      = "POST /api/v2/users/search"
	epGetUser     = "GET /api/v2/users/{id}"
	epPatchUser   = "PATCH /api/v2/users/{id}"
	epExtID       = "POST /api/v2/users/{id}/externalid"
	epExtIDLookup = "GET /api/v2/users/externalid/{auth}/{key}"
	epSkills      = "PATCH /api/v2/users/{id}/routingskills/bulk"
	epLanguages   = "PATCH /api/v2/users/{id}/routinglanguages/bulk"
	epMembers     = "POST /api/v2/routing/queues/{id}/members"
)

func decode(t *testing.T, body string) *scim.User {
	t.Helper()
	u, err := scim.DecodeUser(jsonValue(t, body))
	if err != nil {
		t.Fatalf("DecodeUser: %v", err)
	}
	return u
}

// jsonValue decodes a request body as the SCIM layer does before it hands
// it to DecodeUser or ParsePatch.
func jsonValue(t *testing.T, body string) any {
	t.Helper()
	v, err := scim.DecodeJSON(strings.NewReader(body))
	if err != nil {
		t.Fatalf("DecodeJSON(%s): %v", body, err)
	}
	return v
}

// Okta's create (Okta's SCIM 2.0 reference) gives the Genesys user Okta meant.
func TestCreateOktaShape(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	in := decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
		"name":{"givenName":"Test","familyName":"User"},
		"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
		"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
		"groups":[],"password":"1mz050nq","active":true}`)
	out, created := env.create(in)
	if !created {
		t.Fatal("created = false, want a 201")
	}
	u := env.user("test.user@okta.local")
	if u.Name != "Test User" || u.State != "active" || len(u.Addresses) != 0 {
		t.Errorf("Genesys user = %+v", u)
	}
	if !slices.Contains(u.ExternalIDs, genesystest.ExternalID{Authority: "scim", Key: "00ujl29u0le5T6Aj10h7"}) {
		t.Errorf("external ids = %v, want scim/00ujl29u0le5T6Aj10h7", u.ExternalIDs)
	}
	if out.ID != u.ID || out.UserName != "test.user@okta.local" || out.ExternalID != "00ujl29u0le5T6Aj10h7" ||
		out.Meta.Version != fmt.Sprint(u.Version) || out.Name.GivenName != "Test" || out.Name.FamilyName != "User" ||
		out.Active == nil || !*out.Active || out.Password != "" {
		t.Errorf("response = %+v", out)
	}
	env.wantOneOutcome(t, audit.UserCreated, u.ID, "test.user@okta.local")
	for _, le := range env.audits.All() {
		for k, v := range le.ContextMap() {
			if strings.Contains(fmt.Sprint(v), "1mz050nq") {
				t.Errorf("audit entry %s field %s holds the password", eventField(le, "event"), k)
			}
		}
	}
}

// wantOneOutcome checks the audit trail of one create: the request entry,
// then exactly one outcome entry, naming the user.
func (e *testEnv) wantOneOutcome(t *testing.T, want, userID, email string) {
	t.Helper()
	if n := len(e.events(audit.UserCreateRequest)); n != 1 {
		t.Errorf("%d SCIM_USER_CREATE_REQUEST entries, want 1", n)
	}
	for _, name := range []string{audit.UserCreated, audit.UserExists, audit.UserRestored, audit.UserCreateError} {
		evs := e.events(name)
		switch {
		case name == want && len(evs) != 1:
			t.Errorf("%d %s entries, want 1", len(evs), name)
		case name == want:
			if eventField(evs[0], "genesys_id") != userID || eventField(evs[0], "email") != email {
				t.Errorf("%s entry = %v, want genesys_id %s email %s", name, evs[0].ContextMap(), userID, email)
			}
		case len(evs) != 0:
			t.Errorf("unexpected %s entries: %v", name, evs[0].ContextMap())
		}
	}
}

// Entra's create (Microsoft's SCIM guide), with a UPN userName and a differing
// work email, nulls for unsent attributes and the enterprise extension.
func TestCreateEntraShape(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	in := decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName":"Test_User_00aa@Contoso.com","active":true,
		"emails":[{"primary":true,"type":"work","value":"Test.User.Mail@contoso.com"}],
		"meta":{"resourceType":"User"},
		"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},
		"addresses":null,"phoneNumbers":[{"type":"mobile","value":"+15550100"}],"title":"Agent",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Support"},
		"roles":[]}`)
	out, created := env.create(in)
	if !created {
		t.Fatal("want 201")
	}
	u := env.user("test_user_00aa@contoso.com")
	if u.Name != "givenName familyName" || u.Title != "Agent" || u.Department != "Support" {
		t.Errorf("Genesys user = %+v", u)
	}
	wantAddrs := map[string]string{"EMAIL/WORK": "test.user.mail@contoso.com", "PHONE/MOBILE": "+15550100"}
	if len(u.Addresses) != len(wantAddrs) {
		t.Errorf("addresses = %+v, want %v", u.Addresses, wantAddrs)
	}
	for _, a := range u.Addresses {
		if wantAddrs[a.MediaType+"/"+a.Type] != a.Address {
			t.Errorf("address %+v not wanted (%v)", a, wantAddrs)
		}
	}
	if len(out.Emails) != 2 || out.Emails[0].Type != "other" || !out.Emails[0].Primary || out.Emails[1].Type != "work" ||
		out.Emails[1].Value != "test.user.mail@contoso.com" || out.Department != "Support" {
		t.Errorf("response emails/department = %+v / %q", out.Emails, out.Department)
	}
}

// Validation and coercion failures are 400 invalidValue and touch nothing
// upstream.
func TestCreateInvalidCreatesNothing(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	bad := []*scim.User{
		{UserName: "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee", Emails: []scim.MultiValue{{Value: "x@example.com", Primary: true}}},
		{DisplayName: "No Name"},
		{UserName: "a@example.com", Emails: []scim.MultiValue{{Value: "a@example.com", Primary: true}, {Value: "b@example.com", Primary: true}}},
		{UserName: "a@example.com", RoutingSkills: []scim.NamedProficiency{{Name: "Billing", Proficiency: ptr(9.0)}}},
	}
	for _, u := range bad {
		_, _, err := env.gw.CreateUser(env.ctx(), u)
		wantBadValue(t, err)
	}
	if n := len(env.emu.Users()); n != 0 {
		t.Errorf("%d users exist after invalid creates", n)
	}
	if n := env.calls(epCreate); n != 0 {
		t.Errorf("%d creates sent", n)
	}
	if n := len(env.events(audit.UserCreateError)); n != len(bad) {
		t.Errorf("%d SCIM_USER_CREATE_ERROR entries, want %d", n, len(bad))
	}
}

// "  Alice@Example.COM " and alice@example.com are one person.
func TestCreateNormalisedEmailIsOnePerson(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	first, created := env.create(&scim.User{UserName: "  Alice@Example.COM ", DisplayName: "Alice"})
	if !created || first.UserName != "alice@example.com" {
		t.Fatalf("first create: created=%v userName=%q", created, first.UserName)
	}
	second, created := env.create(&scim.User{UserName: "alice@example.com", DisplayName: "Someone Else"})
	if created || second.ID != first.ID {
		t.Fatalf("second create: created=%v id=%s, want the existing user %s (200)", created, second.ID, first.ID)
	}
	if n := len(env.emu.Users()); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if u := env.user("alice@example.com"); u.Name != "Alice" {
		t.Errorf("existing user's name changed to %q", u.Name)
	}
}

// An existing user (not created here: found by search after general.conflict)
// under both duplicate policies.
func TestCreateDuplicatePolicies(t *testing.T) {
	for _, policy := range []string{ReturnExisting, Conflict} {
		t.Run(policy, func(t *testing.T) {
			env := newTestEnv(t, envOptions{onDuplicate: policy})
			seed, err := env.emu.SeedUser(genesystest.UserSeed{Name: "Bob Existing", Email: "bob@example.com", State: "inactive", Title: "Old"})
			if err != nil {
				t.Fatal(err)
			}
			in := &scim.User{UserName: "BOB@example.com", DisplayName: "Bob New", Title: "New", Active: ptr(true),
				Groups: []scim.GroupRef{{Display: "support agents"}}}
			out, created, err := env.gw.CreateUser(env.ctx(), in)
			u := env.user("bob@example.com")
			if u.Name != "Bob Existing" || u.Title != "Old" || u.State != "inactive" || u.Version != seed.Version {
				t.Errorf("existing user changed: %+v", u)
			}
			if n := len(env.emu.Users()); n != 1 {
				t.Errorf("%d users, want 1", n)
			}
			switch policy {
			case ReturnExisting:
				if err != nil || created || out.ID != seed.ID || *out.Active {
					t.Fatalf("got %+v created=%v err=%v, want the inactive user as it is (200)", out, created, err)
				}
				// The group becomes a membership; its routing follows by
				// reconciliation, from the outbox.
				env.eventually(func() bool {
					u := env.user("bob@example.com")
					return len(u.Skills) == 1 && u.Skills[0].Name == "Billing" && slices.Contains(env.queueMembers("Support"), u.ID)
				})
			case Conflict:
				se := wantStatus(t, err, http.StatusConflict)
				if se.ScimType != scim.Uniqueness {
					t.Errorf("scimType = %q", se.ScimType)
				}
				if len(u.Skills) != 0 {
					t.Errorf("routing applied under conflict: %+v", u.Skills)
				}
			}
			env.wantOneOutcome(t, audit.UserExists, seed.ID, "bob@example.com")
		})
	}
}

func (e *testEnv) queueMembers(name string) []string {
	id, ok := e.emu.QueueID(name)
	if !ok {
		e.t.Fatalf("no queue %s", name)
	}
	return e.emu.QueueMembers(id)
}

// A soft-deleted holder of the email is restored and updated: 201.
func TestCreateRestoresDeletedUser(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	seed, err := env.emu.SeedUser(genesystest.UserSeed{Name: "Carol Gone", Email: "carol@example.com", State: "deleted", Title: "Old",
		ExternalIDs: []genesystest.ExternalID{{Authority: "scim", Key: "old-key"}}})
	if err != nil {
		t.Fatal(err)
	}
	out, created := env.create(&scim.User{UserName: "carol@example.com", Name: scim.Name{GivenName: "Carol", FamilyName: "Back"},
		Title: "New", ExternalID: "new-key", Groups: []scim.GroupRef{{Value: "SUPPORT AGENTS"}}})
	if !created || out.ID != seed.ID {
		t.Fatalf("created=%v id=%s, want 201 with the restored user %s", created, out.ID, seed.ID)
	}
	u := env.user("carol@example.com")
	if u.State != "active" || u.Name != "Carol Back" || u.Title != "New" {
		t.Errorf("restored user = %+v", u)
	}
	if !slices.Equal(u.ExternalIDs, []genesystest.ExternalID{{Authority: "scim", Key: "new-key"}}) {
		t.Errorf("external ids = %v, want only scim/new-key", u.ExternalIDs)
	}
	// A restored user may belong to other groups: its routing is
	// reconciled, from the outbox.
	env.eventually(func() bool {
		u := env.user("carol@example.com")
		return len(u.Skills) == 1 && len(u.Languages) == 1 && slices.Contains(env.queueMembers("Support"), u.ID)
	})
	if out.Meta.Version != fmt.Sprint(u.Version) || out.ExternalID != "new-key" {
		t.Errorf("response version %s externalId %q, want %d new-key", out.Meta.Version, out.ExternalID, u.Version)
	}
	if n := len(env.emu.Users()); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	env.wantOneOutcome(t, audit.UserRestored, seed.ID, "carol@example.com")
}

// Twenty concurrent identical creates while search lags make one user.
func TestCreateConcurrentIdenticalMakesOneUser(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	env.emu.SetSearchLag(2 * time.Second)
	const n = 20
	var wg sync.WaitGroup
	ids := make([]string, n)
	created := make([]bool, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, c, err := env.gw.CreateUser(env.ctx(), &scim.User{UserName: "dave@example.com", DisplayName: "Dave",
				Groups: []scim.GroupRef{{Display: "Support Agents"}}})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], created[i] = out.ID, c
		}()
	}
	wg.Wait()
	if c := env.emu.UserCount(""); c != 1 || len(env.emu.Users()) != 1 {
		t.Fatalf("%d users, want 1", len(env.emu.Users()))
	}
	u := env.user("dave@example.com")
	nCreated := 0
	for i := range ids {
		if ids[i] != u.ID {
			t.Errorf("create %d answered user %s, want %s", i, ids[i], u.ID)
		}
		if created[i] {
			nCreated++
		}
	}
	if nCreated != 1 || env.calls(epCreate) != 1 {
		t.Errorf("%d answers were 201 and %d creates were sent; want 1 and 1", nCreated, env.calls(epCreate))
	}
	if env.gw.core.shared.createLocks.Size() != 0 {
		t.Error("create locks left behind")
	}
}

// An unknown routing name fails the request before anything is written.
func TestCreateUnknownSkillFailsBeforeAnyWrite(t *testing.T) {
	env := newTestEnv(t, envOptions{groups: []GroupRouting{{Name: "Broken", Skills: []Assignment{{"No Such Skill", 3}}, Queues: []string{"Support"}}}})
	_, _, err := env.gw.CreateUser(env.ctx(), &scim.User{UserName: "erin@example.com", Groups: []scim.GroupRef{{Display: "Broken"}}})
	se := wantStatus(t, err, http.StatusInternalServerError)
	if !strings.Contains(se.Detail, `"No Such Skill"`) {
		t.Errorf("detail %q does not name the skill", se.Detail)
	}
	if env.calls(epCreate) != 0 || len(env.emu.Users()) != 0 {
		t.Error("a user was created")
	}
	if len(env.events(audit.RoutingError)) != 1 || len(env.events(audit.UserCreateError)) != 1 {
		t.Error("want SCIM_ROUTING_ERROR and SCIM_USER_CREATE_ERROR audited")
	}
	// An unknown skill the caller sent (the purecloud extension) is the
	// caller's error, 400 invalidValue naming it, and creates nothing either.
	_, _, err = env.gw.CreateUser(env.ctx(), &scim.User{UserName: "erin@example.com",
		RoutingSkills: []scim.NamedProficiency{{Name: "Ghost"}}})
	if se := wantStatus(t, err, http.StatusBadRequest); !strings.Contains(se.Detail, `"Ghost"`) || se.ScimType != scim.InvalidValue {
		t.Errorf("detail %q does not name the skill, or scimType %q", se.Detail, se.ScimType)
	}
	if env.calls(epCreate) != 0 || len(env.emu.Users()) != 0 {
		t.Error("a user was created")
	}
}

// A step failing through the retry budget goes to the outbox: the caller
// gets 201, and the step completes once Genesys recovers, with no new
// request from the caller.
func TestCreateFailedStepCompletesFromOutbox(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	env.emu.FailNext(epSkills, 1000, http.StatusServiceUnavailable) // down until cleared
	out, created := env.create(&scim.User{UserName: "frank@example.com", Groups: []scim.GroupRef{{Display: "Support Agents"}}})
	if !created {
		t.Fatal("want 201")
	}
	u := env.user("frank@example.com")
	if len(u.Skills) != 0 || len(u.Languages) != 1 {
		t.Fatalf("skills %+v languages %+v: want skills pending, languages done", u.Skills, u.Languages)
	}
	if depth, _ := env.gw.OutboxStats(); depth != 1 {
		t.Fatalf("outbox depth %d, want 1", depth)
	}
	creates := env.calls(epCreate)
	env.emu.ClearFaults() // Genesys recovers
	env.gw.core.outbox.RunNow()
	env.eventually(func() bool { u, _ := env.emu.User(out.ID); return len(u.Skills) == 1 })
	if got := env.user("frank@example.com").Skills[0]; got.Name != "Billing" || got.Proficiency != 2 {
		t.Errorf("skill = %+v", got)
	}
	env.eventually(func() bool { d, _ := env.gw.OutboxStats(); return d == 0 })
	if env.calls(epCreate) != creates {
		t.Error("the outbox created a user")
	}
	env.eventually(func() bool {
		for _, le := range env.events(audit.RoutingAssigned) {
			if eventField(le, "operation") == outboxOperation && eventField(le, "genesys_id") == out.ID {
				return true
			}
		}
		return false
	})
}

// eventually polls cond (an external system's state) until it holds or 5 s
// pass.
func (e *testEnv) eventually(cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Without an outbox a step that cannot be done is a 503 with Retry-After,
// and the identical retry converges on one complete user.
func TestCreateWithoutOutboxConvergesOnRetry(t *testing.T) {
	env := newTestEnv(t, envOptions{noOutbox: true})
	env.emu.FailNext(epLanguages, 2, http.StatusServiceUnavailable)
	in := &scim.User{UserName: "gina@example.com", ExternalID: "g-1", Groups: []scim.GroupRef{{Display: "Support Agents"}}}
	_, _, err := env.gw.CreateUser(env.ctx(), in)
	if se := wantStatus(t, err, http.StatusServiceUnavailable); se.RetryAfter <= 0 {
		t.Error("no Retry-After")
	}
	if evs := env.events(audit.UserCreateError); len(evs) != 1 || eventField(evs[0], "genesys_id") == "" ||
		evs[0].ContextMap()["status"] != int64(http.StatusServiceUnavailable) {
		t.Errorf("SCIM_USER_CREATE_ERROR entries = %v, want one naming the user with status 503", evs)
	}
	out, created := env.create(in)
	if !created {
		t.Error("the retry of an unfinished create should answer 201")
	}
	u := env.user("gina@example.com")
	if len(env.emu.Users()) != 1 || env.calls(epCreate) != 1 || len(u.Languages) != 1 || len(u.Skills) != 1 ||
		len(u.ExternalIDs) != 1 || out.ExternalID != "g-1" {
		t.Errorf("not converged: users=%d creates=%d user=%+v", len(env.emu.Users()), env.calls(epCreate), u)
	}
}

// lossyCreate loses the response of the first create after Genesys applied
// it, as a reset connection would.
type lossyCreate struct {
	next http.RoundTripper
	mu   sync.Mutex
	done bool
}

func (l *lossyCreate) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodPost || r.URL.Path != "/api/v2/users" {
		return resp, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return resp, err
	}
	l.done = true
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil, errors.New("read tcp: connection reset by peer")
}

// A create whose outcome is unknown is settled by search: one user, one
// POST.
func TestCreateUnknownOutcomeResolvedBySearch(t *testing.T) {
	env := newTestEnv(t, envOptions{wrap: func(rt http.RoundTripper) http.RoundTripper { return &lossyCreate{next: rt} }})
	env.emu.SetSearchLag(300 * time.Millisecond) // found on a later look
	out, created := env.create(&scim.User{UserName: "hank@example.com", ExternalID: "h-1"})
	if !created {
		t.Error("want 201")
	}
	u := env.user("hank@example.com")
	if out.ID != u.ID || len(env.emu.Users()) != 1 || env.calls(epCreate) != 1 || len(u.ExternalIDs) != 1 {
		t.Errorf("users=%d creates=%d user=%+v", len(env.emu.Users()), env.calls(epCreate), u)
	}
}

// Upstream calls per user stay at the floor: create, external id, skills,
// languages, and a queue add shared across concurrent creates.
func TestCreateCallsPerUserAtTheFloor(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	// Warm the name cache, as any running gateway has.
	if _, err := env.gw.core.resolveRouting(env.ctx(), []scim.GroupRef{{Display: "Support Agents"}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	env.emu.ResetLog()
	const n = 10
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := env.gw.CreateUser(env.ctx(), &scim.User{UserName: fmt.Sprintf("user%d@example.com", i),
				ExternalID: fmt.Sprint("ext-", i), Groups: []scim.GroupRef{{Display: "Support Agents"}}})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	counts := env.settledCounts()
	for _, ep := range []string{epCreate, epExtID, epSkills, epLanguages} {
		if counts[ep] != n {
			t.Errorf("%s: %d calls, want %d", ep, counts[ep], n)
		}
	}
	if counts[epMembers] < 1 || counts[epMembers] > 3 {
		t.Errorf("%s: %d calls for %d users, want them shared", epMembers, counts[epMembers], n)
	}
	if got := len(env.queueMembers("Support")); got != n {
		t.Errorf("%d queue members, want %d", got, n)
	}
	total := 0
	for ep, c := range counts {
		if ep != "POST /oauth/token" {
			total += c
		}
	}
	// Per user: the externalId check (it must be free before anything is
	// created), the create, the external id, skills and languages; queue
	// adds are shared.
	if counts[epExtIDLookup] != n {
		t.Errorf("%s: %d calls, want %d", epExtIDLookup, counts[epExtIDLookup], n)
	}
	// The group block's Genesys group: listed, created on first use, and
	// joined by all of them in shared calls (each with the group's version).
	const epGroupMembers = "POST /api/v2/groups/{id}/members"
	if counts[epGroupMembers] < 1 || counts[epGroupMembers] > 3 || counts["POST /api/v2/groups"] != 1 || counts["GET /api/v2/groups"] > 3 {
		t.Errorf("group calls for %d users: %v, want the group created once and its memberships shared", n, counts)
	}
	groupCalls := counts["GET /api/v2/groups"] + counts["POST /api/v2/groups"] + counts["GET /api/v2/groups/{id}"] + counts[epGroupMembers]
	if want := 5*n + counts[epMembers] + groupCalls; total != want {
		t.Errorf("%d API calls, want %d: %v", total, want, counts)
	}
	if gs := env.emu.GroupsByName("Support Agents"); len(gs) != 1 || len(gs[0].Members) != n {
		t.Errorf("Genesys groups named Support Agents: %+v, want one with the %d users", gs, n)
	}
}

// The manager is set after the create (it is not part of CreateUser), and
// the response carries the version Genesys holds afterwards.
func TestCreateSetsManager(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	boss, err := env.emu.SeedUser(genesystest.UserSeed{Name: "Boss", Email: "boss@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	env.emu.ConflictNextPatch("") // someone else writes first: re-read and retry
	out, _ := env.create(&scim.User{UserName: "ivy@example.com", ManagerID: boss.ID})
	u := env.user("ivy@example.com")
	if u.Manager != boss.ID || out.ManagerID != boss.ID || out.Meta.Version != fmt.Sprint(u.Version) {
		t.Errorf("manager %q (response %q), version %s vs %d", u.Manager, out.ManagerID, out.Meta.Version, u.Version)
	}
}

// Another process created the user moments ago: Genesys answers
// general.conflict, but the search index does not show the holder yet. The
// answer is 503 with Retry-After, never 409 (the search index lags).
func TestCreateConflictWhileIndexLagsIs503(t *testing.T) {
	env := newTestEnv(t, envOptions{onDuplicate: Conflict})
	env.emu.SetSearchLag(time.Hour)
	other, err := New(Config{Client: env.client}) // its own Shared: another process
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.CreateUser(env.ctx(), &scim.User{UserName: "lara@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = env.gw.CreateUser(env.ctx(), &scim.User{UserName: "lara@example.com"})
	if se := wantStatus(t, err, http.StatusServiceUnavailable); se.RetryAfter <= 0 {
		t.Error("no Retry-After")
	}
	if n := len(env.emu.Users()); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}
