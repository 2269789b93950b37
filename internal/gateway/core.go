package gateway

import (
	"context"

	"go.uber.org/zap"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/outbox"
)

// core is what the operations share: configuration, the upstream client, the
// state kept across reloads, the configured group blocks, the name resolver
// and the step runner.
type core struct {
	cfg    Config
	shared *Shared
	log    *zap.Logger
	blocks map[string]*GroupRouting // by GroupKey
	names  *nameResolver
	steps  *stepRunner
	// reconcile keeps users' routing what their groups give.
	reconcile *reconciler
	// outbox holds what must still happen (nil without storage): steps of
	// creates and reconciliations.
	outbox *outbox.Outbox
	// groupExternalIDs keeps groups' externalIds in storage.
	groupExternalIDs *groupExternalIDs
}

// runEntry is the outbox's RunFunc: each kind of entry to its owner, on a
// pacing flow of its own (it takes turns with requests).
func (c *core) runEntry(ctx context.Context, e outbox.Entry) error {
	ctx = genesys.WithFlow(ctx)
	if e.Kind == kindReconcile {
		return c.reconcile.runEntry(ctx, e)
	}
	return c.steps.runEntry(ctx, e)
}

// entryCompleted is the outbox's OnComplete.
func (c *core) entryCompleted(e outbox.Entry) {
	if e.Kind == kindReconcile {
		c.reconcile.entryCompleted(e)
	} else {
		c.steps.entryCompleted(e)
	}
	if f := c.cfg.OnOutboxDone; f != nil {
		f(false)
	}
}

// entryGivenUp is the outbox's OnGiveUp: outbox_max_age passed.
func (c *core) entryGivenUp(e outbox.Entry, err error) {
	if e.Kind == kindReconcile {
		c.reconcile.entryGivenUp(e, err)
	} else {
		c.steps.entryGivenUp(e, err)
	}
	if f := c.cfg.OnOutboxDone; f != nil {
		f(true)
	}
}
