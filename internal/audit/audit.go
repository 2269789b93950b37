// Package audit writes the gateway's audit trail: one structured entry per
// decision (a user created, a token refused, a role denied), on a dedicated zap
// logger so operators can route it to its own file or SIEM with a Caddyfile
// `log` block. It also carries the per-request facts every entry repeats
// (request id, actor, roles, client IP) and counts the upstream calls and
// retries made on the request's behalf, so entries can say what an operation
// cost upstream.
//
// Nothing in this package ever receives a token, a secret or a password:
// callers pass identifiers and outcomes only.
package audit

import (
	"context"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// LoggerName is the logger the entries are written on: a Caddyfile log
// block can include or exclude it by this name (see the README).
const LoggerName = "http.handlers.scim_genesys.audit"

// Event names, one per kind of decision (the README lists them).
const (
	UserCreateRequest = "SCIM_USER_CREATE_REQUEST"
	UserExists        = "SCIM_USER_EXISTS"
	UserCreated       = "SCIM_USER_CREATED"
	UserRestored      = "SCIM_USER_RESTORED"
	UserCreateError   = "SCIM_USER_CREATE_ERROR"
	UserListQuery     = "SCIM_USER_LIST_QUERY"
	UserListError     = "SCIM_USER_LIST_ERROR"
	UserRead          = "SCIM_USER_READ"
	UserUpdated       = "SCIM_USER_UPDATED"
	UserDeactivated   = "SCIM_USER_DEACTIVATED"
	UserDeleted       = "SCIM_USER_DELETED"
	RoutingAssigned   = "SCIM_ROUTING_ASSIGNED"
	RoutingError      = "SCIM_ROUTING_ERROR"
	AuthFail          = "SCIM_AUTH_FAIL"
	RBACDeny          = "SCIM_RBAC_DENY"

	GroupCreated   = "SCIM_GROUP_CREATED"
	GroupUpdated   = "SCIM_GROUP_UPDATED"
	GroupDeleted   = "SCIM_GROUP_DELETED"
	GroupRead      = "SCIM_GROUP_READ"
	GroupListQuery = "SCIM_GROUP_LIST_QUERY"
	GroupError     = "SCIM_GROUP_ERROR"
)

// Outcomes.
const (
	Success = "success"
	Denied  = "denied"
	Failed  = "failed"
)

// Request holds what every audit entry of one HTTP request repeats, and counts
// the upstream work done for it. It is safe for concurrent use.
type Request struct {
	ID        string   // Caddy's request UUID
	Actor     string   // the token's sub, once verified
	Roles     []string // the token's roles, once verified
	ClientIP  string
	Operation string // the scim.Operation: create, list, ..., group_create, ...
	Start     time.Time

	upstreamCalls atomic.Int64
	retries       atomic.Int64
}

// CountCall records one upstream HTTP call made for this request; retry marks
// a call that repeats an earlier attempt.
func (r *Request) CountCall(retry bool) {
	if r == nil {
		return
	}
	r.upstreamCalls.Add(1)
	if retry {
		r.retries.Add(1)
	}
}

// UpstreamCalls is the number of upstream calls counted so far.
func (r *Request) UpstreamCalls() int64 {
	if r == nil {
		return 0
	}
	return r.upstreamCalls.Load()
}

// Retries is the number of retried upstream calls counted so far.
func (r *Request) Retries() int64 {
	if r == nil {
		return 0
	}
	return r.retries.Load()
}

type ctxKey struct{}

// NewContext returns ctx carrying r.
func NewContext(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// FromContext returns the request carried by ctx, or nil.
func FromContext(ctx context.Context) *Request {
	r, _ := ctx.Value(ctxKey{}).(*Request)
	return r
}

// Event is one decision to record. Empty fields are omitted from the entry.
type Event struct {
	Name      string // one of the event constants
	Outcome   string // Success, Denied or Failed
	Status    int    // HTTP status answered (0: not known yet, omitted)
	GenesysID string
	Email     string // normalised
	Error     string // why it failed or was denied; never secret material
	// Operation overrides the request's operation (background work has none).
	Operation string

	// Group decisions: the Genesys group, its name, and how many members a
	// change added and removed (omitted when zero).
	GenesysGroupID string
	GroupName      string
	MembersAdded   int
	MembersRemoved int
}

// Logger writes audit entries. The zero value and a nil *Logger discard.
type Logger struct {
	z *zap.Logger
}

// New returns a Logger writing to z (normally the logger named LoggerName).
func New(z *zap.Logger) *Logger { return &Logger{z: z} }

// Record writes one entry for ev, filling the request-scoped fields from ctx.
func (l *Logger) Record(ctx context.Context, ev Event) {
	if l == nil || l.z == nil {
		return
	}
	ce := l.z.Check(zap.InfoLevel, "audit")
	if ce == nil {
		return
	}
	fields := make([]zap.Field, 0, 20)
	fields = append(fields, zap.String("event", ev.Name))
	req := FromContext(ctx)
	op := ev.Operation
	if req != nil {
		if req.ID != "" {
			fields = append(fields, zap.String("request_id", req.ID))
		}
		if req.Actor != "" {
			fields = append(fields, zap.String("actor", req.Actor))
		}
		if len(req.Roles) > 0 {
			fields = append(fields, zap.Strings("roles", req.Roles))
		}
		if req.ClientIP != "" {
			fields = append(fields, zap.String("client_ip", req.ClientIP))
		}
		if op == "" {
			op = req.Operation
		}
	}
	if op != "" {
		fields = append(fields, zap.String("operation", op))
	}
	if ev.GenesysID != "" {
		fields = append(fields, zap.String("genesys_id", ev.GenesysID))
	}
	if ev.Email != "" {
		fields = append(fields, zap.String("email", ev.Email))
	}
	if ev.GenesysGroupID != "" {
		fields = append(fields, zap.String("genesys_group_id", ev.GenesysGroupID))
	}
	if ev.GroupName != "" {
		fields = append(fields, zap.String("group_name", ev.GroupName))
	}
	if ev.MembersAdded != 0 {
		fields = append(fields, zap.Int("members_added", ev.MembersAdded))
	}
	if ev.MembersRemoved != 0 {
		fields = append(fields, zap.Int("members_removed", ev.MembersRemoved))
	}
	if ev.Outcome != "" {
		fields = append(fields, zap.String("outcome", ev.Outcome))
	}
	if ev.Status != 0 {
		fields = append(fields, zap.Int("status", ev.Status))
	}
	if req != nil {
		if !req.Start.IsZero() {
			fields = append(fields, zap.Duration("duration", time.Since(req.Start)))
		}
		fields = append(fields,
			zap.Int64("upstream_calls", req.UpstreamCalls()),
			zap.Int64("retries", req.Retries()))
	}
	if ev.Error != "" {
		fields = append(fields, zap.String("error", ev.Error))
	}
	ce.Write(fields...)
}
