package gateway

import (
	"context"

	"github.com/caddyscim/caddyscim/internal/genesys"
)

// maxVersionRetries bounds the re-read-and-retry loop on a stale version.
const maxVersionRetries = 3

// patchUserVersioned PATCHes user id with upd at version (0: read it first),
// and on a version mismatch re-reads the user (in readState: "" for active
// and inactive users, "deleted" for a soft-deleted one) and retries, as the
// Genesys Terraform provider does (util.IsVersionMismatch).
func (c *core) patchUserVersioned(ctx context.Context, id, readState string, version genesys.Version, upd genesys.UpdateUser) (*genesys.User, error) {
	for attempt := 0; ; attempt++ {
		if version == 0 {
			cur, err := c.cfg.Client.GetUser(ctx, id, readState)
			if err != nil {
				return nil, err
			}
			version = cur.Version
		}
		upd.Version = version
		u, err := c.cfg.Client.PatchUser(ctx, id, upd)
		if err == nil || !genesys.IsVersionMismatch(err) || attempt >= maxVersionRetries {
			return u, err
		}
		version = 0
	}
}
