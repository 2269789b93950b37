package gateway

import (
	"context"

	"github.com/caddyscim/caddyscim/internal/audit"
)

// Audit helpers: every decision of an operation is one entry on the audit
// logger (audit.Logger), with what it was about.

// Operations of background work, which no request names.
const (
	outboxOperation    = "outbox"    // a create's step replayed from the outbox
	reconcileOperation = "reconcile" // a user's routing reconciled with its groups
)

// record writes an audit entry.
func (c *core) record(ctx context.Context, ev audit.Event) {
	c.cfg.Audit.Record(ctx, ev)
}

// auditEvent builds an entry about one user.
func auditEvent(name, outcome, userID, email, errText string) audit.Event {
	return audit.Event{Name: name, Outcome: outcome, GenesysID: userID, Email: email, Error: errText}
}

// groupEvent is an audit entry about one group.
func groupEvent(name, outcome string, status int, groupID, groupName string) audit.Event {
	return audit.Event{Name: name, Outcome: outcome, Status: status, GenesysGroupID: groupID, GroupName: groupName}
}
