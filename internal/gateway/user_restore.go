package gateway

import (
	"context"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// restore brings back a soft-deleted holder of the email, as Genesys's own
// SCIM and Terraform provider do: PATCH state active with its version, move
// it back to the division new users go to, then the fields with the fresh
// version, then external id and routing. The caller gets 201. The
// reconciliation of the restored user's routing with its groups is stored
// before it is activated: if a later step fails, the user is active either
// way, and its routing must still follow.
func (g *userOps) restore(ctx context.Context, p *profile, in *routingIntent, del *genesys.User) (*createResult, error) {
	queued := len(g.blocks) > 0
	if queued {
		pending, err := g.reconcile.schedule(ctx, []string{del.ID}, nil, true)
		if err != nil {
			return nil, err
		}
		defer pending.release(ctx)
	}
	u, err := g.patchUserVersioned(ctx, del.ID, genesys.StateDeleted, del.Version, genesys.UpdateUser{State: genesys.StateActive})
	if err != nil {
		return nil, upstreamError(err)
	}
	rc := g.remember(p.Email, u.ID)
	rc.restoring.Store(true)
	rc.reconcileQueued.Store(queued)
	return g.finishRestore(ctx, p, in, u, rc)
}

// finishRestore updates a user restored from deletion to what the request
// says (fields, then state on its own), drops its old external ids, and
// runs the post-create steps. It is also how the identical retry of a
// restore that answered 503 completes it. A Genesys refusal of the update
// (a 4xx) reaches the caller as such: retrying the same input cannot help,
// and a corrected request finishes the restore.
func (g *userOps) finishRestore(ctx context.Context, p *profile, in *routingIntent, u *genesys.User, rc *recentCreate) (*createResult, error) {
	g.forgetExternalID(u.ID)
	addrs := p.addresses()
	upd := genesys.UpdateUser{Name: &p.Name, Title: &p.Title, Department: &p.Department, Addresses: &addrs}
	if p.ManagerID != "" {
		upd.Manager = &p.ManagerID
	}
	version := u.Version
	// Genesys restores a user into the home division; new users of this
	// gateway go to the configured one (or the request's), so the restored
	// agent is moved back, as the Terraform provider does after its restore
	// (POST /api/v2/authorization/divisions/{divisionId}/objects/USER). The
	// move changes the version: the field PATCH reads it afresh.
	if div := firstNonEmpty(p.DivisionID, g.cfg.DivisionID); div != "" && (u.Division == nil || u.Division.ID != div) {
		if err := g.cfg.Client.MoveToDivision(ctx, div, []string{u.ID}); err != nil {
			if genesys.IsNotFound(err) { // the division, not the user just read
				bad := scim.BadValue("divisionId %q names no Genesys Cloud division", div)
				bad.Cause = err
				err = bad
			}
			return nil, restoreFailed(rc.ID, err)
		}
		version = 0
	}
	var err error
	if u, err = g.patchUserVersioned(ctx, u.ID, "", version, upd); err != nil {
		return nil, restoreFailed(rc.ID, err)
	}
	if desiredState(p) == genesys.StateInactive && u.State != genesys.StateInactive {
		if u, err = g.patchUserVersioned(ctx, u.ID, "", u.Version, genesys.UpdateUser{State: genesys.StateInactive}); err != nil {
			return nil, restoreFailed(rc.ID, err)
		}
	}
	g.dropStaleExternalIDs(ctx, u.ID, p.ExternalID)
	rc.restoring.Store(false)
	q := *p
	q.ManagerID = "" // set with the fields
	return g.finishCreate(ctx, &q, in, u, rc, audit.UserRestored)
}

// restoreFailed is the error of a restore whose update failed: Genesys's own
// refusal (4xx) as it is, anything else a 503 that the identical retry
// completes.
func restoreFailed(userID string, err error) error {
	var se *scim.Error
	if errors.As(upstreamError(err), &se) && se.Status >= 400 && se.Status < 500 && se.Status != http.StatusTooManyRequests {
		cp := *se
		cp.Cause = &incompleteCreate{userID: userID, err: err}
		return &cp
	}
	return incomplete(userID, err)
}

// dropStaleExternalIDs removes the external ids a restored user kept under
// the configured authority other than keep: they named the identity
// provider's previous object. Best effort: a failure leaves a stale mapping,
// logged, and does not fail the restore.
func (g *userOps) dropStaleExternalIDs(ctx context.Context, userID, keep string) {
	ids, err := g.cfg.Client.GetExternalIDs(ctx, userID, g.cfg.ExternalIDAuthority)
	for _, x := range ids {
		if err == nil && x.ExternalKey != keep {
			err = g.cfg.Client.DeleteExternalID(ctx, userID, g.cfg.ExternalIDAuthority, x.ExternalKey)
		}
	}
	if err != nil {
		g.log.Warn("could not remove a restored user's old external ids", zap.String("user_id", userID), zap.Error(err))
	}
}
