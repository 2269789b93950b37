package gateway

import (
	"context"
	"strings"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// ReplaceUser implements PUT /Users/{id}: a full replace of the mapped
// attributes. Omitted mapped attributes are cleared (title, department,
// manager, phones, the work email, the external id). `id`, `meta` and
// `groups` are not stored: id and meta are readOnly and ignored; groups give
// routing, applied idempotently on every create, replace and activation, so
// a PUT that reactivates a user with groups routes it as a create would. An omitted `active` leaves the state alone
// (a client that drops the attribute must not deactivate people). The
// divisionId and password are create-only and ignored here.
func (g *userOps) ReplaceUser(ctx context.Context, id string, u *scim.User, pre scim.Precondition) (*scim.User, error) {
	return g.writeUser(ctx, id, pre, func(*genesys.User, string) (*profile, error) {
		if strings.TrimSpace(u.UserName) == "" {
			return nil, scim.BadValue("userName is required")
		}
		return profileFromSCIM(u)
	})
}
