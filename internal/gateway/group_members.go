package gateway

import (
	"context"
	"net/http"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// Group membership in Genesys: members are added 50 per call with the
// group's current version (POST /api/v2/groups/{groupId}/members,
// GroupMembersUpdate) and removed 50 per call without one
// (DELETE /api/v2/groups/{groupId}/members?ids=), and read 100 per page
// (GET /api/v2/groups/{groupId}/members).
const (
	// maxMemberChange bounds the members one request may add or remove.
	maxMemberChange = 10000
	// maxMembersRead bounds the members one request reads (100 pages).
	maxMembersRead = 10000
	memberPageSize = 100
)

// addMembers adds ids to the group, 50 a call. The first call uses version
// (0: read it first); each later one the version the previous write left,
// one higher (a membership write moves the version by one). A version
// answer, which Genesys gives when that guess or the read is stale, reads
// the group again and repeats the call, a few times.
func (c *core) addMembers(ctx context.Context, groupID string, version genesys.Version, ids []string) error {
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 50)]
		for attempt := 0; ; attempt++ {
			if version == 0 {
				g, err := c.cfg.Client.GetGroup(ctx, groupID)
				if err != nil {
					return err
				}
				if g.State == genesys.StateDeleted {
					return groupGone(groupID)
				}
				version = g.Version
			}
			err := c.cfg.Client.AddGroupMembers(ctx, groupID, version, chunk)
			if err == nil {
				version++
				break
			}
			if !genesys.IsVersionMismatch(err) || attempt >= maxVersionRetries {
				return err
			}
			version = 0
		}
		ids = ids[len(chunk):]
	}
	return nil
}

// removeMembers removes ids from the group (50 a call, in the client).
func (c *core) removeMembers(ctx context.Context, groupID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return c.cfg.Client.RemoveGroupMembers(ctx, groupID, ids)
}

// members reads the group's members, at most maxMembersRead of them (a
// larger group is 400 tooMany: the caller can leave members out).
func (c *core) members(ctx context.Context, groupID string) ([]genesys.User, error) {
	var out []genesys.User
	for page := 1; ; page++ {
		p, err := c.cfg.Client.GroupMembers(ctx, groupID, memberPageSize, page)
		if err != nil {
			return nil, err
		}
		for _, u := range p.Entities {
			if u.ID != "" && u.State != genesys.StateDeleted {
				out = append(out, u)
			}
		}
		if len(p.Entities) < memberPageSize || (p.PageCount > 0 && page >= p.PageCount) {
			return out, nil
		}
		if page*memberPageSize >= maxMembersRead {
			return nil, scim.Errorf(http.StatusBadRequest, scim.TooMany,
				"the group has more than %d members; leave members out (excludedAttributes=members)", maxMembersRead)
		}
	}
}

// memberIDs is the ids of users.
func memberIDs(users []genesys.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

// usersByID reads the users ids name, with their groups, 100 a call
// (GET /api/v2/users?id=...): active and inactive ones are returned by id;
// unknown and deleted ids are absent.
func (c *core) usersByID(ctx context.Context, ids []string) (map[string]*genesys.User, error) {
	out := make(map[string]*genesys.User, len(ids))
	var valid []string
	for _, id := range ids {
		if isGenesysID(id) {
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return out, nil
	}
	users, err := c.cfg.Client.GetUsersByID(ctx, valid, expandGroups)
	if err != nil {
		return nil, err
	}
	for i := range users {
		if u := &users[i]; u.ID != "" && u.State != genesys.StateDeleted {
			out[u.ID] = u
		}
	}
	return out, nil
}

// inGroup reports whether u's groups (expand=groups) include groupID.
func inGroup(u *genesys.User, groupID string) bool {
	for _, g := range u.Groups {
		if g.ID == groupID {
			return true
		}
	}
	return false
}

// groupGone is the 404 for a group deleted meanwhile.
func groupGone(id string) *scim.Error {
	return scim.Errorf(http.StatusNotFound, "", "Group %q not found", id)
}
