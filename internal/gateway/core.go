package gateway

import (
	"context"

	"go.uber.org/zap"

	"github.com/caddyscim/caddyscim/internal/audit"
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
}

// record writes an audit entry.
func (c *core) record(ctx context.Context, ev audit.Event) {
	c.cfg.Audit.Record(ctx, ev)
}

// auditEvent builds an entry about one user.
func auditEvent(name, outcome, userID, email, errText string) audit.Event {
	return audit.Event{Name: name, Outcome: outcome, GenesysID: userID, Email: email, Error: errText}
}

// outboxOperation names background work in audit entries.
const outboxOperation = "outbox"
