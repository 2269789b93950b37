package gateway

import (
	"context"
	"net/http"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// GetUser implements GET /Users/{id}: active and inactive users are
// readable; deleted and unknown ids are 404.
func (g *userOps) GetUser(ctx context.Context, id string) (*scim.User, error) {
	u, err := g.readUser(ctx, id)
	if err == nil {
		var ext string
		if ext, err = g.externalIDFor(ctx, u.ID); err == nil {
			g.record(ctx, audit.Event{Name: audit.UserRead, Outcome: audit.Success, Status: http.StatusOK,
				GenesysID: u.ID, Email: u.Email})
			out := userToSCIM(u, ext)
			out.Groups = g.userGroups(ctx, u)
			return out, nil
		}
		err = upstreamUserError(err, id)
	}
	g.record(ctx, audit.Event{Name: audit.UserRead, Outcome: audit.Failed, Status: statusOf(err),
		GenesysID: id, Error: auditText(err)})
	return nil, err
}

// readUser reads an active or inactive user (GET /api/v2/users/{id}); a
// deleted or unknown one, or an id that cannot be a Genesys id (no call is
// made for it), is a SCIM 404; other failures are already mapped by
// upstreamError.
func (g *userOps) readUser(ctx context.Context, id string) (*genesys.User, error) {
	if !isGenesysID(id) {
		return nil, scim.NotFound(id)
	}
	u, err := g.cfg.Client.GetUser(ctx, id, "", expandGroups)
	switch {
	case isAbsent(err):
		return nil, scim.NotFound(id)
	case err != nil:
		return nil, upstreamUserError(err, id)
	case u.State == genesys.StateDeleted:
		return nil, scim.NotFound(id)
	}
	return u, nil
}

// externalIDFor returns userID's external id under the configured authority
// ("" for none): from Shared when known, else from Genesys
// (GET /api/v2/users/{id}/externalid/{authority}), then remembered, so reads
// rarely pay the extra call.
func (g *userOps) externalIDFor(ctx context.Context, userID string) (string, error) {
	if k, ok := g.knownExternalID(userID); ok {
		return k, nil
	}
	ids, err := g.cfg.Client.GetExternalIDs(ctx, userID, g.cfg.ExternalIDAuthority)
	if err != nil {
		return "", err
	}
	key := ""
	for _, x := range ids {
		if x.AuthorityName == g.cfg.ExternalIDAuthority {
			key = x.ExternalKey
			break
		}
	}
	g.rememberExternalID(userID, key)
	return key, nil
}
