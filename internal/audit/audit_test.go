package audit

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestRecordFields(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	l := New(zap.New(core).Named("audit"))
	req := &Request{ID: "req-1", Actor: "sub-1", Roles: []string{"scim_provisioner"},
		ClientIP: "10.0.0.1", Operation: "create", Start: time.Now()}
	req.CountCall(false)
	req.CountCall(true)
	ctx := NewContext(context.Background(), req)

	l.Record(ctx, Event{Name: UserCreated, Outcome: Success, Status: 201, GenesysID: "g-1", Email: "a@b.c"})
	l.Record(context.Background(), Event{Name: RoutingAssigned, Outcome: Success, Operation: "outbox"})
	l.Record(ctx, Event{Name: UserCreateError, Outcome: Failed, Status: 503, Error: errors.New("upstream down").Error()})
	l.Record(ctx, Event{Name: GroupUpdated, Outcome: Success, Status: 204, GenesysGroupID: "grp-1", GroupName: "Sales",
		MembersAdded: 3})

	entries := logs.All()
	if len(entries) != 4 {
		t.Fatalf("%d entries, want 4", len(entries))
	}
	for _, tc := range []struct {
		i       int
		want    map[string]any
		missing []string
	}{
		{0, map[string]any{"event": UserCreated, "request_id": "req-1", "actor": "sub-1", "client_ip": "10.0.0.1",
			"operation": "create", "genesys_id": "g-1", "email": "a@b.c", "outcome": "success", "status": int64(201),
			"upstream_calls": int64(2), "retries": int64(1)}, []string{"error"}},
		// Background work: no request, so no request-scoped keys at all.
		{1, map[string]any{"event": RoutingAssigned, "operation": "outbox", "outcome": "success"},
			[]string{"request_id", "actor", "roles", "client_ip", "status", "duration", "upstream_calls", "genesys_id", "email", "error"}},
		{2, map[string]any{"event": UserCreateError, "outcome": "failed", "status": int64(503), "error": "upstream down"},
			[]string{"genesys_id", "email", "genesys_group_id", "group_name", "members_added", "members_removed"}},
		{3, map[string]any{"event": GroupUpdated, "genesys_group_id": "grp-1", "group_name": "Sales", "members_added": int64(3)},
			[]string{"genesys_id", "email", "members_removed"}},
	} {
		fields := entries[tc.i].ContextMap()
		for k, v := range tc.want {
			if fields[k] != v {
				t.Errorf("entry %d: %s = %#v, want %#v", tc.i, k, fields[k], v)
			}
		}
		for _, k := range tc.missing {
			if _, ok := fields[k]; ok {
				t.Errorf("entry %d: key %s should be omitted, got %#v", tc.i, k, fields[k])
			}
		}
	}
	if _, ok := entries[0].ContextMap()["duration"]; !ok {
		t.Error("request-scoped entry lacks duration")
	}
}

func TestNilSafety(t *testing.T) {
	var l *Logger
	l.Record(context.Background(), Event{Name: AuthFail}) // must not panic
	var r *Request
	r.CountCall(true)
	if r.UpstreamCalls() != 0 || r.Retries() != 0 || FromContext(context.Background()) != nil {
		t.Fatal("nil request should count nothing")
	}
}
