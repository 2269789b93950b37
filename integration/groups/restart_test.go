package groups

import (
	"net/http"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// TestReconciliationSurvivesRestart: reconciliations pending while Caddy
// restarts (their skills writes failing) complete afterwards from the
// outbox in storage, and the latest membership wins: a user removed from
// the group while its reconciliation was pending ends with nothing. The
// group's externalId, kept in storage, survives too.
func TestReconciliationSurvivesRestart(t *testing.T) {
	s := newStack(t, fastPacing, "max_retries 1")
	w := s.Writer()
	amy, bob, cat := createUser(t, s, "amy@example.com"), createUser(t, s, "bob@example.com"), createUser(t, s, "cat@example.com")
	s.Emu.FailNext("PATCH /api/v2/users/{id}/routingskills/bulk", 100000, http.StatusServiceUnavailable)

	gid := harness.Str(s.Do(http.MethodPost, "/Groups", w, `{"displayName":"CC Billing","externalId":"okta-00g1","members":[`+
		`{"value":"`+amy+`"},{"value":"`+bob+`"},{"value":"`+cat+`"}]}`).Expect(t, http.StatusCreated).Body, "id")
	s.Do(http.MethodPatch, "/Groups/"+gid, w, patch(`{"op":"remove","path":"members[value eq \"`+cat+`\"]"}`)).Expect(t, http.StatusNoContent)
	harness.Eventually(t, 10*time.Second, "no reconciliation attempt failed on the skills", func() bool {
		return s.Emu.Calls("PATCH /api/v2/users/{id}/routingskills/bulk") > 0
	})
	for _, id := range []string{amy, bob} {
		if u, _ := s.Emu.User(id); len(u.Skills) != 0 {
			t.Fatalf("skills assigned while every skills call failed: %+v", u.Skills)
		}
	}

	s.Restart()
	s.Emu.ClearFaults()
	expectRouting(t, s, "after the restart", map[string]routing{amy: billing, bob: billing, cat: nothing})
	// The group's externalId lives in storage: it is read back after the
	// restart, and found by filter.
	if got := harness.Str(s.Do(http.MethodGet, "/Groups/"+gid, w, nil).Expect(t, http.StatusOK).Body, "externalId"); got != "okta-00g1" {
		t.Fatalf("after the restart externalId = %q", got)
	}
	if r := s.Do(http.MethodGet, "/Groups"+filterQuery(`externalId eq "okta-00g1"`), w, nil).Expect(t, http.StatusOK); r.Body["totalResults"] != float64(1) {
		t.Fatalf("externalId filter after the restart: %s", r.Raw)
	}
	s.NoRejections()
}
