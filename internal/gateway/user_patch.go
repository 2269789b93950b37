package gateway

import (
	"context"
	"strings"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// PatchUser implements PATCH /Users/{id} (RFC 7644 section 3.5.2): the operations
// are applied, all or nothing, to the current resource as this gateway
// renders it; the result is validated like a PUT body and only what changed
// is written, as for PUT (fields, then the state on its own). Deactivation
// (active false) sets the state inactive and keeps the user readable,
// listable and routed; reactivation sets it active. Groups or purecloud
// routing values the PATCH adds are applied (routing only ever adds).
func (g *userOps) PatchUser(ctx context.Context, id string, p *scim.Patch, pre scim.Precondition) (*scim.User, error) {
	return g.writeUser(ctx, id, pre, func(cur *genesys.User, ext string) (*profile, error) {
		before := userToSCIM(cur, ext)
		before.Groups = g.userGroups(ctx, cur)
		next, err := p.ApplyTo(before)
		if err != nil {
			return nil, err
		}
		settleName(before, next)
		followUserName(before, next)
		return profileFromSCIM(next)
	})
}

// settleName decides the one Genesys name a PATCH asks for, in
// name.formatted (which the mapping reads first): a changed name.formatted
// wins; else changed name parts give "givenName familyName" (Entra patches
// name.familyName alone and expects the full name recomputed); else a
// changed displayName is the name. Otherwise the name stays.
func settleName(before, next *scim.User) {
	switch {
	case next.Name.Formatted != before.Name.Formatted:
	case next.Name.GivenName != before.Name.GivenName || next.Name.FamilyName != before.Name.FamilyName:
		next.Name.Formatted = strings.TrimSpace(strings.TrimSpace(next.Name.GivenName) + " " + strings.TrimSpace(next.Name.FamilyName))
	case next.DisplayName != before.DisplayName:
		next.Name.Formatted = next.DisplayName
	}
}

// followUserName keeps the rendered email entry that mirrors the userName in
// step with a changed userName. Without it, a PATCH of userName alone would
// leave the old address in the work-typed entry, which the work-email rule
// would then store as a separate work address.
func followUserName(before, next *scim.User) {
	if sameAddress(next.UserName, before.UserName) || normaliseAddress(next.UserName) == "" {
		return
	}
	for i, e := range next.Emails {
		if sameAddress(e.Value, before.UserName) {
			next.Emails[i].Value = next.UserName
		}
	}
}
