package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/outbox"
)

// Step kinds: the writes after a create (SPEC section 4, Create step 6),
// each one idempotent to replay, which is what lets a failed one wait in the
// outbox.
const (
	stepExternalID = "external_id" // POST .../externalid (set)
	stepManager    = "manager"     // PATCH manager
	stepSkills     = "skills"      // PATCH .../routingskills/bulk (add/update)
	stepLanguages  = "languages"   // PATCH .../routinglanguages/bulk (add/update)
	stepQueue      = "queue"       // POST .../queues/{id}/members (add)
)

// outboxOperation names background work in audit entries.
const outboxOperation = "outbox"

// enqueueTimeout bounds writing an entry to storage once the caller's
// context is gone.
const enqueueTimeout = 10 * time.Second

// step is one write for a user. It is also the outbox payload, so its JSON
// form is stable. Email is carried only for audit entries.
type step struct {
	Kind      string                `json:"kind"`
	UserID    string                `json:"user_id"`
	Email     string                `json:"email,omitempty"`
	Authority string                `json:"authority,omitempty"`
	Key       string                `json:"key,omitempty"`
	ManagerID string                `json:"manager_id,omitempty"`
	Items     []genesys.Proficiency `json:"items,omitempty"`
	QueueID   string                `json:"queue_id,omitempty"`
	// Version is the user's version when known inline (the create's answer),
	// saving a read before the manager PATCH; never persisted (stale later).
	Version genesys.Version `json:"-"`
}

// isRouting reports whether s assigns routing (as opposed to profile data).
func (s step) isRouting() bool {
	return s.Kind == stepSkills || s.Kind == stepLanguages || s.Kind == stepQueue
}

// run performs s. Inline queue adds go through the batcher; replays from the
// outbox call Genesys directly. A manager step returns the patched user.
func (g *Gateway) run(ctx context.Context, s step, batched bool) (*genesys.User, error) {
	c := g.cfg.Client
	switch s.Kind {
	case stepExternalID:
		if err := c.SetExternalID(ctx, s.UserID, s.Authority, s.Key); err != nil {
			return nil, err
		}
		if s.Authority == g.cfg.ExternalIDAuthority {
			g.shared.rememberExternalID(s.UserID, s.Key)
		}
		return nil, nil
	case stepManager:
		m := s.ManagerID
		return g.patchUserVersioned(ctx, s.UserID, "", s.Version, genesys.UpdateUser{Manager: &m})
	case stepSkills:
		return nil, c.AddUserSkills(ctx, s.UserID, s.Items)
	case stepLanguages:
		return nil, c.AddUserLanguages(ctx, s.UserID, s.Items)
	case stepQueue:
		if batched {
			return nil, g.queues.Add(ctx, s.QueueID, s.UserID)
		}
		return nil, c.AddQueueMembers(ctx, s.QueueID, []string{s.UserID})
	}
	return nil, fmt.Errorf("gateway: unknown step kind %q", s.Kind)
}

// describe names a step in audit entries and logs (ids only).
func (s step) describe() string {
	switch s.Kind {
	case stepQueue:
		return "queue " + s.QueueID
	case stepSkills, stepLanguages:
		return fmt.Sprintf("%d %s", len(s.Items), s.Kind)
	}
	return strings.ReplaceAll(s.Kind, "_", " ")
}

// stepsOutcome is what runSteps did.
type stepsOutcome struct {
	patched *genesys.User   // the manager PATCH's answer, if one ran
	dropped map[string]bool // kinds Genesys refused as invalid (audited, not queued)
}

// runSteps performs steps for one user concurrently. A step that still fails
// after the client's retries is handed to the outbox if replaying it can
// help; one that cannot (Genesys refused it as invalid) is audited and
// dropped. The error is non-nil (a *scim.Error 503 with Retry-After) only if
// some step could neither be done nor stored: the identical request then
// converges.
func (g *Gateway) runSteps(ctx context.Context, userID, email string, steps []step) (stepsOutcome, error) {
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
			u, err := g.run(ctx, s, true)
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
		case !retryable(err):
			dropped = append(dropped, what)
			if res.dropped == nil {
				res.dropped = map[string]bool{}
			}
			res.dropped[s.Kind] = true
		case g.enqueue(ctx, s) == nil:
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
		g.record(ctx, auditEvent(audit.RoutingAssigned, audit.Success, userID, email, ""))
	}
	if len(dropped) > 0 {
		g.record(ctx, auditEvent(audit.RoutingError, audit.Failed, userID, email,
			"refused by Genesys Cloud, not retried: "+strings.Join(dropped, "; ")))
	}
	if len(deferred) > 0 {
		g.record(ctx, auditEvent(audit.RoutingError, audit.Failed, userID, email,
			"queued for retry in the outbox: "+strings.Join(deferred, "; ")))
	}
	if len(lost) > 0 {
		g.record(ctx, auditEvent(audit.RoutingError, audit.Failed, userID, email,
			"not done and not queued: "+strings.Join(lost, "; ")))
		return res, unavailable("Genesys Cloud did not complete the user's provisioning; retry the same request", firstLost)
	}
	return res, nil
}

// enqueue stores s in the outbox, keyed by its user, under a context that
// outlives the caller (a hung-up caller must not lose the step).
func (g *Gateway) enqueue(ctx context.Context, s step) error {
	if g.outbox == nil {
		return errors.New("no outbox configured")
	}
	payload, err := json.Marshal(s)
	if err != nil {
		return err
	}
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	if err := g.outbox.Enqueue(ectx, outbox.Entry{Key: s.UserID, Kind: s.Kind, Payload: payload}); err != nil {
		g.log.Error("outbox enqueue failed", zap.String("user_id", s.UserID), zap.String("kind", s.Kind), zap.Error(err))
		return err
	}
	return nil
}

// cancelPending removes the outbox work queued for userID: a later write to
// the user (DELETE, PUT, PATCH) supersedes it.
//
// kinds limits it to those steps (stepExternalID, stepManager, the routing
// steps); none means every pending step of the user.
func (g *Gateway) cancelPending(ctx context.Context, userID string, kinds ...string) {
	if g.outbox == nil {
		return
	}
	if err := g.outbox.CancelKey(ctx, userID, kinds...); err != nil {
		g.log.Warn("outbox cancel failed", zap.String("user_id", userID), zap.Error(err))
	}
}

// runEntry is the outbox's RunFunc: it replays one stored step.
func (g *Gateway) runEntry(ctx context.Context, e outbox.Entry) error {
	var s step
	if err := json.Unmarshal(e.Payload, &s); err != nil || s.UserID == "" {
		g.dropped.add(e.ID)
		g.record(ctx, audit.Event{Name: audit.RoutingError, Outcome: audit.Failed, GenesysID: e.Key,
			Operation: outboxOperation, Error: "unreadable outbox entry " + e.Kind})
		return nil
	}
	s.Kind = e.Kind
	_, err := g.run(ctx, s, false)
	switch {
	case err == nil:
		return nil
	case !retryable(err):
		g.dropped.add(e.ID)
		ev := auditEvent(audit.RoutingError, audit.Failed, s.UserID, s.Email,
			"refused by Genesys Cloud, not retried: "+s.describe()+": "+errorText(err))
		ev.Operation = outboxOperation
		g.record(ctx, ev)
		return nil
	}
	var ra *genesys.RetryAfterError
	if errors.As(err, &ra) {
		return retryAfter{err: err, wait: ra.Wait}
	}
	return err
}

// entryCompleted is the outbox's OnComplete: the step is done.
func (g *Gateway) entryCompleted(e outbox.Entry) {
	if g.dropped.take(e.ID) {
		return
	}
	var s step
	_ = json.Unmarshal(e.Payload, &s)
	ev := auditEvent(audit.RoutingAssigned, audit.Success, e.Key, s.Email, "")
	ev.Operation = outboxOperation
	g.record(context.Background(), ev)
	if f := g.cfg.OnOutboxDone; f != nil {
		f(false)
	}
}

// entryGivenUp is the outbox's OnGiveUp: outbox_max_age passed.
func (g *Gateway) entryGivenUp(e outbox.Entry, err error) {
	var s step
	_ = json.Unmarshal(e.Payload, &s)
	s.Kind = e.Kind
	ev := auditEvent(audit.RoutingError, audit.Failed, e.Key, s.Email,
		"gave up after outbox_max_age: "+s.describe()+": "+errorText(err))
	ev.Operation = outboxOperation
	g.record(context.Background(), ev)
	if f := g.cfg.OnOutboxDone; f != nil {
		f(true)
	}
}

// retryAfter carries the wait Genesys asked for to the outbox scheduler.
type retryAfter struct {
	err  error
	wait time.Duration
}

func (r retryAfter) Error() string             { return r.err.Error() }
func (r retryAfter) Unwrap() error             { return r.err }
func (r retryAfter) RetryAfter() time.Duration { return r.wait }

// retryable reports whether repeating a failed write later can succeed:
// rate limits, outages, unknown outcomes, cancelled callers, credentials or
// permissions an operator can fix, version races. A Genesys 4xx that judged
// the request itself (a bad manager id, a deleted user) cannot.
func retryable(err error) bool {
	var ae *genesys.APIError
	if !errors.As(err, &ae) {
		return true // typed client errors (rate limit, unavailable, credentials) and context errors
	}
	if genesys.IsVersionMismatch(err) {
		return true
	}
	switch {
	case ae.Status >= 500, ae.Status == http.StatusTooManyRequests, ae.Status == http.StatusRequestTimeout,
		ae.Status == http.StatusUnauthorized, ae.Status == http.StatusForbidden:
		return true
	}
	return false
}

// errorText is an error for an audit entry: Genesys's status, code and
// message for API errors (never a URL), the error text otherwise.
func errorText(err error) string {
	if ae, ok := genesys.AsAPIError(err); ok {
		return fmt.Sprintf("%d %s", ae.Status, upstreamMessage(ae))
	}
	return urlPattern.ReplaceAllString(err.Error(), "<url>")
}

// droppedSet remembers outbox entry ids that ended in an audited permanent
// failure until OnComplete sees them.
type droppedSet struct{ m sync.Map }

func (d *droppedSet) add(id string) { d.m.Store(id, struct{}{}) }

func (d *droppedSet) take(id string) bool {
	_, ok := d.m.LoadAndDelete(id)
	return ok
}

// record writes an audit entry.
func (g *Gateway) record(ctx context.Context, ev audit.Event) {
	g.cfg.Audit.Record(ctx, ev)
}

// auditEvent builds an entry about one user.
func auditEvent(name, outcome, userID, email, errText string) audit.Event {
	return audit.Event{Name: name, Outcome: outcome, GenesysID: userID, Email: email, Error: errText}
}
