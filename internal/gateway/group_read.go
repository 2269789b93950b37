package gateway

import (
	"context"
	"net/http"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// GetGroup implements GET /Groups/{id}: the Genesys group, its externalId
// from storage, and its members only when the response shows them (Entra ID
// asks with excludedAttributes=members; a large group is not read for it).
func (g *groupOps) GetGroup(ctx context.Context, id string, q scim.GroupRead) (*scim.Group, error) {
	out, err := g.getGroup(ctx, id, q)
	if err != nil {
		return nil, g.groupFailed(ctx, id, "", err)
	}
	g.record(ctx, groupEvent(audit.GroupRead, audit.Success, http.StatusOK, out.ID, out.DisplayName))
	return out, nil
}

func (g *groupOps) getGroup(ctx context.Context, id string, q scim.GroupRead) (*scim.Group, error) {
	gr, err := g.readGroup(ctx, id)
	if err != nil {
		return nil, err
	}
	ext, err := g.groupExternalIDs.get(ctx, gr.ID)
	if err != nil {
		return nil, unavailable("the group's externalId could not be read; retry", err)
	}
	var members []genesys.User
	if q.Members {
		if members, err = g.members(ctx, gr.ID); err != nil {
			return nil, err
		}
	}
	return groupToSCIM(gr.ID, gr.Name, gr.Version, ext, members), nil
}
