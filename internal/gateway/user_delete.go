package gateway

import (
	"context"
	"net/http"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// DeleteUser implements DELETE /Users/{id}: the Genesys user is soft-deleted
// (state deleted, its email stays reserved). Unknown or already deleted ids
// are 404; a stale If-Match is 412. Afterwards GET is 404 and lists omit the
// user; a later POST of the same person restores it (the create path).
// Pending outbox work for the user is cancelled: every step of it targets a
// user that no longer exists, and a restore re-runs its own steps.
func (g *userOps) DeleteUser(ctx context.Context, id string, pre scim.Precondition) error {
	email, err := g.deleteUser(ctx, id, pre)
	if err != nil {
		err = upstreamUserError(err, id)
		g.record(ctx, audit.Event{Name: audit.UserDeleted, Outcome: audit.Failed, Status: statusOf(err),
			GenesysID: id, Email: email, Error: auditText(err)})
		return err
	}
	g.record(ctx, audit.Event{Name: audit.UserDeleted, Outcome: audit.Success, Status: http.StatusNoContent,
		GenesysID: id, Email: email})
	return nil
}

func (g *userOps) deleteUser(ctx context.Context, id string, pre scim.Precondition) (email string, _ error) {
	// Pause the user's queued steps first: one running now would otherwise
	// reach Genesys after this DELETE answered, fail on the deleted user
	// and be audited as a routing error.
	release := g.steps.hold(ctx, id)
	defer release()
	// Read first: a deleted user must be 404 whatever DELETE would answer
	// for it, and If-Match needs the current version.
	cur, err := g.readUser(ctx, id)
	if err != nil {
		return "", err
	}
	if !pre.Allows(versionString(cur.Version)) {
		return cur.Email, preconditionFailed(id)
	}
	if err := g.cfg.Client.DeleteUser(ctx, id); err != nil {
		if genesys.IsNotFound(err) {
			return cur.Email, scim.NotFound(id)
		}
		return cur.Email, err
	}
	g.steps.cancel(ctx, id)
	g.forgetExternalID(id)
	return cur.Email, nil
}
