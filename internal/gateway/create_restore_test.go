package gateway

import (
	"errors"
	"net/http"
	"testing"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// A restore whose update fails after the user was reactivated answers 503;
// the identical retry finishes the restore (fields and the inactive state
// the request asked for), not only the post-create steps. Found in review:
// the retry used to skip the update and leave the user active.
func TestRestoreRetryFinishesTheUpdate(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail int // which user PATCH fails: 2 = the fields, 3 = the state
	}{{"fields PATCH fails", 2}, {"state PATCH fails", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, envOptions{})
			seed, err := env.emu.SeedUser(genesystest.UserSeed{Name: "Carol Gone", Email: "carol@example.com", State: "deleted", Title: "Old"})
			if err != nil {
				t.Fatal(err)
			}
			off := false
			in := &scim.User{UserName: "carol@example.com", Name: scim.Name{Formatted: "Carol Back"}, Title: "New", Active: &off}
			// Let the reactivating PATCH (and the fields one, for the state
			// case) through, then fail the next one through the retry budget.
			env.emu.FailNextAfter("PATCH /api/v2/users/{id}", tc.fail-1, 10, http.StatusServiceUnavailable)
			_, _, err = env.gw.CreateUser(env.ctx(), in)
			var se *scim.Error
			if !errors.As(err, &se) || se.Status != http.StatusServiceUnavailable || se.RetryAfter <= 0 {
				t.Fatalf("first POST: %v, want 503 with Retry-After", err)
			}
			env.emu.ClearFaults()
			out, created := env.create(in)
			if !created || out.ID != seed.ID {
				t.Fatalf("retry: created=%v id=%s, want 201 with %s", created, out.ID, seed.ID)
			}
			u := env.user("carol@example.com")
			if u.State != "inactive" || u.Name != "Carol Back" || u.Title != "New" {
				t.Fatalf("after the retry Genesys holds %+v, want the restored and updated, inactive user", u)
			}
			if out.Active == nil || *out.Active {
				t.Fatal("the response says active")
			}
			// Two requests: one SCIM_USER_CREATE_ERROR (the 503), then one
			// SCIM_USER_RESTORED for the retry that finished the restore.
			if n, m := len(env.events(audit.UserRestored)), len(env.events(audit.UserCreateError)); n != 1 || m != 1 {
				t.Fatalf("%d SCIM_USER_RESTORED and %d SCIM_USER_CREATE_ERROR entries, want 1 and 1", n, m)
			}
			env.assertNoRejections()
		})
	}
}
