package outboxe2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// quietPeriod is how long a test watches for calls that must not happen:
// longer than the outbox's 2 s scan interval, so a leftover entry would
// have run.
const quietPeriod = 3 * time.Second

// quickRetries keeps failing attempts short (two calls each) so the
// tests spend their time on the outbox, not on the client's backoff.
const quickRetries = "max_retries 1"

// TestQueuedSkillsCompleteAfterRecovery: with every skills call failing, a
// create answers 201 with the step durably queued (storage and the depth
// gauge show it); the worker keeps trying, and once Genesys recovers the
// skills appear without any further request from the client, exactly once.
func TestQueuedSkillsCompleteAfterRecovery(t *testing.T) {
	s := newStack(t, quickRetries)
	failSkills(s.Emu)
	id := createQueued(t, s.Stack, s.Base, s.Writer(), "queued.agent@example.com")

	entries := entriesFor(t, s.Storage, id)
	if len(entries) != 1 || entries[0].Kind != "skills" {
		t.Fatalf("storage holds %+v for the user, want one skills entry", entries)
	}
	if got := outboxDepth(t, s.Stack, s.Site); got != 1 {
		t.Fatalf("%s = %v right after the create, want 1", depthMetric, got)
	}
	if got := metric(t, s.Stack, s.Site, "caddy_scim_genesys_outbox_oldest_age_seconds"); got <= 0 || got > 60 {
		t.Fatalf("oldest entry age %v s right after the create, want a small positive age", got)
	}
	// The worker retries by itself while Genesys still fails.
	inline := len(s.front.skillPatches(id, 0))
	eventually(t, deadline, "the outbox made no attempt of its own while Genesys failed", func() bool {
		return len(s.front.skillPatches(id, 0)) > inline
	})
	if billingSkills(s.Emu, id) {
		t.Fatal("skills assigned while every skills call failed")
	}

	recoverSkills(s.Emu)
	eventually(t, deadline, "the skills never appeared after Genesys recovered", func() bool {
		return billingSkills(s.Emu, id)
	})
	eventually(t, deadline, "the depth gauge never returned to 0", func() bool {
		return outboxDepth(t, s.Stack, s.Site) == 0
	})
	expectCompletedOnce(t, s.Emu, s.front, s.Storage, id, auditOf(s.Stack))
	if got := events(auditOf(s.Stack), "SCIM_ROUTING_ASSIGNED", id, "outbox"); len(got) != 1 {
		t.Errorf("the completion is not audited as background (operation outbox) work: %v", got)
	}
	s.NoRejections()
}

// TestQueuedSkillsSurviveStopAndReload: an entry pending when Caddy stops
// (or reloads its config) is completed by the Caddy that runs next on the
// same storage, once.
func TestQueuedSkillsSurviveStopAndReload(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop bool // caddy.Stop, recover Genesys while nothing runs, Load again
	}{
		{name: "stopped and started again", stop: true},
		{name: "config reloaded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack(t, quickRetries)
			failSkills(s.Emu)
			id := createQueued(t, s.Stack, s.Base, s.Writer(), "restarted.agent@example.com")
			if n := len(entriesFor(t, s.Storage, id)); n != 1 {
				t.Fatalf("%d entries stored, want 1", n)
			}
			if tc.stop {
				if err := caddy.Stop(); err != nil {
					t.Fatal(err)
				}
				if n := len(entriesFor(t, s.Storage, id)); n != 1 {
					t.Fatalf("%d entries left after Caddy stopped, want 1", n)
				}
				recoverSkills(s.Emu)
				if billingSkills(s.Emu, id) {
					t.Fatal("the skills were assigned while no Caddy ran")
				}
				s.Load(s.config)
			} else {
				s.Load(s.config)
				recoverSkills(s.Emu)
			}
			eventually(t, deadline, "the entry never completed after Caddy came back", func() bool {
				return billingSkills(s.Emu, id)
			})
			eventually(t, deadline, "the depth gauge never returned to 0", func() bool {
				return outboxDepth(t, s.Stack, s.Site) == 0
			})
			expectCompletedOnce(t, s.Emu, s.front, s.Storage, id, auditOf(s.Stack))
			s.NoRejections()
		})
	}
}

// TestDeleteCancelsQueuedSkills: deleting a user whose skills step is
// pending removes the entry at once, and the worker makes no further call
// for that user, while another user's entry still completes.
func TestDeleteCancelsQueuedSkills(t *testing.T) {
	s := newStack(t, quickRetries)
	w := s.Writer()
	failSkills(s.Emu)
	gone := createQueued(t, s.Stack, s.Base, w, "deleted.agent@example.com")
	kept := createQueued(t, s.Stack, s.Base, w, "kept.agent@example.com")
	// Delete between two attempts: the worker has run and rescheduled the
	// entry (so it is live in the outbox, not just written).
	eventually(t, deadline, "the outbox never attempted the entry", func() bool {
		e := entriesFor(t, s.Storage, gone)
		return len(e) == 1 && e[0].Attempts >= 1
	})
	s.Do(http.MethodDelete, "/Users/"+gone, w, nil).Expect(t, http.StatusNoContent)
	after := s.front.mark()
	if left := entriesFor(t, s.Storage, gone); len(left) != 0 {
		t.Fatalf("the deleted user's entry is still stored: %+v", left)
	}
	if n := len(entriesFor(t, s.Storage, kept)); n != 1 {
		t.Fatalf("the other user's entry: %d stored, want 1", n)
	}

	recoverSkills(s.Emu)
	eventually(t, deadline, "the other user's entry never completed", func() bool {
		return billingSkills(s.Emu, kept)
	})
	eventually(t, deadline, "the depth gauge never returned to 0", func() bool {
		return outboxDepth(t, s.Stack, s.Site) == 0
	})
	time.Sleep(quietPeriod) // proving an absence: nothing to wait on
	if calls := s.front.userCalls(gone, "", "", after); len(calls) != 0 {
		t.Errorf("upstream calls for the deleted user after its DELETE answered: %+v", calls)
	}
	if u, _ := s.Emu.User(gone); len(u.Skills) != 0 || u.State != "deleted" {
		t.Errorf("deleted user %+v", u)
	}
	audit := auditOf(s.Stack)
	if got := events(audit, "SCIM_ROUTING_ASSIGNED", gone, ""); len(got) != 0 {
		t.Errorf("routing audited as assigned for the deleted user: %v", got)
	}
	if got := events(audit, "SCIM_ROUTING_ERROR", gone, "outbox"); len(got) != 0 {
		t.Errorf("the cancelled entry ran and failed: %v", got)
	}
	expectCompletedOnce(t, s.Emu, s.front, s.Storage, kept, audit)
	s.NoRejections()
}

// TestDeleteStopsRunningSkills: a DELETE that arrives while the user's
// queued skills step is waiting on Genesys stops that attempt before it
// deletes: when the 204 is answered no call for the user is still open at
// Genesys (one left open could still be applied), and the stopped attempt
// is neither retried nor audited as failed.
func TestDeleteStopsRunningSkills(t *testing.T) {
	s := newStack(t, quickRetries)
	w := s.Writer()
	failSkills(s.Emu)
	id := createQueued(t, s.Stack, s.Base, w, "running.agent@example.com")
	eventually(t, deadline, "the outbox never attempted the entry", func() bool {
		e := entriesFor(t, s.Storage, id)
		return len(e) == 1 && e[0].Attempts >= 1
	})
	recoverSkills(s.Emu)
	s.Emu.HangNext(skillsEndpoint, 1)
	from := s.front.mark()
	eventually(t, deadline, "the outbox's next attempt never reached Genesys", func() bool {
		return len(s.front.skillPatches(id, from)) == 1
	})
	s.Do(http.MethodDelete, "/Users/"+id, w, nil).Expect(t, http.StatusNoContent)
	after := s.front.mark()
	// The stopped call ends at Genesys once its connection closes, which
	// the emulator notices a moment after the client hung up; without the
	// stop it stays open for the emulator's two-minute MaxHang.
	eventually(t, time.Second, "a skills call for the deleted user is still open after its DELETE answered", func() bool {
		calls := s.front.skillPatches(id, from)
		return len(calls) == 1 && calls[0].Done
	})
	time.Sleep(quietPeriod) // proving an absence: nothing to wait on
	if calls := s.front.userCalls(id, "", "", after); len(calls) != 0 {
		t.Errorf("upstream calls for the deleted user after its DELETE answered: %+v", calls)
	}
	if got := events(auditOf(s.Stack), "SCIM_ROUTING_ERROR", id, "outbox"); len(got) != 0 {
		t.Errorf("the stopped attempt was audited as failed: %v", got)
	}
	if left := entriesFor(t, s.Storage, id); len(left) != 0 {
		t.Errorf("the deleted user's entry is still stored: %+v", left)
	}
	s.NoRejections()
}

// TestQueuedSkillsGivenUpAfterMaxAge: an entry that keeps failing past
// outbox_max_age is removed and audited SCIM_ROUTING_ERROR, not before the
// age is reached, and is not run again once Genesys recovers.
func TestQueuedSkillsGivenUpAfterMaxAge(t *testing.T) {
	const maxAge = 3 * time.Second
	s := newStack(t, quickRetries, "outbox_max_age "+maxAge.String())
	failSkills(s.Emu)
	start := time.Now()
	id := createQueued(t, s.Stack, s.Base, s.Writer(), "abandoned.agent@example.com")

	var gaveUp []auditEntry
	eventually(t, deadline, "no SCIM_ROUTING_ERROR from the outbox after outbox_max_age", func() bool {
		gaveUp = events(auditOf(s.Stack), "SCIM_ROUTING_ERROR", id, "outbox")
		return len(gaveUp) > 0
	})
	if len(gaveUp) != 1 || gaveUp[0].str("outcome") != "failed" || gaveUp[0].str("error") == "" {
		t.Fatalf("give-up audit entries %v, want one failed entry saying why", gaveUp)
	}
	if at := gaveUp[0].time(); at.Sub(start) < maxAge {
		t.Fatalf("given up %s after the create, before outbox_max_age %s", at.Sub(start), maxAge)
	}
	if left := entriesFor(t, s.Storage, id); len(left) != 0 {
		t.Fatalf("entry still stored after it was given up: %+v", left)
	}
	eventually(t, deadline, "the depth gauge never returned to 0", func() bool {
		return outboxDepth(t, s.Stack, s.Site) == 0
	})

	after := s.front.mark()
	recoverSkills(s.Emu)
	time.Sleep(quietPeriod) // proving an absence: nothing to wait on
	if calls := s.front.skillPatches(id, after); len(calls) != 0 {
		t.Errorf("skills PATCHed after the entry was given up: %+v", calls)
	}
	if got := events(auditOf(s.Stack), "SCIM_ROUTING_ASSIGNED", id, ""); len(got) != 0 {
		t.Errorf("a given-up entry audited as assigned: %v", got)
	}
	s.NoRejections()
}

// TestUnwritableOutboxAnswers503: when the skills step fails and the
// outbox cannot be written, the create answers 503 with Retry-After (the
// Genesys user exists); the identical retry after Genesys recovers finds
// that user, assigns its skills and creates no second one.
func TestUnwritableOutboxAnswers503(t *testing.T) {
	s := newStack(t, quickRetries)
	// A storage path below a regular file cannot be created, even by root.
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.restart(replaceOnce(t, s.config, "storage file_system "+s.Storage,
		"storage file_system "+filepath.Join(blocker, "storage")))
	w := s.Writer()
	const email = "unqueued.agent@example.com"
	// The group block's Genesys group exists: creating it would need the
	// storage's lock, which this test breaks.
	s.Emu.SeedGroup("CC Billing")
	failSkills(s.Emu)

	r := s.Do(http.MethodPost, "/Users", w, agent(email)).ExpectSCIMError(t, http.StatusServiceUnavailable, "")
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra <= 0 {
		t.Fatalf("Retry-After %q, want a positive number of seconds", r.Header.Get("Retry-After"))
	}
	u, ok := s.Emu.UserByEmail(email)
	if !ok || len(u.Skills) != 0 {
		t.Fatalf("after the 503: Genesys user %+v (found %v), want it created without skills", u, ok)
	}

	recoverSkills(s.Emu)
	r = s.Do(http.MethodPost, "/Users", w, agent(email))
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		t.Fatalf("retry: status %d, want 200 or 201; body %s", r.Status, r.Raw)
	}
	if got := harness.Str(r.Body, "id"); got != u.ID {
		t.Fatalf("retry answered user %q, want the one the first POST created (%s)", got, u.ID)
	}
	if n := s.Emu.UserCount(""); n != 1 {
		t.Fatalf("%d Genesys users, want 1", n)
	}
	if !billingSkills(s.Emu, u.ID) {
		t.Fatal("the retry did not assign the skills")
	}
	s.NoRejections()
}

// TestMaxRetriesZeroMeansOneCallPerAttempt: with `max_retries 0` the create
// makes one skills call before queueing the step, and each outbox attempt
// makes one more (max_retries is the retry budget of every
// upstream call, the outbox's replays included).
func TestMaxRetriesZeroMeansOneCallPerAttempt(t *testing.T) {
	s := newStack(t, "max_retries 0")
	failSkills(s.Emu)
	id := createQueued(t, s.Stack, s.Base, s.Writer(), "no.retries@example.com")
	if calls := s.front.skillPatches(id, 0); len(calls) != 1 {
		t.Errorf("the create made %d skills calls with max_retries 0, want 1: %+v", len(calls), calls)
	}
	var attempts int
	eventually(t, deadline, "the outbox never attempted the entry", func() bool {
		e := entriesFor(t, s.Storage, id)
		if len(e) == 1 {
			attempts = e[0].Attempts
		}
		return attempts >= 1
	})
	// Read at once: the next attempt is at least 0.5 s away.
	if calls := s.front.skillPatches(id, 0); len(calls) != 1+attempts {
		t.Errorf("%d skills calls after the create and %d failed outbox attempts with max_retries 0, want %d",
			len(calls), attempts, 1+attempts)
	}
	recoverSkills(s.Emu)
	eventually(t, deadline, "the skills never appeared after Genesys recovered", func() bool {
		return billingSkills(s.Emu, id)
	})
	s.NoRejections()
}
