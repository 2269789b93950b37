package genesys

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// externalIDPath is /api/v2/users/{id}/externalid[/{authority}[/{key}]],
// each segment escaped: keys come from identity providers.
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

// GetExternalIDs lists the user's external ids under authority
// (GET /api/v2/users/{id}/externalid/{authority}). The API documents a JSON
// array of UserExternalIdentifier; an entity listing ({"entities": [...]}) is
// accepted too.
func (c *Client) GetExternalIDs(ctx context.Context, userID, authority string) ([]ExternalID, error) {
	var raw json.RawMessage
	err := c.do(ctx, call{method: http.MethodGet, endpoint: "GET /api/v2/users/{id}/externalid/{authority}",
		path: externalIDPath(userID, authority), out: &raw, repeatable: true})
	if err != nil {
		return nil, err
	}
	return decodeExternalIDs(raw)
}

func decodeExternalIDs(raw json.RawMessage) ([]ExternalID, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var ids []ExternalID
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &ids); err != nil {
			return nil, fmt.Errorf("genesys: GET /api/v2/users/{id}/externalid/{authority}: decoding response: %w", err)
		}
		return ids, nil
	}
	var listing struct {
		Entities []ExternalID `json:"entities"`
	}
	if err := json.Unmarshal(raw, &listing); err != nil {
		return nil, fmt.Errorf("genesys: GET /api/v2/users/{id}/externalid/{authority}: decoding response: %w", err)
	}
	return listing.Entities, nil
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
