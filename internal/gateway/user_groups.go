package gateway

import (
	"context"
	"slices"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// A User's groups (RFC 7643 section 4.1.2 makes them read-only; custom
// clients send them, Entra ID and Okta use /Groups): each one a group
// block matches becomes membership of that block's Genesys group (created
// on first use), adds only, and the routing follows by reconciliation as
// for any membership change, so another group's higher proficiency is
// never lowered. Names no block matches are not acted on.

// expandGroups asks Genesys for a user's groups (ids) with the user.
const expandGroups = "groups"

// routingIntent is what a create or an update asks of a user's routing:
// the plan of its group blocks and purecloud extension together, applied
// directly to a user created just now (who belongs to no other group); the
// extension's plan alone, applied directly to a user who may belong to
// other groups (the blocks' part then follows by reconciliation); and the
// Genesys groups of the blocks named, which the user joins.
type routingIntent struct {
	all, ext *routingPlan
	groups   []indexedGroup
	joined   bool // groups resolved (joinGroups)
}

// resolveIntent resolves p's routing names before anything is written. The
// Genesys groups its groups name come later (joinGroups): finding one may
// create it.
func (c *core) resolveIntent(ctx context.Context, p *profile) (*routingIntent, error) {
	all, err := c.resolveRouting(ctx, p.Groups, p.Skills, p.Languages)
	if err != nil {
		return nil, err
	}
	ext, err := c.resolveRouting(ctx, nil, p.Skills, p.Languages) // names cached by the call above
	if err != nil {
		return nil, err
	}
	return &routingIntent{all: all, ext: ext}, nil
}

// joinGroups resolves into in the Genesys groups of the blocks p's groups
// name, creating a block's group that does not exist yet. It runs once the
// request has passed every check that can refuse it: a refused request
// (an unknown manager, an externalId held by another user) creates no
// group.
func (c *core) joinGroups(ctx context.Context, in *routingIntent, p *profile) error {
	if in.joined {
		return nil
	}
	groups, err := c.blockGroups(ctx, p.Groups)
	if err != nil {
		return upstreamError(err)
	}
	in.groups, in.joined = groups, true
	return nil
}

// memberSteps are the membership writes for the groups of in that u is
// not in yet (u read with expand=groups; a user read without it joins them
// all, which Genesys takes as a no-op for a member).
func (in *routingIntent) memberSteps(u *genesys.User, email string) []step {
	var out []step
	for _, gr := range in.groups {
		if !inGroup(u, gr.ID) {
			out = append(out, step{Kind: stepGroupMember, UserID: u.ID, Email: email, GroupID: gr.ID})
		}
	}
	return out
}

// withGroups is held plus the groups of in not among them: a user's groups
// once it joined in's.
func (in *routingIntent) withGroups(held []genesys.Ref) []genesys.Ref {
	out := slices.Clone(held)
	for _, gr := range in.groups {
		if !slices.ContainsFunc(out, func(r genesys.Ref) bool { return r.ID == gr.ID }) {
			out = append(out, genesys.Ref{ID: gr.ID})
		}
	}
	return out
}

// blockGroups returns the Genesys groups of the group blocks refs name (by
// display or value; a value may also be a Genesys group id), each once. A
// block whose Genesys group does not exist yet gets one, created as POST
// /Groups would.
func (c *core) blockGroups(ctx context.Context, refs []scim.GroupRef) ([]indexedGroup, error) {
	if len(c.blocks) == 0 || len(refs) == 0 {
		return nil, nil
	}
	groups, err := c.shared.groups.fresh(ctx, c.cfg.Client, groupIndexTTL)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range refs {
		for _, n := range []string{r.Display, r.Value} {
			if b := c.blocks[GroupKey(n)]; b != nil {
				names = append(names, b.Name)
			} else if gr, ok := groups[n]; ok && c.configuredGroup(gr.Name) {
				names = append(names, gr.Name)
			}
		}
	}
	var out []indexedGroup
	seen := map[string]bool{}
	for _, name := range names {
		if seen[GroupKey(name)] {
			continue
		}
		seen[GroupKey(name)] = true
		gr, err := c.blockGroup(ctx, groups, name)
		if err != nil {
			return nil, err
		}
		out = append(out, gr)
	}
	return out, nil
}

// blockGroup is the Genesys group named name, created if there is none.
func (c *core) blockGroup(ctx context.Context, groups map[string]indexedGroup, name string) (indexedGroup, error) {
	if found := named(groups, name); len(found) > 0 {
		return found[0], nil
	}
	unlock, err := c.lockGroupName(ctx, name)
	if err != nil {
		return indexedGroup{}, err
	}
	defer unlock()
	// A create that held the lock before this one is in the index already.
	if groups, err := c.shared.groups.fresh(ctx, c.cfg.Client, groupIndexTTL); err == nil {
		if found := named(groups, name); len(found) > 0 {
			return found[0], nil
		}
	}
	taken, err := c.nameTaken(ctx, name, "")
	if err != nil {
		return indexedGroup{}, err
	}
	if taken != nil {
		return *taken, nil
	}
	created, err := c.createGroupNamed(ctx, name)
	if err != nil {
		return indexedGroup{}, err
	}
	return indexedGroup{ID: created.ID, Name: created.Name, Version: created.Version}, nil
}

// userGroups renders u's groups (read with expand=groups) as SCIM group
// references, named from the group index; a group the index does not know
// yet is listed by id.
func (c *core) userGroups(ctx context.Context, u *genesys.User) []scim.GroupRef {
	if len(u.Groups) == 0 {
		return nil
	}
	groups, err := c.shared.groups.fresh(ctx, c.cfg.Client, groupIndexTTL)
	if err != nil {
		c.log.Debug("group names unavailable for a user's groups")
	}
	out := make([]scim.GroupRef, 0, len(u.Groups))
	for _, ref := range u.Groups {
		out = append(out, scim.GroupRef{Value: ref.ID, Display: groups[ref.ID].Name})
	}
	return out
}
