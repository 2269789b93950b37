package gateway

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// buildFunc computes what a user should hold from its current Genesys state
// and external id. It only validates: it must not write.
type buildFunc func(cur *genesys.User, externalID string) (*profile, error)

// writeUser is the update path shared by PUT and PATCH. Everything is
// validated before the first upstream write: the profile, the routing names,
// and that a new external id is free. Then: PATCH the
// changed fields with the current version, then the state on its own (a
// second PATCH), then the external id, then routing. On a stale version it
// re-reads and rebuilds (a PATCH is re-applied to the new current state),
// a few times; with If-Match set a changed version is 412 instead. Every
// step compares against the current state, so when a later write fails the
// caller gets an error and the identical retry converges.
func (g *userOps) writeUser(ctx context.Context, id string, pre scim.Precondition, build buildFunc) (*scim.User, error) {
	w, err := g.write(ctx, id, pre, build)
	if err != nil {
		err = upstreamUserError(err, id)
		ev := audit.Event{Name: audit.UserUpdated, Outcome: audit.Failed, Status: statusOf(err),
			GenesysID: id, Error: auditText(err)}
		if w != nil {
			ev.Email = w.prof.Email
		}
		g.record(ctx, ev)
		return nil, err
	}
	event := audit.UserUpdated
	if w.before == genesys.StateActive && w.user.State == genesys.StateInactive {
		event = audit.UserDeactivated
	}
	g.record(ctx, audit.Event{Name: event, Outcome: audit.Success, Status: http.StatusOK,
		GenesysID: id, Email: w.user.Email})
	w.user.Groups = w.groups
	out := userToSCIM(w.user, w.prof.ExternalID)
	out.Groups = g.userGroups(ctx, w.user)
	return out, nil
}

// written is the outcome of write: the user as Genesys now holds it, its
// state before, the profile applied, and the user's groups.
type written struct {
	user   *genesys.User
	before string
	prof   *profile
	groups []genesys.Ref
}

func (g *userOps) write(ctx context.Context, id string, pre scim.Precondition, build buildFunc) (*written, error) {
	var (
		in      *routingIntent
		checked string // the new external id already checked free
		w       *written
		// pending is the reconciliation a reactivation needs, stored
		// before the state PATCH: once the user is active, the identical
		// retry of a request that failed after it is no reactivation and
		// would never queue it.
		pending *pendingReconcile
	)
	defer func() {
		if pending != nil {
			pending.release(ctx)
		}
	}()
	for attempt := 0; ; attempt++ {
		cur, err := g.readUser(ctx, id)
		if err != nil {
			return w, err
		}
		if !pre.Allows(versionString(cur.Version)) {
			return w, preconditionFailed(id)
		}
		ext, err := g.externalIDFor(ctx, cur.ID)
		if err != nil {
			return w, err
		}
		prof, err := build(cur, ext)
		if err != nil {
			return w, err
		}
		w = &written{user: cur, before: cur.State, prof: prof, groups: cur.Groups}
		if in == nil {
			if in, err = g.resolveIntent(ctx, prof); err != nil {
				if isConfigError(err) {
					g.record(ctx, audit.Event{Name: audit.RoutingError, Outcome: audit.Failed,
						GenesysID: id, Email: prof.Email, Error: auditText(err)})
				}
				return w, err
			}
		}
		if prof.ExternalID != ext && prof.ExternalID != "" && prof.ExternalID != checked {
			if err := g.externalIDFree(ctx, id, prof.ExternalID); err != nil {
				return w, err
			}
			checked = prof.ExternalID
		}
		// A manager Genesys does not know would fail the field PATCH:
		// refuse it before the first write.
		if prof.ManagerID != "" && (cur.Manager == nil || cur.Manager.ID != prof.ManagerID) {
			if err := g.checkManager(ctx, prof.ManagerID); err != nil {
				return w, err
			}
		}
		if err := g.joinGroups(ctx, in, prof); err != nil {
			return w, err
		}

		// First write: the fields. Second: the state, on its own.
		if upd, ok := fieldChanges(cur, prof); ok {
			if retry, err := g.patch(ctx, w, upd, pre, attempt); retry {
				continue
			} else if err != nil {
				return w, err
			}
		}
		if state := wantState(prof, w.user.State); state != "" {
			if state == genesys.StateActive && pending == nil {
				if pending, err = g.reconcile.schedule(ctx, []string{id}, nil, true); err != nil {
					return w, err
				}
			}
			if retry, err := g.patch(ctx, w, genesys.UpdateUser{State: state}, pre, attempt); retry {
				continue
			} else if err != nil {
				return w, err
			}
		}
		if err := g.replaceExternalID(ctx, id, ext, prof.ExternalID); err != nil {
			return w, err
		}
		// Superseding pending work: the outbox can hold a create's
		// unfinished steps for this user. This write has just set the
		// external id and manager to the caller's current word, so those
		// queued steps are stale and must not replay over it. A write
		// without groups or purecloud routing says nothing about routing,
		// so the create's routing must still complete (a deactivated user
		// keeps its routing too); only a write that restates routing itself
		// supersedes it: cancel, then apply the extension's routing
		// directly and join the groups' blocks, whose routing follows by
		// reconciliation (also after a reactivation).
		g.steps.cancel(ctx, id, stepExternalID, stepManager)
		if !in.all.empty() {
			g.steps.cancel(ctx, id, stepSkills, stepLanguages, stepQueue)
		}
		joins := in.memberSteps(cur, prof.Email)
		reactivated := w.before != genesys.StateActive && w.user.State == genesys.StateActive
		steps := append(in.ext.steps(id, prof.Email), joins...)
		if len(steps) > 0 || reactivated {
			reconcile := (len(in.groups) > 0 || reactivated) && pending == nil
			if _, err := g.runRouting(ctx, id, prof.Email, steps, reconcile); err != nil {
				return w, err
			}
		}
		for _, s := range joins {
			w.groups = append(w.groups, genesys.Ref{ID: s.GroupID})
		}
		return w, nil
	}
}

// patch applies upd at w.user's version and keeps the answer in w.user. A
// version race asks the caller to re-read and rebuild (retry), a few times,
// or is 412 when the caller pinned a version with If-Match.
//
// Genesys answers a stale version with 409 (or 408, or a 400 saying so),
// and its code can be general.conflict, the code of a duplicate email too
// (the Terraform provider's util.IsVersionMismatch): the code cannot tell
// them apart. A PATCH that does not change the email cannot be a duplicate;
// for one that does, the user is read again: a version that moved means a
// race, one that did not means another user holds the email (409
// uniqueness).
func (g *userOps) patch(ctx context.Context, w *written, upd genesys.UpdateUser, pre scim.Precondition, attempt int) (retry bool, _ error) {
	upd.Version = w.user.Version
	u, err := g.cfg.Client.PatchUser(ctx, w.user.ID, upd)
	if err == nil {
		w.user = u
		return false, nil
	}
	if upd.Email != nil && genesys.IsConflict(err) {
		cur, rerr := g.readUser(ctx, w.user.ID)
		if rerr != nil {
			return false, rerr
		}
		if cur.Version == w.user.Version {
			return false, emailTaken(*upd.Email)
		}
	} else if !genesys.IsVersionMismatch(err) {
		return false, err
	}
	switch {
	case len(pre.IfMatch) > 0 && !pre.Any:
		return false, preconditionFailed(w.user.ID)
	case attempt >= maxVersionRetries:
		return false, concurrentlyModified(err)
	}
	return true, nil
}

// wantState is the state prof asks for when it differs from current; "" for
// no change (active not stated, or already so).
func wantState(prof *profile, current string) string {
	if prof.Active == nil {
		return ""
	}
	want := genesys.StateInactive
	if *prof.Active {
		want = genesys.StateActive
	}
	if want == current {
		return ""
	}
	return want
}

// fieldChanges is the PATCH body (without version) that brings cur's mapped
// fields to prof; ok is false when nothing differs. Addresses this product
// does not map (SMS, PHONE WORK2...) are kept.
func fieldChanges(cur *genesys.User, prof *profile) (upd genesys.UpdateUser, ok bool) {
	set := func(dst **string, want, have string) {
		if want != have {
			v := want
			*dst, ok = &v, true
		}
	}
	set(&upd.Name, prof.Name, cur.Name)
	if !sameAddress(prof.Email, cur.Email) {
		set(&upd.Email, prof.Email, cur.Email)
	}
	set(&upd.Title, prof.Title, cur.Title)
	set(&upd.Department, prof.Department, cur.Department)
	manager := ""
	if cur.Manager != nil {
		manager = cur.Manager.ID
	}
	set(&upd.Manager, prof.ManagerID, manager)

	var kept, managed []genesys.Contact
	for _, c := range cur.Addresses {
		if isMapped(c) {
			managed = append(managed, c)
		} else {
			kept = append(kept, c)
		}
	}
	want := prof.addresses()
	if !sameContacts(managed, want) {
		all := append(kept, want...)
		upd.Addresses, ok = &all, true
	}
	return upd, ok
}

// isMapped reports whether a Genesys address is one this product maps: the
// work email and the work, mobile and home phones.
func isMapped(c genesys.Contact) bool {
	switch c.MediaType {
	case genesys.MediaEmail:
		return c.Type == genesys.ContactWork
	case genesys.MediaPhone:
		return scimPhoneType(c.Type) != ""
	}
	return false
}

// sameContacts compares address lists by (mediaType, type, address),
// ignoring order and what Genesys adds (display).
func sameContacts(a, b []genesys.Contact) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(c genesys.Contact) string {
		return c.MediaType + "\x00" + c.Type + "\x00" + normaliseAddress(c.Address) + "\x00" + c.Extension
	}
	ka := make([]string, len(a))
	kb := make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = key(a[i]), key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// externalIDFree checks, before any write, that no user other than id holds
// key under the configured authority: a taken external id is 409
// uniqueness.
func (g *userOps) externalIDFree(ctx context.Context, id, key string) error {
	holder, err := g.externalIDHolder(ctx, key)
	if err != nil {
		return err
	}
	if holder != nil && holder.ID != id {
		return externalIDTaken()
	}
	return nil
}

// externalIDHolder is the active or inactive user holding key under the
// configured authority (GET /api/v2/users/externalid/{authorityName}/{externalKey}),
// nil when none does.
func (g *userOps) externalIDHolder(ctx context.Context, key string) (*genesys.User, error) {
	holder, err := g.cfg.Client.GetUserByExternalID(ctx, g.cfg.ExternalIDAuthority, key)
	switch {
	case isAbsent(err):
		return nil, nil
	case err != nil:
		return nil, err
	case holder.State == genesys.StateDeleted:
		return nil, nil
	}
	return holder, nil
}

// replaceExternalID moves the user's external id from old to key: the old
// mapping is removed (a mapping already gone is fine), the new one set, and
// Shared told.
func (g *userOps) replaceExternalID(ctx context.Context, id, old, key string) error {
	if old == key {
		return nil
	}
	g.forgetExternalID(id)
	if old != "" {
		if err := g.cfg.Client.DeleteExternalID(ctx, id, g.cfg.ExternalIDAuthority, old); err != nil && !genesys.IsNotFound(err) {
			return err
		}
	}
	if key != "" {
		if err := g.cfg.Client.SetExternalID(ctx, id, g.cfg.ExternalIDAuthority, key); err != nil {
			if genesys.IsConflict(err) { // taken since externalIDFree looked
				return externalIDTaken()
			}
			return err
		}
	}
	g.rememberExternalID(id, key)
	return nil
}

func versionString(v genesys.Version) string { return strconv.Itoa(int(v)) }
