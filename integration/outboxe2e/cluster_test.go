package outboxe2e

import (
	"fmt"
	"testing"
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
