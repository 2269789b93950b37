package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/outbox"
	"github.com/caddyscim/caddyscim/internal/scim"
)

func TestRetryable(t *testing.T) {
	api := func(status int, code string) error { return &genesys.APIError{Status: status, Code: code} }
	tests := []struct {
		err  error
		want bool
	}{
		{&genesys.RetryAfterError{Wait: time.Second}, true},
		{&genesys.UnavailableError{Err: errors.New("x")}, true},
		{&genesys.CredentialsError{Status: 401}, true},
		{fmt.Errorf("%w: x", genesys.ErrOutcomeUnknown), true},
		{context.Canceled, true},
		{api(500, "internal"), true},
		{api(429, "too.many"), true},
		{api(403, "missing.permissions"), true},
		{api(409, "version.mismatch"), true},
		{api(400, "bad.request"), false},
		{api(404, "not.found"), false},
		{api(400, "general.conflict"), false},
	}
	for _, tt := range tests {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// A step Genesys refuses as invalid (here the external id POST, answered
// 400) is audited and not retried; the create still answers 201, without
// claiming the external id.
func TestCreatePermanentStepFailureIsAuditedNotQueued(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	env.emu.FailNext("POST /api/v2/users/{id}/externalid", 1, http.StatusBadRequest)
	out, created := env.create(&scim.User{UserName: "jack@example.com", ExternalID: "refused"})
	if !created || out.ExternalID != "" {
		t.Fatalf("created=%v externalId=%q, want 201 without the refused external id", created, out.ExternalID)
	}
	if d, _ := env.gw.OutboxStats(); d != 0 {
		t.Errorf("outbox depth %d, want 0", d)
	}
	evs := env.events(audit.RoutingError)
	if len(evs) != 1 || !strings.Contains(eventField(evs[0], "error"), "not retried") {
		t.Fatalf("SCIM_ROUTING_ERROR entries = %v", evs)
	}
}

// A create whose externalId another user holds is 409 uniqueness before
// anything is written; the holder of the same email (the identity provider
// retrying its create) is not another user.
func TestCreateTakenExternalIDCreatesNothing(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	if _, err := env.emu.SeedUser(genesystest.UserSeed{Name: "Holder", Email: "holder@example.com",
		ExternalIDs: []genesystest.ExternalID{{Authority: "scim", Key: "taken"}}}); err != nil {
		t.Fatal(err)
	}
	_, _, err := env.gw.CreateUser(env.ctx(), &scim.User{UserName: "jack@example.com", ExternalID: "taken"})
	if se := wantStatus(t, err, http.StatusConflict); se.ScimType != scim.Uniqueness {
		t.Errorf("scimType %q, want uniqueness", se.ScimType)
	}
	if env.calls(epCreate) != 0 {
		t.Error("a create was sent")
	}
	out, created := env.create(&scim.User{UserName: "Holder@example.com", ExternalID: "taken"})
	if created || out.ExternalID != "taken" {
		t.Fatalf("the holder's own create: created=%v externalId=%q, want 200 with its external id", created, out.ExternalID)
	}
}

// A manager id naming nobody is a 400 before anything is written.
func TestCreateUnknownManagerCreatesNothing(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	_, _, err := env.gw.CreateUser(env.ctx(), &scim.User{UserName: "jill@example.com", ManagerID: "no-such-manager"})
	wantBadValue(t, err)
	if env.calls(epCreate) != 0 {
		t.Error("a create was sent")
	}
}

// A later write supersedes queued work: steps.cancel empties the user's
// entries.
func TestCancelPending(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	env.emu.FailNext(epSkills, 1000, http.StatusServiceUnavailable) // down until cleared
	env.emu.FailNext(epLanguages, 1000, http.StatusServiceUnavailable)
	out, _ := env.create(&scim.User{UserName: "kim@example.com", Groups: []scim.GroupRef{{Display: "Support Agents"}}})
	if d, _ := env.gw.OutboxStats(); d != 2 {
		t.Fatalf("outbox depth %d, want 2", d)
	}
	env.gw.core.steps.cancel(env.ctx(), out.ID)
	if d, _ := env.gw.OutboxStats(); d != 0 {
		t.Errorf("outbox depth %d after steps.cancel, want 0", d)
	}
}

// Replays from the outbox: a refused one is dropped with SCIM_ROUTING_ERROR
// (never reported assigned); one past outbox_max_age is given up with
// SCIM_ROUTING_ERROR.
func TestOutboxEntryOutcomes(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	// The user does not exist: Genesys answers 404, replaying cannot help.
	billing, _ := env.emu.SkillID("Billing")
	if err := env.gw.core.steps.enqueue(env.ctx(), step{Kind: stepSkills, UserID: "no-such-user", Email: "ghost@example.com",
		Items: []genesys.Proficiency{{ID: billing, Proficiency: 1}}}); err != nil {
		t.Fatal(err)
	}
	env.gw.core.outbox.RunNow()
	env.eventually(func() bool { d, _ := env.gw.OutboxStats(); return d == 0 })
	env.eventually(func() bool { return len(env.events(audit.RoutingError)) == 1 })
	if ev := env.events(audit.RoutingError)[0]; eventField(ev, "genesys_id") != "no-such-user" ||
		eventField(ev, "email") != "ghost@example.com" || eventField(ev, "operation") != outboxOperation {
		t.Errorf("entry = %v", ev.ContextMap())
	}
	if n := len(env.events(audit.RoutingAssigned)); n != 0 {
		t.Errorf("%d SCIM_ROUTING_ASSIGNED entries for a dropped step", n)
	}

	env.gw.core.entryGivenUp(outboxEntry(t, step{Kind: stepQueue, UserID: "u-9", Email: "late@example.com", QueueID: "q-1"}),
		&genesys.UnavailableError{Endpoint: "POST /api/v2/routing/queues/{id}/members", Err: errors.New("503")})
	evs := env.events(audit.RoutingError)
	if len(evs) != 2 || !strings.Contains(eventField(evs[1], "error"), "gave up") || eventField(evs[1], "genesys_id") != "u-9" {
		t.Errorf("give-up entry = %v", evs)
	}
}

// outboxEntry is the entry enqueue would store for s.
func outboxEntry(t *testing.T, s step) outbox.Entry {
	t.Helper()
	payload, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return outbox.Entry{ID: "e-1", Key: s.UserID, Kind: s.Kind, Payload: payload, Created: time.Now()}
}

// A PUT that sets the external id supersedes the create's queued external
// id step, even without groups; the create's queued routing still
// completes. Found in review: the stale step replayed over the PUT.
func TestWriteSupersedesQueuedExternalID(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	env.emu.FailNext("POST /api/v2/users/{id}/externalid", 1000, http.StatusServiceUnavailable)
	env.emu.FailNext(epSkills, 1000, http.StatusServiceUnavailable)
	out, _ := env.create(&scim.User{UserName: "lou@example.com", ExternalID: "old-A",
		Groups: []scim.GroupRef{{Display: "Support Agents"}}})
	if d, _ := env.gw.OutboxStats(); d != 2 {
		t.Fatalf("outbox depth %d, want 2 (external id and skills)", d)
	}
	env.emu.ClearFaults()
	if _, err := env.gw.ReplaceUser(env.ctx(), out.ID, &scim.User{UserName: "lou@example.com", ExternalID: "new-B"}, scim.Precondition{}); err != nil {
		t.Fatal(err)
	}
	env.gw.core.outbox.RunNow()
	env.eventually(func() bool { d, _ := env.gw.OutboxStats(); return d == 0 })
	u := env.user("lou@example.com")
	if !slices.Equal(u.ExternalIDs, []genesystest.ExternalID{{Authority: "scim", Key: "new-B"}}) {
		t.Fatalf("external ids %v, want only new-B: the queued old-A replayed over the PUT", u.ExternalIDs)
	}
	if len(u.Skills) == 0 {
		t.Fatal("the create's queued skills were dropped by a PUT that said nothing about routing")
	}
}
