package gateway

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// Helpers for the lifecycle tests (list, read, replace, patch, delete),
// built on the package's emulator harness (env_a_test.go).

// interceptor is a client transport that can answer chosen requests itself
// (a Genesys error body with the status hook returns), to fail one write of
// several, which the emulator's per-endpoint faults cannot single out.
//
// It also logs every API request sent, for counting: the emulator's own
// counters are updated after it answers, so they can lag behind a caller
// that reads them as soon as its call returns.
type interceptor struct {
	next http.RoundTripper
	mu   sync.Mutex
	hook func(r *http.Request, body []byte) int // 0 passes the request on
	sent []string                               // "METHOD /path" of API requests
}

// count returns how many API requests were sent whose "METHOD /path" the
// predicate accepts.
func (i *interceptor) count(match func(req string) bool) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	n := 0
	for _, s := range i.sent {
		if match(s) {
			n++
		}
	}
	return n
}

// reset forgets the requests sent so far.
func (i *interceptor) reset() {
	i.mu.Lock()
	i.sent = nil
	i.mu.Unlock()
}

// isSearch matches user searches; isAPI every API call.
func isSearch(req string) bool { return req == "POST /api/v2/users/search" }
func isAPI(req string) bool    { return strings.Contains(req, " /api/") }

func (i *interceptor) set(hook func(r *http.Request, body []byte) int) {
	i.mu.Lock()
	i.hook = hook
	i.mu.Unlock()
}

func (i *interceptor) RoundTrip(r *http.Request) (*http.Response, error) {
	i.mu.Lock()
	hook := i.hook
	i.sent = append(i.sent, r.Method+" "+r.URL.Path)
	i.mu.Unlock()
	if hook != nil {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
			r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if status := hook(r, body); status != 0 {
			msg := fmt.Sprintf(`{"status":%d,"code":"injected","message":"injected by the test","contextId":"t","details":[],"errors":[]}`, status)
			return &http.Response{StatusCode: status, Status: http.StatusText(status), Request: r,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(msg))}, nil
		}
	}
	return i.next.RoundTrip(r)
}

// newLifeEnv is a testEnv whose client goes through an interceptor.
func newLifeEnv(t *testing.T) (*testEnv, *interceptor) {
	ic := &interceptor{}
	env := newTestEnv(t, envOptions{wrap: func(rt http.RoundTripper) http.RoundTripper {
		ic.next = rt
		return ic
	}})
	return env, ic
}

// seed creates a user directly in the emulator.
func seed(env *testEnv, s genesystest.UserSeed) genesystest.User {
	env.t.Helper()
	u, err := env.emu.SeedUser(s)
	if err != nil {
		env.t.Fatalf("seed %s: %v", s.Email, err)
	}
	return u
}

// userByID is the emulator's copy of a user.
func userByID(env *testEnv, id string) genesystest.User {
	env.t.Helper()
	u, ok := env.emu.User(id)
	if !ok {
		env.t.Fatalf("emulator has no user %s", id)
	}
	return u
}

func TestGetUser(t *testing.T) {
	env, ic := newLifeEnv(t)
	amy := seed(env, genesystest.UserSeed{Name: "Amy Adams", Email: "amy@example.com", Title: "Agent",
		ExternalIDs: []genesystest.ExternalID{{Authority: "scim", Key: "HR-1"}}})
	gone := seed(env, genesystest.UserSeed{Name: "Gone", Email: "gone@example.com", State: "deleted"})
	off := seed(env, genesystest.UserSeed{Name: "Off Duty", Email: "off@example.com", State: "inactive"})

	u, err := env.gw.GetUser(env.ctx(), amy.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != amy.ID || u.UserName != "amy@example.com" || u.ExternalID != "HR-1" || u.Title != "Agent" ||
		u.Name.GivenName != "Amy" || u.Name.FamilyName != "Adams" || u.Active == nil || !*u.Active ||
		u.Meta.Version != fmt.Sprint(amy.Version) {
		t.Fatalf("GetUser = %+v", u)
	}
	// The external id is remembered: a second read asks only for the user.
	ic.reset()
	if _, err := env.gw.GetUser(env.ctx(), amy.ID); err != nil {
		t.Fatal(err)
	}
	if n := ic.count(isAPI); n != 1 {
		t.Errorf("second read made %d upstream calls, want 1 (%v)", n, ic.sent)
	}
	if u, err := env.gw.GetUser(env.ctx(), off.ID); err != nil || *u.Active {
		t.Fatalf("inactive user: %+v, %v", u, err)
	}
	for _, id := range []string{gone.ID, "00000000-0000-0000-0000-000000000000"} {
		_, err := env.gw.GetUser(env.ctx(), id)
		wantStatus(t, err, http.StatusNotFound)
	}
	if n := len(env.events(audit.UserRead)); n != 5 {
		t.Errorf("%d SCIM_USER_READ entries, want 5", n)
	}
}
