package outboxe2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// TestTwoProcessesRunEachEntryOnce: entries queued through one Caddy
// process are visible to a second process on the same storage folder, and
// once Genesys recovers, the two together complete each entry exactly once
// (one successful skills PATCH per user, one SCIM_ROUTING_ASSIGNED across
// both audit logs).
func TestTwoProcessesRunEachEntryOnce(t *testing.T) {
	const users = 6
	c := newCluster(t)
	failSkills(c.Emu)
	a := c.start("a")
	ids := make([]string, users)
	for i := range ids {
		ids[i] = createQueued(t, c.Stack, a.Base, c.token, fmt.Sprintf("shared.agent%d@example.com", i))
	}
	if n := len(outboxEntries(t, c.storage)); n != users {
		t.Fatalf("%d entries stored, want %d", n, users)
	}
	b := c.start("b")
	// b created nothing: its gauge counts a's entries once it has scanned
	// the shared storage.
	eventually(t, deadline, "the second process never saw the shared entries", func() bool {
		return outboxDepth(t, c.Stack, b.Site) == users
	})

	recoverSkills(c.Emu)
	eventually(t, deadline, "not every user's skills were assigned", func() bool {
		for _, id := range ids {
			if !billingSkills(c.Emu, id) {
				return false
			}
		}
		return true
	})
	// Each process's gauge comes from a scan that ended after it saw the
	// last entry gone: any second run of an entry would have happened by
	// then.
	eventually(t, deadline, "the depth gauges never returned to 0", func() bool {
		return outboxDepth(t, c.Stack, a.Site) == 0 && outboxDepth(t, c.Stack, b.Site) == 0
	})
	if left := outboxEntries(t, c.storage); len(left) != 0 {
		t.Fatalf("entries left in storage: %+v", left)
	}
	if locks := entryLocks(t, c.storage); len(locks) != 0 {
		t.Errorf("entry locks left: %v", locks)
	}
	audit := auditLog(t, a.LogFile, b.LogFile)
	for _, id := range ids {
		expectCompletedOnce(t, c.Emu, c.front, c.storage, id, audit)
	}
	byB := 0
	for _, id := range ids {
		byB += len(events(auditLog(t, b.LogFile), "SCIM_ROUTING_ASSIGNED", id, ""))
	}
	t.Logf("completions: %d by a, %d by b", users-byB, byB)
	c.NoRejections()
}

// TestTwoProcessesReconcileEachUserOnce: a group's members added through one
// process while skills fail leave their reconciliation in the shared
// storage; with a second process on the same storage, once Genesys
// recovers, each member's routing is reconciled once (one successful skills
// PATCH per user) and nothing is left behind.
func TestTwoProcessesReconcileEachUserOnce(t *testing.T) {
	const users = 6
	c := newCluster(t)
	a := c.start("a")
	ids := make([]string, users)
	members := make([]string, users)
	for i := range ids {
		r := c.Do(http.MethodPost, a.Base+"/Users", c.token, fmt.Sprintf(`{"userName":"member%d@example.com"}`, i)).Expect(t, http.StatusCreated)
		ids[i] = harness.Str(r.Body, "id")
		members[i] = `{"value":"` + ids[i] + `"}`
	}
	failSkills(c.Emu)
	c.Do(http.MethodPost, a.Base+"/Groups", c.token, `{"displayName":"CC Billing","members":[`+strings.Join(members, ",")+`]}`).
		Expect(t, http.StatusCreated)
	b := c.start("b")
	eventually(t, deadline, "the second process never saw the shared reconciliation", func() bool {
		return outboxDepth(t, c.Stack, b.Site) >= 1
	})

	recoverSkills(c.Emu)
	eventually(t, deadline, "not every member's skills were assigned", func() bool {
		for _, id := range ids {
			if !billingSkills(c.Emu, id) {
				return false
			}
		}
		return true
	})
	eventually(t, deadline, "the depth gauges never returned to 0", func() bool {
		return outboxDepth(t, c.Stack, a.Site) == 0 && outboxDepth(t, c.Stack, b.Site) == 0
	})
	if left := outboxEntries(t, c.storage); len(left) != 0 {
		t.Fatalf("entries left in storage: %+v", left)
	}
	for _, id := range ids {
		if calls := c.front.skillPatches(id, 0); succeeded(calls) != 1 {
			t.Errorf("user %s: %d successful skills PATCHes, want exactly 1; calls %+v", id, succeeded(calls), calls)
		}
	}
	c.NoRejections()
}
