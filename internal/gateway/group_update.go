package gateway

import (
	"context"
	"net/http"
	"strings"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// PatchGroup implements PATCH /Groups/{id} (RFC 7644 section 3.5.2): the
// net effect of the operations (Entra ID's and Okta's member adds and
// removes, renames, externalId), validated whole before the first write.
// The answer is 204, as Entra ID expects.
func (g *groupOps) PatchGroup(ctx context.Context, id string, p *scim.GroupPatch, pre scim.Precondition) error {
	ch := groupChange{name: p.DisplayName, externalID: p.ExternalID, replace: p.ReplaceMembers,
		members: p.Members, add: p.Add, remove: p.Remove}
	res, err := g.update(ctx, id, pre, ch, false)
	if err != nil {
		return g.groupFailed(ctx, id, res.name, err)
	}
	g.recordUpdated(ctx, http.StatusNoContent, id, res)
	return nil
}

// ReplaceGroup implements PUT /Groups/{id}: displayName and externalId
// replaced, and the members when the body has them (a PUT without members
// keeps them: RFC 7644 section 3.5.1 lets a provider treat an omitted
// attribute as not asserted, and dropping every member's routing because a
// client left the list out would be the wrong failure).
func (g *groupOps) ReplaceGroup(ctx context.Context, id string, sg *scim.Group, pre scim.Precondition) (*scim.Group, error) {
	name, ext := sg.DisplayName, sg.ExternalID
	ch := groupChange{name: &name, externalID: &ext}
	if sg.Members != nil {
		ch.replace, ch.members = true, memberValues(sg.Members)
	}
	res, err := g.update(ctx, id, pre, ch, true)
	if err != nil {
		return nil, g.groupFailed(ctx, id, res.name, err)
	}
	g.recordUpdated(ctx, http.StatusOK, id, res)
	return groupToSCIM(id, res.name, res.version, res.externalID, res.members), nil
}

// groupChange is what a PATCH or PUT asks of a group.
type groupChange struct {
	name       *string // new displayName
	externalID *string // new externalId ("" removes it)
	replace    bool    // members replaced by members
	members    []string
	add        []string
	remove     []string
}

// groupUpdated is the outcome of update.
type groupUpdated struct {
	name           string
	version        genesys.Version
	externalID     string
	added, removed int
	members        []genesys.User // the members, when the change replaced them
}

func (g *groupOps) recordUpdated(ctx context.Context, status int, id string, res groupUpdated) {
	ev := groupEvent(audit.GroupUpdated, audit.Success, status, id, res.name)
	ev.MembersAdded, ev.MembersRemoved = res.added, res.removed
	g.record(ctx, ev)
}

// update validates ch against the group as Genesys holds it (the new name
// free, every member to add a Genesys user, the If-Match version current),
// then makes the writes (wantVersion: and reads the version they left, for
// an answer that shows it). Members already in the group are not added again
// and non-members not removed, so the identical retry of a change that
// failed halfway converges.
func (g *groupOps) update(ctx context.Context, id string, pre scim.Precondition, ch groupChange, wantVersion bool) (groupUpdated, error) {
	cur, err := g.readGroup(ctx, id)
	if err != nil {
		return groupUpdated{}, err
	}
	res := groupUpdated{name: cur.Name, version: cur.Version}
	if !pre.Allows(versionString(cur.Version)) {
		return res, groupPreconditionFailed(id)
	}
	w := &groupWrite{id: cur.ID, version: cur.Version, oldName: cur.Name, newName: cur.Name}
	if ch.name != nil && strings.TrimSpace(*ch.name) != cur.Name {
		w.newName = strings.TrimSpace(*ch.name)
		unlock, err := g.lockGroupName(ctx, w.newName)
		if err != nil {
			return res, err
		}
		defer unlock()
		taken, err := g.nameTaken(ctx, w.newName, cur.ID)
		if err != nil {
			return res, err
		}
		if taken != nil {
			return res, groupNameTaken(w.newName)
		}
	}

	add, remove := ch.add, ch.remove
	var current []genesys.User
	if ch.replace {
		if current, err = g.members(ctx, cur.ID); err != nil {
			return res, err
		}
		add, remove = membersDiff(memberIDs(current), ch.members)
	}
	if len(add)+len(remove) > maxMemberChange {
		return res, scim.Errorf(http.StatusBadRequest, scim.TooMany, "at most %d members may change in one request", maxMemberChange)
	}
	users, err := g.checkMembers(ctx, add)
	if err != nil {
		return res, err
	}
	for _, uid := range add {
		if !inGroup(users[uid], cur.ID) {
			w.add = append(w.add, uid)
		}
	}
	if ch.replace {
		w.remove = remove
	} else if len(remove) > 0 {
		held, err := g.usersByID(ctx, remove)
		if err != nil {
			return res, upstreamError(err)
		}
		for _, uid := range remove {
			if u := held[uid]; u != nil && inGroup(u, cur.ID) {
				w.remove = append(w.remove, uid)
			}
		}
	}
	if w.newName != w.oldName && g.renameMovesBlock(w.oldName, w.newName) {
		if current == nil {
			if current, err = g.members(ctx, cur.ID); err != nil {
				return res, err
			}
		}
		w.members = memberIDs(current)
	}

	// Validated: now the writes.
	if ch.externalID != nil {
		if err := g.groupExternalIDs.set(ctx, cur.ID, *ch.externalID); err != nil {
			return res, unavailable("the group's externalId could not be stored; retry", err)
		}
	}
	if res.externalID, err = g.groupExternalIDs.get(ctx, cur.ID); err != nil {
		return res, unavailable("the group's externalId could not be read; retry", err)
	}
	if err := g.apply(ctx, w); err != nil {
		return res, groupIncomplete("the group was not completely updated; retry the same request", err)
	}
	res.name, res.added, res.removed = w.newName, len(w.add), len(w.remove)
	res.version = w.version
	if wantVersion && len(w.add)+len(w.remove) > 0 {
		// Membership writes moved the version: read it for the answer.
		if fresh, err := g.cfg.Client.GetGroup(ctx, cur.ID); err == nil {
			res.version = fresh.Version
		}
	}
	if ch.replace {
		res.members = make([]genesys.User, 0, len(ch.members))
		byID := map[string]*genesys.User{}
		for i := range current {
			byID[current[i].ID] = &current[i]
		}
		for _, uid := range ch.members {
			switch {
			case byID[uid] != nil:
				res.members = append(res.members, *byID[uid])
			case users[uid] != nil:
				res.members = append(res.members, *users[uid])
			}
		}
	}
	return res, nil
}

// membersDiff is what turns members have into want: ids to add, ids to
// remove, each in order.
func membersDiff(have, want []string) (add, remove []string) {
	inHave := make(map[string]bool, len(have))
	for _, id := range have {
		inHave[id] = true
	}
	inWant := make(map[string]bool, len(want))
	for _, id := range want {
		inWant[id] = true
		if !inHave[id] {
			add = append(add, id)
		}
	}
	for _, id := range have {
		if !inWant[id] {
			remove = append(remove, id)
		}
	}
	return add, remove
}

// groupPreconditionFailed is the 412 for a stale If-Match on a group.
func groupPreconditionFailed(id string) *scim.Error {
	return scim.Errorf(http.StatusPreconditionFailed, "",
		"Group %q has changed: its version no longer matches If-Match", id)
}
