package gateway

import (
	"context"
	"strings"

	"github.com/caddyscim/caddyscim/internal/genesys"
)

// groupWrite is one change of a Genesys group, validated: a rename and the
// members to add and remove. The writes are made in that order, and
// routing follows: the reconciliation of every user the change touches is
// stored before the first write (due only after the request's deadline, so
// it runs even if the process stops halfway) and made due once the writes
// are done, whether they all succeeded or not (it reconciles whatever
// membership there then is).
type groupWrite struct {
	id      string
	version genesys.Version // the group's version, 0: read it when needed
	oldName string
	newName string // == oldName: no rename
	add     []string
	remove  []string
	// members are the current members, when the rename moves the group in
	// or out of a group block (their routing changes too); nil otherwise.
	members []string
}

// routingChanges reports whether the change can move anyone's routing: a
// group block matches the group's name, before or after.
func (c *core) routingChanges(w *groupWrite) bool {
	return c.configuredGroup(w.oldName) || c.configuredGroup(w.newName)
}

// renameMovesBlock reports whether a rename changes which group block (if
// any) the group's name matches: then every member's routing changes.
func (c *core) renameMovesBlock(oldName, newName string) bool {
	return c.blocks[GroupKey(oldName)] != c.blocks[GroupKey(newName)]
}

// apply makes the writes of w.
func (c *core) apply(ctx context.Context, w *groupWrite) error {
	if c.routingChanges(w) {
		touched := append(append(append([]string(nil), w.add...), w.remove...), w.members...)
		pending, err := c.reconcile.schedule(ctx, touched, c.queuesOf(w.oldName, w.newName), false)
		if err != nil {
			return err
		}
		defer pending.release(ctx)
	}
	if w.newName != w.oldName {
		if err := c.renameGroup(ctx, w); err != nil {
			return err
		}
	}
	if err := c.addMembers(ctx, w.id, w.version, w.add); err != nil {
		return err
	}
	return c.removeMembers(ctx, w.id, w.remove)
}

// renameGroup renames the group (PUT /api/v2/groups/{groupId}, with its
// version, re-read and retried on a version answer). The PUT carries the
// group's visibility, as the Terraform provider's update does, since
// whether Genesys keeps a field a PUT leaves out is not documented.
func (c *core) renameGroup(ctx context.Context, w *groupWrite) error {
	for attempt := 0; ; attempt++ {
		cur, err := c.cfg.Client.GetGroup(ctx, w.id)
		if err != nil {
			return err
		}
		if cur.State == genesys.StateDeleted {
			return groupGone(w.id)
		}
		name := w.newName
		upd := genesys.UpdateGroup{Version: cur.Version, Name: &name, Visibility: cur.Visibility}
		if cur.Description != "" {
			upd.Description = &cur.Description
		}
		renamed, err := c.cfg.Client.UpdateGroup(ctx, w.id, upd)
		if err == nil {
			w.version = renamed.Version
			c.shared.groups.apply(localChange{g: indexedGroup{ID: strings.Clone(w.id), Name: strings.Clone(name), Version: renamed.Version}})
			return nil
		}
		if !genesys.IsVersionMismatch(err) || attempt >= maxVersionRetries {
			return err
		}
	}
}
