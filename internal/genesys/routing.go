package genesys

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Lookup paging: the API's page size for routing lookups, and a bound on the
// pages read for one name (a prefix shared by 10,000 entities is a
// misconfiguration, not a reason to loop on).
const (
	lookupPageSize = 100
	lookupMaxPages = 100
)

// Bulk limits: "Max 50 routing languages in request body" (SDK
// patch_user_routinglanguages_bulk), the same 50 for skills (the Terraform
// provider's genesyscloud/user/resource_genesyscloud_user_utils.go: "Bulk API
// restricts skills adds to 50 per call"), and "Bulk add or delete up to 100
// queue members" (SDK post_routing_queue_members).
const (
	routingBulkMax  = 50  // routingskills/bulk, routinglanguages/bulk
	queueMembersMax = 100 // routing/queues/{id}/members
)

// FindSkill returns the skill whose name equals name exactly
// (GET /api/v2/routing/skills?name= is a prefix match; the exact match is
// picked client-side, across pages). Not found: (nil, nil).
func (c *Client) FindSkill(ctx context.Context, name string) (*NamedEntity, error) {
	return c.findByName(ctx, "/api/v2/routing/skills", name)
}

// FindLanguage is FindSkill for GET /api/v2/routing/languages.
func (c *Client) FindLanguage(ctx context.Context, name string) (*NamedEntity, error) {
	return c.findByName(ctx, "/api/v2/routing/languages", name)
}

// FindQueue is FindSkill for GET /api/v2/routing/queues.
func (c *Client) FindQueue(ctx context.Context, name string) (*NamedEntity, error) {
	return c.findByName(ctx, "/api/v2/routing/queues", name)
}

// namedListing is the entity listing the routing lookups answer with.
type namedListing struct {
	Entities  []NamedEntity `json:"entities"`
	PageCount int           `json:"pageCount"`
}

// findByName pages through a routing lookup filtered by name (a prefix or
// wildcard match upstream) and returns the entity whose name matches
// exactly, case included, as Genesys's own SCIM matches names. Deleted
// entities are skipped.
func (c *Client) findByName(ctx context.Context, path, name string) (*NamedEntity, error) {
	for page := 1; page <= lookupMaxPages; page++ {
		q := url.Values{}
		q.Set("name", name)
		q.Set("pageSize", strconv.Itoa(lookupPageSize))
		q.Set("pageNumber", strconv.Itoa(page))
		var l namedListing
		if err := c.do(ctx, call{method: http.MethodGet, endpoint: "GET " + path, path: path, query: q, out: &l, repeatable: true}); err != nil {
			return nil, err
		}
		for _, e := range l.Entities {
			if e.Name == name && e.State != StateDeleted {
				return &e, nil
			}
		}
		if len(l.Entities) < lookupPageSize || (l.PageCount > 0 && page >= l.PageCount) {
			return nil, nil
		}
	}
	return nil, nil
}

// AddUserSkills adds or updates skills (PATCH /api/v2/users/{id}/routingskills/bulk),
// 50 per call. Each PATCH sets absolute proficiencies, so it is safe to
// repeat.
func (c *Client) AddUserSkills(ctx context.Context, userID string, skills []Proficiency) error {
	return c.patchProficiencies(ctx, "PATCH /api/v2/users/{id}/routingskills/bulk", userPath(userID)+"/routingskills/bulk", skills)
}

// AddUserLanguages adds or updates languages
// (PATCH /api/v2/users/{id}/routinglanguages/bulk), 50 per call.
func (c *Client) AddUserLanguages(ctx context.Context, userID string, langs []Proficiency) error {
	return c.patchProficiencies(ctx, "PATCH /api/v2/users/{id}/routinglanguages/bulk", userPath(userID)+"/routinglanguages/bulk", langs)
}

func (c *Client) patchProficiencies(ctx context.Context, endpoint, path string, items []Proficiency) error {
	return inChunks(items, routingBulkMax, func(chunk []Proficiency) error {
		return c.do(ctx, call{method: http.MethodPatch, endpoint: endpoint, path: path, body: chunk, repeatable: true})
	})
}

// RemoveUserSkill takes a skill from a user
// (DELETE /api/v2/users/{id}/routingskills/{skillId}, SDK
// delete_user_routingskill, 204). It is repeated after a 5xx or connection
// error, and a repeat that answers not found is done; a first answer of not
// found (the user never had the skill) is returned (IsNotFound).
func (c *Client) RemoveUserSkill(ctx context.Context, userID, skillID string) error {
	return c.do(ctx, call{method: http.MethodDelete, endpoint: "DELETE /api/v2/users/{id}/routingskills/{skillId}",
		path: userPath(userID) + "/routingskills/" + url.PathEscape(skillID), repeatable: true, doneOnRepeat: isNotFoundAPI})
}

// RemoveUserLanguage is RemoveUserSkill for a language
// (DELETE /api/v2/users/{id}/routinglanguages/{languageId}, SDK
// delete_user_routinglanguage).
func (c *Client) RemoveUserLanguage(ctx context.Context, userID, languageID string) error {
	return c.do(ctx, call{method: http.MethodDelete, endpoint: "DELETE /api/v2/users/{id}/routinglanguages/{languageId}",
		path: userPath(userID) + "/routinglanguages/" + url.PathEscape(languageID), repeatable: true, doneOnRepeat: isNotFoundAPI})
}

// queueMember is the element of the queue members body (SDK model
// WritableEntity).
type queueMember struct {
	ID string `json:"id"`
}

// queueMembersBody is the body of POST /api/v2/routing/queues/{id}/members.
func queueMembersBody(userIDs []string) []queueMember {
	body := make([]queueMember, len(userIDs))
	for i, id := range userIDs {
		body[i] = queueMember{ID: id}
	}
	return body
}

func queueMembersPath(queueID string) string {
	return "/api/v2/routing/queues/" + url.PathEscape(queueID) + "/members"
}

// AddQueueMembers adds users to a queue (POST /api/v2/routing/queues/{id}/members),
// 100 per call. Adding an existing member is not an error: a conflict answer
// counts as done, so the POST is also safe to repeat.
func (c *Client) AddQueueMembers(ctx context.Context, queueID string, userIDs []string) error {
	path := queueMembersPath(queueID)
	return inChunks(userIDs, queueMembersMax, func(chunk []string) error {
		err := c.do(ctx, call{method: http.MethodPost, endpoint: "POST /api/v2/routing/queues/{id}/members", path: path, body: queueMembersBody(chunk), repeatable: true})
		if e, ok := AsAPIError(err); ok && isConflictAPI(e) {
			return nil
		}
		return err
	})
}

// RemoveQueueMembers takes users out of a queue
// (POST /api/v2/routing/queues/{id}/members?delete=true, SDK
// post_routing_queue_members with delete true), 100 per call, stopping at
// the first failing call. Removing a user twice leaves the same queue, so
// each call is repeated after a 5xx or connection error. No ids make no
// call.
func (c *Client) RemoveQueueMembers(ctx context.Context, queueID string, userIDs []string) error {
	path := queueMembersPath(queueID)
	return inChunks(userIDs, queueMembersMax, func(chunk []string) error {
		return c.do(ctx, call{method: http.MethodPost, endpoint: "POST /api/v2/routing/queues/{id}/members?delete=true", path: path,
			query: url.Values{"delete": {"true"}}, body: queueMembersBody(chunk), repeatable: true})
	})
}

// inChunks calls fn with consecutive slices of at most size items, stopping
// at the first error. An empty list makes no call.
func inChunks[T any](items []T, size int, fn func([]T) error) error {
	for len(items) > 0 {
		n := min(size, len(items))
		if err := fn(items[:n]); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}
