package genesys

import (
	"context"
	"net/http"
	"net/url"
)

// externalIDPath is /api/v2/users/{id}/externalid[/{authority}/{key}], each
// segment escaped: keys come from identity providers.
func externalIDPath(userID string, segments ...string) string {
	p := userPath(userID) + "/externalid"
	for _, s := range segments {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// SetExternalID maps authority/key to the user (POST /api/v2/users/{id}/externalid).
// It is repeated after a 5xx or connection error; a repeat that answers
// conflict means the earlier attempt created the mapping, and is success.
// A conflict on the first attempt is returned (IsConflict): the mapping
// exists already, possibly for another user.
func (c *Client) SetExternalID(ctx context.Context, userID, authority, key string) error {
	return c.do(ctx, call{method: http.MethodPost, endpoint: "POST /api/v2/users/{id}/externalid", path: externalIDPath(userID),
		body: ExternalID{AuthorityName: authority, ExternalKey: key}, repeatable: true, doneOnRepeat: isConflictAPI})
}

// DeleteExternalID removes a mapping
// (DELETE /api/v2/users/{id}/externalid/{authority}/{key}). A repeat that
// answers not found is success.
func (c *Client) DeleteExternalID(ctx context.Context, userID, authority, key string) error {
	return c.do(ctx, call{method: http.MethodDelete, endpoint: "DELETE /api/v2/users/{id}/externalid/{authority}/{key}",
		path: externalIDPath(userID, authority, key), repeatable: true, doneOnRepeat: isNotFoundAPI})
}

// GetExternalIDs returns the user's external ids under authority (exact
// match: Genesys treats authority names as case-sensitive), nil for none.
// It reads GET /api/v2/users/{id}/externalid (SDK get_user_externalid), the
// documented JSON array of UserExternalIdentifier across all authorities,
// which is also what the Terraform provider reads
// (genesyscloud/external_user/genesyscloud_externalusers_identity_proxy.go:
// GetUserExternalid). The per-authority
// GET /api/v2/users/{id}/externalid/{authority} is not used: it answers one
// object, and 404 when the user has none under the authority.
func (c *Client) GetExternalIDs(ctx context.Context, userID, authority string) ([]ExternalID, error) {
	var all []ExternalID
	err := c.do(ctx, call{method: http.MethodGet, endpoint: "GET /api/v2/users/{id}/externalid",
		path: externalIDPath(userID), out: &all, repeatable: true})
	if err != nil {
		return nil, err
	}
	var mine []ExternalID
	for _, x := range all {
		if x.AuthorityName == authority {
			mine = append(mine, x)
		}
	}
	return mine, nil
}

// GetUserByExternalID finds the user mapped to authority/key
// (GET /api/v2/users/externalid/{authority}/{key}); not found is an APIError
// for which IsNotFound is true.
func (c *Client) GetUserByExternalID(ctx context.Context, authority, key string) (*User, error) {
	var out User
	err := c.do(ctx, call{method: http.MethodGet, endpoint: "GET /api/v2/users/externalid/{authority}/{key}",
		path: usersPath + "/externalid/" + url.PathEscape(authority) + "/" + url.PathEscape(key), out: &out, repeatable: true})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
