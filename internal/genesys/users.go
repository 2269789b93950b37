package genesys

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

const usersPath = "/api/v2/users"

// userPath is /api/v2/users/{id} with the id escaped, so an id holding "/"
// or "?" cannot reach another endpoint.
func userPath(id string) string { return usersPath + "/" + url.PathEscape(id) }

// CreateUser creates a user (POST /api/v2/users). Never retried blindly: a
// transport error, timeout or 5xx returns an error wrapping ErrOutcomeUnknown
// (the caller checks by search). A 429 or 401 answer is repeated: Genesys did
// not act on it.
func (c *Client) CreateUser(ctx context.Context, u CreateUser) (*User, error) {
	var out User
	err := c.do(ctx, call{method: http.MethodPost, endpoint: "POST /api/v2/users", path: usersPath, body: u, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetUser reads a user (GET /api/v2/users/{id}); state "" is the API default
// (active and inactive users), "deleted" reads a soft-deleted one. expand may
// name skills, languages.
func (c *Client) GetUser(ctx context.Context, id, state string, expand ...string) (*User, error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	for _, e := range expand {
		q.Add("expand", e)
	}
	var out User
	err := c.do(ctx, call{method: http.MethodGet, endpoint: "GET /api/v2/users/{id}", path: userPath(id), query: q, out: &out, repeatable: true})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// getUsersByIDMax is how many ids one GET /api/v2/users carries. get_users
// documents no limit on id; 100 keeps each call one page of at most 100
// users (the largest page group members and search allow) and its query
// string near 4 KB.
const getUsersByIDMax = 100

// GetUsersByID fetches users by id in bulk (GET /api/v2/users?id=..., SDK
// get_users: "A list of user IDs to fetch by bulk"), getUsersByIDMax ids per
// call, each call one page of exactly that many. state=any is sent because
// the API default is active only: the answer holds active, inactive and
// deleted users, and callers skip the states they do not want. An id with no
// user is simply absent; the order is Genesys's. expand may name skills,
// languages, groups. No ids make no call.
func (c *Client) GetUsersByID(ctx context.Context, ids []string, expand ...string) ([]User, error) {
	var users []User
	err := inChunks(ids, getUsersByIDMax, func(chunk []string) error {
		q := url.Values{}
		for _, id := range chunk {
			q.Add("id", id)
		}
		for _, e := range expand {
			q.Add("expand", e)
		}
		q.Set("state", "any")
		q.Set("pageSize", strconv.Itoa(len(chunk)))
		page := UserPage{Entities: make([]User, 0, len(chunk))}
		err := c.do(ctx, call{method: http.MethodGet, endpoint: "GET /api/v2/users", path: usersPath, query: q, out: &page, repeatable: true})
		if err != nil {
			return err
		}
		users = append(users, page.Entities...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// PatchUser patches a user (PATCH /api/v2/users/{id}) with u.Version. It does
// not re-read on a version mismatch: the caller decides (IsVersionMismatch).
// It refuses, before any call, an UpdateUser without a version
// (ErrMissingVersion) and one that sets State with other fields
// (ErrMixedStatePatch): Genesys ignores the other fields when state is set.
// The PATCH is repeated after a 5xx or connection error: the version makes a
// repeat of an applied patch fail as a version mismatch, never apply twice.
func (c *Client) PatchUser(ctx context.Context, id string, u UpdateUser) (*User, error) {
	if u.Version == 0 {
		return nil, ErrMissingVersion
	}
	if u.State != "" && (u.Name != nil || u.Email != nil || u.Title != nil || u.Department != nil || u.Manager != nil || u.Addresses != nil) {
		return nil, ErrMixedStatePatch
	}
	var out User
	err := c.do(ctx, call{method: http.MethodPatch, endpoint: "PATCH /api/v2/users/{id}", path: userPath(id), body: u, out: &out, repeatable: true})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteUser soft-deletes a user (DELETE /api/v2/users/{id}). A repeat after
// an attempt that may have been applied treats "not found" as done.
//
// A version answer (IsVersionMismatch: 409, 408, 400 "does not match the
// current version") is repeated, within MaxRetries, as the Terraform
// provider's deleteUser does (genesyscloud/user/resource_genesyscloud_user.go:
// util.RetryWhen(util.IsVersionMismatch, ...), "Directory occasionally
// returns version errors on deletes if an object was updated at the same
// time"). A DELETE sends no version, so the clash is Genesys's own and the
// identical request can succeed. When the budget runs out the last answer
// is returned.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, call{method: http.MethodDelete, endpoint: "DELETE /api/v2/users/{id}", path: userPath(id),
		repeatable: true, doneOnRepeat: isNotFoundAPI, retryOn: isVersionMismatchAPI})
}

// SearchUsers runs POST /api/v2/users/search. A search changes nothing, so
// it is repeated like a GET. With no hits Results is nil. A request that
// breaks the published search limits (pageSize 1..100, pageSize ×
// pageNumber at most 10,000, at most 50 values in a criterion, at most 300
// characters in a value) is refused before any call with a *LimitError.
func (c *Client) SearchUsers(ctx context.Context, req SearchRequest) (*SearchResponse, error) {
	const endpoint = "POST /api/v2/users/search"
	if err := checkSearch(endpoint, &req); err != nil {
		return nil, err
	}
	// Room for a full page up front: decoding into spare capacity is what
	// growing would give, without the copies.
	out := SearchResponse{Results: make([]User, 0, req.PageSize)}
	err := c.do(ctx, call{method: http.MethodPost, endpoint: endpoint, path: usersPath + "/search", body: req, out: &out, repeatable: true})
	if err != nil {
		return nil, err
	}
	if len(out.Results) == 0 {
		out.Results = nil // no hits, whether results was absent or empty
	}
	return &out, nil
}

// isNotFoundAPI adapts IsNotFound to call.doneOnRepeat.
func isNotFoundAPI(e *APIError) bool { return IsNotFound(e) }

// isConflictAPI recognises "it exists already" for the calls that send no
// version (an external id, a queue member): general.conflict, or any 409,
// which for them cannot be a version clash.
func isConflictAPI(e *APIError) bool { return IsConflict(e) || e.Status == http.StatusConflict }

// MoveToDivision puts users in a division
// (POST /api/v2/authorization/divisions/{id}/objects/USER, SDK
// post_authorization_division_object, body the JSON array of user ids; the
// Terraform provider's util.UpdateObjectDivision in
// genesyscloud/util/util_divisions.go). Neither documents a limit on the
// ids, so they go in one call. Moving a user to the division it is in
// changes nothing, so the call is repeated like a GET. No ids make no call.
//
// A restore (PATCH state active on a deleted user) lands the user in the
// home division: a caller that wants another one moves the user after it.
func (c *Client) MoveToDivision(ctx context.Context, divisionID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	return c.do(ctx, call{method: http.MethodPost, endpoint: "POST /api/v2/authorization/divisions/{id}/objects/USER",
		path: "/api/v2/authorization/divisions/" + url.PathEscape(divisionID) + "/objects/USER", body: userIDs, repeatable: true})
}
