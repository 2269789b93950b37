package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/outbox"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// Two reconciliations of one user at once (two instances' workers) must not
// let the one that read before a membership change write after the one
// that read after it: the user would keep routing its groups no longer give.
func TestConcurrentReconcilesDoNotRestoreRemovedRouting(t *testing.T) {
	var reads atomic.Int32
	readDone, proceed := make(chan struct{}), make(chan struct{})
	env := newTestEnv(t, envOptions{wrap: func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(r)
			if r.Method == http.MethodGet && r.URL.Path == "/api/v2/users" && r.URL.Query().Has("id") && reads.Add(1) == 1 {
				close(readDone)
				<-proceed
			}
			return resp, err
		})
	}})
	u := seed(env, genesystest.UserSeed{Name: "Rita", Email: "rita@example.com"})
	g := env.emu.SeedGroup("Support Agents", u.ID)
	payload, _ := json.Marshal(reconcileJob{Users: []string{u.ID}, Queues: env.gw.core.queuesOf("Support Agents")})
	errA := make(chan error, 1)
	go func() { // instance 1: entry of an earlier change
		errA <- env.gw.core.reconcile.runEntry(env.ctx(), outbox.Entry{ID: "a", Kind: kindReconcile, Payload: payload})
	}()
	<-readDone
	// The user leaves the group; the change's own entry runs (instance 2) and
	// finds nothing to remove yet.
	if err := env.emu.RemoveGroupMember(g, u.ID); err != nil {
		t.Fatal(err)
	}
	// Instance 2 runs the change's own entry. Without the cluster lock it
	// reads the user out of the group, finds nothing to remove and is done
	// before instance 1 writes what it read earlier; with the lock it waits.
	errB := make(chan error, 1)
	go func() {
		errB <- env.gw.core.reconcile.runEntry(env.ctx(), outbox.Entry{ID: "b", Kind: kindReconcile, Payload: payload})
	}()
	select {
	case err := <-errB:
		errB <- err
	case <-time.After(500 * time.Millisecond):
	}
	close(proceed)
	for _, ch := range []chan error{errA, errB} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	got := userByID(env, u.ID)
	if len(env.emu.UserGroups(u.ID)) == 0 && (len(got.Skills) > 0 || slices.Contains(env.queueMembers("Support"), u.ID)) {
		t.Fatalf("user in no group keeps skills %+v, in Support queue: %v", got.Skills, slices.Contains(env.queueMembers("Support"), u.ID))
	}
}

// A rename made by another instance, whose entry this instance's worker
// runs, must be seen: a cached listing from before it names the group by
// its old name and gives the old name's routing.
func TestReconcileSeesRenameMadeElsewhere(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	u := seed(env, genesystest.UserSeed{Name: "Rita", Email: "rita@example.com"})
	g := env.emu.SeedGroup("Book Club", u.ID)
	if _, err := env.gw.core.shared.groups.fresh(env.ctx(), env.client, groupIndexTTL); err != nil {
		t.Fatal(err)
	}
	if err := env.emu.RenameGroup(g, "Support Agents"); err != nil { // instance B's PATCH rename
		t.Fatal(err)
	}
	env.runReconcile([]string{u.ID}, "Book Club", "Support Agents") // B's entry, run by A's worker
	if got := userByID(env, u.ID); len(got.Skills) == 0 {
		t.Fatalf("member of %q has no routing after reconciliation (stale index): %+v", "Support Agents", got.Skills)
	}
}

// Two groups holding one externalId: moving one off it must not delete the
// reverse key the other relies on.
func TestGroupExternalIDMoveKeepsOtherHoldersKey(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	x := env.gw.core.groupExternalIDs
	a, b := env.emu.SeedGroup("A"), env.emu.SeedGroup("B")
	ctx := env.ctx()
	for _, step := range []struct{ id, ext string }{{a, "X"}, {b, "X"}, {a, "Y"}} {
		if err := x.set(ctx, step.id, step.ext); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := x.get(ctx, b); got != "X" {
		t.Fatalf("b holds %q", got)
	}
	if id, _ := x.lookup(ctx, "X"); id != b {
		t.Fatalf("externalId eq \"X\" finds %q, want group B %s (which still holds X)", id, b)
	}
}

// failingStorage fails Store of outbox entries while fail is set.
type failingStorage struct {
	certmagic.Storage
	fail atomic.Bool
}

func (s *failingStorage) Store(ctx context.Context, key string, v []byte) error {
	if s.fail.Load() && strings.Contains(key, "/entries/") {
		return errors.New("storage down")
	}
	return s.Storage.Store(ctx, key, v)
}

// A reactivation whose reconciliation cannot be queued answers 503; the
// identical retry must still converge (the first attempt must not have
// activated the user with nothing queued to give her routing).
func TestReactivationRetryConverges(t *testing.T) {
	env := newTestEnv(t, envOptions{})
	fs := &failingStorage{Storage: env.storage}
	env.gw.Close()
	ob, err := outbox.New(outbox.Config{Storage: fs, Prefix: "outbox-test2", Run: env.gw.core.runEntry,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	env.gw.core.outbox = ob
	ob.Start()
	t.Cleanup(ob.Stop)

	u := seed(env, genesystest.UserSeed{Name: "Amy", Email: "amy@example.com", State: "inactive"})
	env.emu.SeedGroup("Support Agents", u.ID) // her group gives Billing 2, English 4, queue Support
	p := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`
	fs.fail.Store(true)
	if _, err := env.gw.PatchUser(env.ctx(), u.ID, mustPatch(t, p), scim.Precondition{}); err == nil {
		t.Fatal("want the 503")
	} else {
		t.Logf("first PATCH: %v; state now %s", err, userByID(env, u.ID).State)
	}
	fs.fail.Store(false)
	if _, err := env.gw.PatchUser(env.ctx(), u.ID, mustPatch(t, p), scim.Precondition{}); err != nil {
		t.Fatal(err)
	}
	env.eventually(func() bool {
		got := userByID(env, u.ID)
		return got.State == "active" && len(got.Skills) > 0 && slices.Contains(env.queueMembers("Support"), u.ID)
	})
}

// Genesys refusing a group DELETE must not be answered 204.
func TestDeleteGroupRefusedIsNotAnswered204(t *testing.T) {
	var group string
	env := newTestEnv(t, envOptions{wrap: func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodDelete && r.URL.Path == "/api/v2/groups/"+group {
				return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(strings.NewReader(`{"status":400,"code":"bad.request","message":"group in use"}`)), Request: r}, nil
			}
			return rt.RoundTrip(r)
		})
	}})
	group = env.emu.SeedGroup("Book Club")
	if err := env.gw.core.groupExternalIDs.set(env.ctx(), group, "ext-1"); err != nil {
		t.Fatal(err)
	}
	err := env.gw.DeleteGroup(env.ctx(), group, scim.Precondition{})
	if _, ok := env.emu.Group(group); !ok {
		t.Fatal("the emulator deleted the group: the test refuses nothing")
	}
	var se *scim.Error
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest {
		t.Fatalf("err = %v, want Genesys's refusal as a SCIM 400", err)
	}
	if ext, _ := env.gw.core.groupExternalIDs.get(env.ctx(), group); ext != "ext-1" {
		t.Fatalf("the group still exists but its externalId is now %q", ext)
	}
}

// A request refused by its checks (an unknown manager, an externalId held
// by another user) creates nothing, not even the Genesys group of a block
// its groups name that does not exist yet.
func TestRefusedRequestCreatesNoGroup(t *testing.T) {
	const nobody = "6a8d1c62-0f4e-4c43-9d55-0d9ad5b6f001"
	support := []scim.GroupRef{{Display: "Support Agents"}}
	for _, tc := range []struct {
		name string
		run  func(env *testEnv) error
	}{
		{"create, unknown manager", func(env *testEnv) error {
			_, _, err := env.gw.CreateUser(env.ctx(), &scim.User{UserName: "ivy@example.com", ManagerID: nobody, Groups: support})
			return err
		}},
		{"create, externalId taken", func(env *testEnv) error {
			env.create(&scim.User{UserName: "hank@example.com", ExternalID: "h-1"})
			_, _, err := env.gw.CreateUser(env.ctx(), &scim.User{UserName: "ivy@example.com", ExternalID: "h-1", Groups: support})
			return err
		}},
		{"replace, unknown manager", func(env *testEnv) error {
			u := seed(env, genesystest.UserSeed{Name: "Ivy", Email: "ivy@example.com"})
			_, err := env.gw.ReplaceUser(env.ctx(), u.ID, &scim.User{UserName: "ivy@example.com", ManagerID: nobody, Groups: support}, scim.Precondition{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, envOptions{})
			var se *scim.Error
			if err := tc.run(env); !errors.As(err, &se) || se.Status != http.StatusBadRequest && se.Status != http.StatusConflict {
				t.Fatalf("err = %v, want the request refused (400 or 409)", err)
			}
			if gs := env.emu.GroupsByName("Support Agents"); len(gs) != 0 {
				t.Fatalf("the refused request created group %+v", gs)
			}
		})
	}
}
