package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// DeleteGroup implements DELETE /Groups/{id}: the Genesys group is deleted
// (DELETE /api/v2/groups/{groupId}) with its externalId, and takes its
// routing with it: when a group block matches its name, every member's
// routing is reconciled once it is gone.
func (g *groupOps) DeleteGroup(ctx context.Context, id string, pre scim.Precondition) error {
	name, err := g.deleteGroup(ctx, id, pre)
	if err != nil {
		return g.groupFailed(ctx, id, name, err)
	}
	g.record(ctx, groupEvent(audit.GroupDeleted, audit.Success, http.StatusNoContent, id, name))
	return nil
}

func (g *groupOps) deleteGroup(ctx context.Context, id string, pre scim.Precondition) (string, error) {
	cur, err := g.readGroup(ctx, id)
	if err != nil {
		return "", err
	}
	if !pre.Allows(versionString(cur.Version)) {
		return cur.Name, groupPreconditionFailed(id)
	}
	if g.configuredGroup(cur.Name) {
		members, err := g.members(ctx, cur.ID)
		if err != nil {
			return cur.Name, err
		}
		pending, err := g.reconcile.schedule(ctx, memberIDs(members), g.queuesOf(cur.Name), false)
		if err != nil {
			return cur.Name, err
		}
		defer pending.release(ctx)
	}
	if err := g.cfg.Client.DeleteGroup(ctx, cur.ID); err != nil && !g.groupGone(ctx, cur.ID) {
		return cur.Name, err
	}
	g.shared.groups.apply(localChange{g: indexedGroup{ID: cur.ID}, gone: true})
	if err := g.groupExternalIDs.set(ctx, cur.ID, ""); err != nil {
		g.log.Warn("a deleted group's externalId could not be removed from storage")
	}
	return cur.Name, nil
}

// groupGone reports whether a group whose DELETE failed is gone all the
// same (a repeat of a DELETE that had succeeded, another caller's). Only a
// read that finds no group proves it: Genesys refusing the DELETE (a 400
// for a group it will not delete) must reach the caller, never a 204 over
// a group that still exists.
func (g *groupOps) groupGone(ctx context.Context, id string) bool {
	_, err := g.readGroup(ctx, id)
	var se *scim.Error
	return errors.As(err, &se) && se.Status == http.StatusNotFound
}
