package outboxe2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// stack is a harness stack whose in-process Caddy reaches the emulator
// through a front, so calls can be counted per user.
type stack struct {
	*harness.Stack
	front  *front
	config string // the Caddyfile newStack loaded (the front as api_url)
}

// newStack boots the harness with extra scim_genesys options and restarts
// Caddy pointed at the front. Stop, then Load: a live reload can reset a
// connection accepted by the outgoing server just after Load returns.
func newStack(t *testing.T, extra ...string) *stack {
	t.Helper()
	hs := harness.New(t, harness.Options{Extra: strings.Join(extra, "\n\t\t")})
	s := &stack{Stack: hs, front: newFront(t, hs.Emu)}
	s.config = replaceOnce(t, hs.CaddyConfig, "api_url "+hs.APIURL, "api_url "+s.front.URL)
	s.restart(s.config)
	return s
}

// restart stops Caddy and starts it with caddyfile.
func (s *stack) restart(caddyfile string) {
	s.T.Helper()
	if err := caddy.Stop(); err != nil {
		s.T.Fatal(err)
	}
	s.Load(caddyfile)
}

// replaceOnce replaces the one occurrence of old in cfg.
func replaceOnce(t *testing.T, cfg, old, repl string) string {
	t.Helper()
	if n := strings.Count(cfg, old); n != 1 {
		t.Fatalf("the Caddyfile has %d occurrences of %q, want 1", n, old)
	}
	return strings.Replace(cfg, old, repl, 1)
}

// agent is the body of a create whose group routes skills, a language and
// a queue (harness.DefaultGroups: "CC Billing"). The group carries value and
// display, as a group reference with its id does.
func agent(email string) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,`+
		`"name":{"givenName":"Queued","familyName":"Agent"},"active":true,"groups":[{"value":"CC Billing","display":"CC Billing"}]}`, email)
}

// failSkills makes every skills assignment fail (503) until recoverSkills.
func failSkills(emu *genesystest.Emulator) {
	emu.FailNext(skillsEndpoint, 100000, http.StatusServiceUnavailable)
}

// recoverSkills ends failSkills (and every other injected fault).
func recoverSkills(emu *genesystest.Emulator) { emu.ClearFaults() }

// createQueued creates an agent through the gateway at base while skills
// fail: 201, the Genesys user exists without skills (so the step was not
// done inline), its language and queue were assigned inline.
func createQueued(t *testing.T, hs *harness.Stack, base, token, email string) string {
	t.Helper()
	r := hs.Do(http.MethodPost, base+"/Users", token, agent(email)).Expect(t, http.StatusCreated)
	id := harness.Str(r.Body, "id")
	u, ok := hs.Emu.User(id)
	if !ok {
		t.Fatalf("201 for %s but no Genesys user %q", email, id)
	}
	if len(u.Skills) != 0 {
		t.Fatalf("skills assigned although every skills call failed: %+v", u.Skills)
	}
	lang, _ := hs.Emu.LanguageID("English")
	if !hasProficiency(u.Languages, lang, 5) {
		t.Fatalf("the language step (which did not fail) was not done inline: %+v", u.Languages)
	}
	return id
}

// billingSkills reports whether the user holds the "CC Billing" skills
// (Billing:4, Payments at the default 3).
func billingSkills(emu *genesystest.Emulator, id string) bool {
	u, ok := emu.User(id)
	if !ok {
		return false
	}
	billing, _ := emu.SkillID("Billing")
	payments, _ := emu.SkillID("Payments")
	return hasProficiency(u.Skills, billing, 4) && hasProficiency(u.Skills, payments, 3)
}

func hasProficiency(ps []genesystest.Proficiency, id string, p float64) bool {
	for _, x := range ps {
		if x.ID == id && x.Proficiency == p {
			return true
		}
	}
	return false
}

// expectCompletedOnce checks the end state of one user's queued skills
// step: assigned in Genesys, PATCHed successfully exactly once with no call
// after that success, no entry left in storage, and one SCIM_ROUTING_ASSIGNED
// in the audit.
func expectCompletedOnce(t *testing.T, emu *genesystest.Emulator, f *front, storage, id string, audit []auditEntry) {
	t.Helper()
	if !billingSkills(emu, id) {
		t.Errorf("user %s: skills not assigned", id)
	}
	calls := f.skillPatches(id, 0)
	if n := succeeded(calls); n != 1 {
		t.Errorf("user %s: %d successful skills PATCHes, want exactly 1; calls %+v", id, n, calls)
	} else if last := calls[len(calls)-1]; last.Status/100 != 2 {
		t.Errorf("user %s: a skills PATCH after the successful one: %+v", id, calls)
	}
	if left := entriesFor(t, storage, id); len(left) != 0 {
		t.Errorf("user %s: entries left in storage: %+v", id, left)
	}
	if got := events(audit, "SCIM_ROUTING_ASSIGNED", id, ""); len(got) != 1 {
		t.Errorf("user %s: %d SCIM_ROUTING_ASSIGNED entries, want 1: %v", id, len(got), got)
	}
}
