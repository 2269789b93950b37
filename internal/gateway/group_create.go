package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// CreateGroup implements POST /Groups: the Genesys group of that name is
// created (POST /api/v2/groups), its externalId stored, its members added,
// and their routing reconciled. A name another group holds (compared
// case-insensitively) is 409 uniqueness: Entra ID looks groups up by
// displayName first and adopts the one it finds. Members that are not
// Genesys users are 400 before anything is written.
func (g *groupOps) CreateGroup(ctx context.Context, sg *scim.Group) (*scim.Group, error) {
	name := strings.TrimSpace(sg.DisplayName)
	out, added, err := g.createGroup(ctx, name, sg.ExternalID, memberValues(sg.Members))
	if err != nil {
		return nil, g.groupFailed(ctx, "", name, err)
	}
	ev := groupEvent(audit.GroupCreated, audit.Success, http.StatusCreated, out.ID, name)
	ev.MembersAdded = added
	g.record(ctx, ev)
	return out, nil
}

func (g *groupOps) createGroup(ctx context.Context, name, externalID string, ids []string) (*scim.Group, int, error) {
	users, err := g.checkMembers(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	unlock, err := g.lockGroupName(ctx, name)
	if err != nil {
		return nil, 0, err
	}
	defer unlock()

	created, err := g.findOrCreate(ctx, name)
	if err != nil {
		return nil, 0, err
	}
	rg := g.rememberGroup(name, created.ID)
	if err := g.groupExternalIDs.set(ctx, created.ID, externalID); err != nil {
		return nil, 0, groupIncomplete("the group was created but its externalId could not be stored; retry the same request", err)
	}
	var add []string
	for _, id := range ids {
		if !inGroup(users[id], created.ID) {
			add = append(add, id)
		}
	}
	if err := g.apply(ctx, &groupWrite{id: created.ID, version: created.Version, oldName: created.Name, newName: created.Name, add: add}); err != nil {
		return nil, 0, groupIncomplete("the group was created but its members were not all added; retry the same request", err)
	}
	rg.complete.Store(true)
	members := make([]genesys.User, 0, len(ids))
	for _, id := range ids {
		members = append(members, *users[id])
	}
	version := created.Version
	if len(add) > 0 {
		// Each membership write moved the version; read what it is now.
		if cur, err := g.cfg.Client.GetGroup(ctx, created.ID); err == nil {
			version = cur.Version
		}
	}
	return groupToSCIM(created.ID, created.Name, version, externalID, members), len(add), nil
}

// findOrCreate creates the group, unless a group of that name exists: then
// it is the group this process created moments ago for the identical
// request (which failed after the create and is finished now), or the name
// is taken (409).
func (g *core) findOrCreate(ctx context.Context, name string) (*genesys.Group, error) {
	taken, err := g.nameTaken(ctx, name, "")
	if err != nil {
		return nil, err
	}
	if taken != nil {
		if v, ok := g.shared.recentGroups.Get(GroupKey(name)); ok {
			if rg := v.(*recentGroup); rg.ID == taken.ID && !rg.complete.Load() {
				return &genesys.Group{ID: taken.ID, Name: taken.Name, Version: taken.Version}, nil
			}
		}
		return nil, groupNameTaken(name)
	}
	return g.createGroupNamed(ctx, name)
}

// createGroupNamed creates the Genesys group (POST /api/v2/groups) under
// the name's lock, the name known to be free. A create whose outcome is
// unknown is settled by listing the groups again, never by creating a
// second one blindly.
func (g *core) createGroupNamed(ctx context.Context, name string) (*genesys.Group, error) {
	created, err := g.cfg.Client.CreateGroup(ctx, name)
	if errors.Is(err, genesys.ErrOutcomeUnknown) {
		taken, lerr := g.nameTaken(ctx, name, "")
		if lerr != nil || taken == nil {
			return nil, unavailable("Genesys Cloud did not confirm the group's create; retry", err)
		}
		created = &genesys.Group{ID: taken.ID, Name: taken.Name, Version: taken.Version}
	} else if err != nil {
		return nil, err
	}
	g.shared.groups.apply(localChange{g: indexedGroup{ID: strings.Clone(created.ID), Name: strings.Clone(created.Name), Version: created.Version}})
	return created, nil
}

// rememberGroup records a group created (or found for a retried create)
// just now under its name.
func (g *core) rememberGroup(name, id string) *recentGroup {
	if v, ok := g.shared.recentGroups.Get(GroupKey(name)); ok {
		if rg := v.(*recentGroup); rg.ID == id {
			return rg
		}
	}
	rg := &recentGroup{ID: strings.Clone(id)}
	g.shared.recentGroups.SetDefault(GroupKey(name), rg)
	return rg
}
