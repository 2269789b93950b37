package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/outbox"
)

// stepRunner performs the writes after a commit point (a create, a
// restore, an update): inline and concurrently, queue-member adds batched
// across requests, and what still fails handed to the durable outbox, whose
// entries it also replays.
type stepRunner struct {
	*core
	queues *memberBatcher
	groups *memberBatcher // group block memberships of creates
	// dropped holds outbox entry ids whose run ended in a permanent failure
	// (already audited), so OnComplete does not also report them assigned.
	dropped droppedSet
}

// enqueueTimeout bounds writing an entry to storage once the caller's
// context is gone.
const enqueueTimeout = 10 * time.Second

// run performs s. Inline queue adds go through the batcher; replays from the
// outbox call Genesys directly. A manager step returns the patched user.
func (r *stepRunner) run(ctx context.Context, s step, batched bool) (*genesys.User, error) {
	c := r.cfg.Client
	switch s.Kind {
	case stepExternalID:
		if err := c.SetExternalID(ctx, s.UserID, s.Authority, s.Key); err != nil {
			return nil, err
		}
		if s.Authority == r.cfg.ExternalIDAuthority {
			r.rememberExternalID(s.UserID, s.Key)
		}
		return nil, nil
	case stepManager:
		m := s.ManagerID
		return r.patchUserVersioned(ctx, s.UserID, "", s.Version, genesys.UpdateUser{Manager: &m})
	case stepSkills:
		return nil, c.AddUserSkills(ctx, s.UserID, s.Items)
	case stepLanguages:
		return nil, c.AddUserLanguages(ctx, s.UserID, s.Items)
	case stepQueue:
		if batched {
			return nil, r.queues.Add(ctx, s.QueueID, s.UserID)
		}
		return nil, c.AddQueueMembers(ctx, s.QueueID, []string{s.UserID})
	case stepGroupMember:
		if batched {
			return nil, r.groups.Add(ctx, s.GroupID, s.UserID)
		}
		if err := r.addMembers(ctx, s.GroupID, 0, []string{s.UserID}); err != nil {
			return nil, err
		}
		// Replayed after the request that asked for it: its routing follows
		// now (the request's own reconciliation found no membership yet).
		p, err := r.reconcile.schedule(ctx, []string{s.UserID}, nil, true)
		if err != nil {
			return nil, err
		}
		p.release(ctx)
		return nil, nil
	}
	return nil, fmt.Errorf("gateway: unknown step kind %q", s.Kind)
}

// runAll performs steps for one user concurrently. A step that still fails
// after the client's retries is handed to the outbox if replaying it can
// help; one that cannot (Genesys refused it as invalid) is audited and
// dropped. The error is non-nil (a *scim.Error 503 with Retry-After) only if
// some step could neither be done nor stored: the identical request then
// converges.
func (r *stepRunner) runAll(ctx context.Context, userID, email string, steps []step) (stepsOutcome, error) {
	var res stepsOutcome
	if len(steps) == 0 {
		return res, nil
	}
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, s := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := r.run(ctx, s, true)
			errs[i] = err
			if u != nil {
				res.patched = u // only the (single) manager step returns a user
			}
		}()
	}
	wg.Wait()

	var routing, routingOK bool
	var deferred, dropped, lost []string
	var firstLost error
	for i, s := range steps {
		if s.isRouting() {
			routing = true
		}
		err := errs[i]
		if err == nil {
			continue
		}
		what := s.describe() + ": " + errorText(err)
		switch {
		case !s.retryable(err):
			dropped = append(dropped, what)
			if res.dropped == nil {
				res.dropped = map[string]bool{}
			}
			res.dropped[s.Kind] = true
		case r.enqueue(ctx, s) == nil:
			deferred = append(deferred, what)
		default:
			lost = append(lost, what)
			if firstLost == nil {
				firstLost = err
			}
		}
	}
	routingOK = routing
	for i, s := range steps {
		if s.isRouting() && errs[i] != nil {
			routingOK = false
		}
	}
	if routingOK {
		r.record(ctx, auditEvent(audit.RoutingAssigned, audit.Success, userID, email, ""))
	}
	if len(dropped) > 0 {
		r.record(ctx, auditEvent(audit.RoutingError, audit.Failed, userID, email,
			"refused by Genesys Cloud, not retried: "+strings.Join(dropped, "; ")))
	}
	if len(deferred) > 0 {
		r.record(ctx, auditEvent(audit.RoutingError, audit.Failed, userID, email,
			"queued for retry in the outbox: "+strings.Join(deferred, "; ")))
	}
	if len(lost) > 0 {
		r.record(ctx, auditEvent(audit.RoutingError, audit.Failed, userID, email,
			"not done and not queued: "+strings.Join(lost, "; ")))
		return res, unavailable("Genesys Cloud did not complete the user's provisioning; retry the same request", firstLost)
	}
	return res, nil
}

// enqueue stores s in the outbox, keyed by its user, under a context that
// outlives the caller (a hung-up caller must not lose the step).
func (r *stepRunner) enqueue(ctx context.Context, s step) error {
	if r.outbox == nil {
		return errors.New("no outbox configured")
	}
	payload, err := json.Marshal(s)
	if err != nil {
		return err
	}
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	if err := r.outbox.Enqueue(ectx, outbox.Entry{Key: s.UserID, Kind: s.Kind, Payload: payload}); err != nil {
		r.log.Error("outbox enqueue failed", zap.String("user_id", s.UserID), zap.String("kind", s.Kind), zap.Error(err))
		return err
	}
	return nil
}

// cancel removes the outbox work queued for userID: a later write to
// the user (DELETE, PUT, PATCH) supersedes it.
//
// kinds limits it to those steps (stepExternalID, stepManager, the routing
// steps); none means every pending step of the user.
func (r *stepRunner) cancel(ctx context.Context, userID string, kinds ...string) {
	if r.outbox == nil {
		return
	}
	if err := r.outbox.CancelKey(ctx, userID, kinds...); err != nil {
		r.log.Warn("outbox cancel failed", zap.String("user_id", userID), zap.Error(err))
	}
}

// hold pauses the outbox work queued for userID in this process until
// release: a step running now is stopped and waited for, and none starts.
// A DELETE holds it across its upstream call so no step reaches Genesys
// after the user is gone.
func (r *stepRunner) hold(ctx context.Context, userID string) (release func()) {
	if r.outbox == nil {
		return func() {}
	}
	return r.outbox.Hold(ctx, userID)
}

// runEntry is the outbox's RunFunc: it replays one stored step.
func (r *stepRunner) runEntry(ctx context.Context, e outbox.Entry) error {
	var s step
	if err := json.Unmarshal(e.Payload, &s); err != nil || s.UserID == "" {
		r.dropped.add(e.ID)
		r.record(ctx, audit.Event{Name: audit.RoutingError, Outcome: audit.Failed, GenesysID: e.Key,
			Operation: outboxOperation, Error: "unreadable outbox entry " + e.Kind})
		return nil
	}
	s.Kind = e.Kind
	_, err := r.run(ctx, s, false)
	switch {
	case err == nil:
		return nil
	case !s.retryable(err):
		r.dropped.add(e.ID)
		ev := auditEvent(audit.RoutingError, audit.Failed, s.UserID, s.Email,
			"refused by Genesys Cloud, not retried: "+s.describe()+": "+errorText(err))
		ev.Operation = outboxOperation
		r.record(ctx, ev)
		return nil
	}
	return withRetryAfter(err)
}

// entryCompleted is the outbox's OnComplete: the step is done.
func (r *stepRunner) entryCompleted(e outbox.Entry) {
	if r.dropped.take(e.ID) {
		return
	}
	var s step
	_ = json.Unmarshal(e.Payload, &s)
	ev := auditEvent(audit.RoutingAssigned, audit.Success, e.Key, s.Email, "")
	ev.Operation = outboxOperation
	r.record(context.Background(), ev)
}

// entryGivenUp is the outbox's OnGiveUp: outbox_max_age passed.
func (r *stepRunner) entryGivenUp(e outbox.Entry, err error) {
	var s step
	_ = json.Unmarshal(e.Payload, &s)
	s.Kind = e.Kind
	ev := auditEvent(audit.RoutingError, audit.Failed, e.Key, s.Email,
		"gave up after outbox_max_age: "+s.describe()+": "+errorText(err))
	ev.Operation = outboxOperation
	r.record(context.Background(), ev)
}

// withRetryAfter is err for the outbox scheduler: one carrying the wait
// Genesys asked for (a 429 beyond max_retry_wait) is scheduled no earlier.
func withRetryAfter(err error) error {
	var ra *genesys.RetryAfterError
	if errors.As(err, &ra) {
		return retryAfter{err: err, wait: ra.Wait}
	}
	return err
}

// retryAfter carries the wait Genesys asked for to the outbox scheduler.
type retryAfter struct {
	err  error
	wait time.Duration
}

func (r retryAfter) Error() string             { return r.err.Error() }
func (r retryAfter) Unwrap() error             { return r.err }
func (r retryAfter) RetryAfter() time.Duration { return r.wait }

// droppedSet remembers outbox entry ids that ended in an audited permanent
// failure until OnComplete sees them.
type droppedSet struct{ m sync.Map }

func (d *droppedSet) add(id string) { d.m.Store(id, struct{}{}) }

func (d *droppedSet) take(id string) bool {
	_, ok := d.m.LoadAndDelete(id)
	return ok
}
