package outboxe2e

import (
	"syscall"
	"testing"
)

// TestQueuedSkillsSurviveProcessRestart: a Caddy OS process is stopped while
// an entry is pending (SIGTERM between attempts; SIGKILL while an attempt
// holds the entry's storage lock), Genesys recovers while nothing runs, and
// a new process on the same storage completes the entry once.
func TestQueuedSkillsSurviveProcessRestart(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		// midAttempt kills the process during an outbox attempt (a hung
		// skills call), leaving the entry's lock file behind.
		midAttempt bool
	}{
		{name: "SIGTERM between attempts", sig: syscall.SIGTERM},
		{name: "SIGKILL during an attempt", sig: syscall.SIGKILL, midAttempt: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			failSkills(c.Emu)
			first := c.start("first")
			id := createQueued(t, c.Stack, first.Base, c.token, "process.agent@example.com")
			if n := len(entriesFor(t, c.storage, id)); n != 1 {
				t.Fatalf("%d entries stored, want 1", n)
			}
			eventually(t, deadline, "the outbox never attempted the entry", func() bool {
				e := entriesFor(t, c.storage, id)
				return len(e) == 1 && e[0].Attempts >= 1
			})
			if tc.midAttempt {
				// Between two attempts (at least 0.5 s apart): the next
				// one hangs until the process dies.
				before := len(c.front.skillPatches(id, 0))
				recoverSkills(c.Emu)
				c.Emu.HangNext(skillsEndpoint, 1)
				eventually(t, deadline, "the outbox's next attempt never reached Genesys", func() bool {
					calls := c.front.skillPatches(id, 0)
					return len(calls) == before+1 && !calls[before].Done
				})
			}
			first.stop(tc.sig)
			if n := len(entriesFor(t, c.storage, id)); n != 1 {
				t.Fatalf("%d entries left after %s, want 1", n, tc.sig)
			}
			if locks := entryLocks(t, c.storage); tc.midAttempt && len(locks) == 0 {
				t.Fatal("no entry lock left behind by the killed attempt: the test did not kill it mid-attempt")
			} else if !tc.midAttempt && len(locks) != 0 {
				t.Fatalf("entry locks left after a graceful stop: %v", locks)
			}
			recoverSkills(c.Emu)
			if billingSkills(c.Emu, id) {
				t.Fatal("the skills were assigned while no Caddy ran")
			}

			second := c.start("second")
			eventually(t, deadline, "the restarted Caddy never completed the entry", func() bool {
				return billingSkills(c.Emu, id)
			})
			eventually(t, deadline, "the depth gauge never returned to 0", func() bool {
				return outboxDepth(t, c.Stack, second.Site) == 0
			})
			expectCompletedOnce(t, c.Emu, c.front, c.storage, id, auditLog(t, first.LogFile, second.LogFile))
			if locks := entryLocks(t, c.storage); len(locks) != 0 {
				t.Errorf("entry locks left after completion: %v", locks)
			}
			c.NoRejections()
		})
	}
}
