package outbox

import (
	"context"
	"errors"
	"strings"
)

// errHeld is the cause given to an attempt stopped by Hold: it is not a
// failure of the entry, so it is not counted and the entry keeps its
// schedule.
var errHeld = errors.New("outbox: entry held by a write to its key")

// attemptSlot is an attempt this process is running (or about to run), so
// Hold can stop it and wait for it.
type attemptSlot struct {
	key    string // storage key of the entry
	cancel context.CancelCauseFunc
	done   chan struct{} // closed once the attempt and its bookkeeping ended
}

// Hold pauses the work queued under key in this process: an attempt of one
// of its entries running now is cancelled and waited for (until ctx ends),
// and none starts until release is called. The entries stay stored.
//
// A write that makes the queued work wrong (deleting the user it targets)
// holds the key across its upstream call, then cancels the entries with
// CancelKey if the call succeeded: no attempt can then reach Genesys after
// the write answered, nor fail on (and report) the user it just deleted.
// Another instance sharing the storage is not paused: its attempt finishes,
// and CancelKey keeps it from being retried.
func (o *Outbox) Hold(ctx context.Context, key string) (release func()) {
	prefix := o.keyPrefix(key)
	o.mu.Lock()
	if o.held == nil {
		o.held = make(map[string]int)
	}
	o.held[key]++
	var waits []chan struct{}
	for a := range o.running {
		// The hash in the storage key is short: a colliding entry of
		// another key is paused too, harmlessly (it is not counted as an
		// attempt and runs again on the next scan).
		if strings.HasPrefix(a.key, prefix) {
			a.cancel(errHeld)
			waits = append(waits, a.done)
		}
	}
	o.mu.Unlock()
	for _, done := range waits {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	return func() {
		o.mu.Lock()
		if o.held[key]--; o.held[key] <= 0 {
			delete(o.held, key)
		}
		o.mu.Unlock()
	}
}

// startAttempt registers the attempt at storage key before its lock is
// taken, so a Hold from then on stops it. finish must be called when the
// attempt's bookkeeping is done.
func (o *Outbox) startAttempt(ctx context.Context, key string) (actx context.Context, finish func()) {
	actx, cancel := context.WithCancelCause(ctx)
	slot := &attemptSlot{key: key, cancel: cancel, done: make(chan struct{})}
	o.mu.Lock()
	if o.running == nil {
		o.running = make(map[*attemptSlot]struct{})
	}
	o.running[slot] = struct{}{}
	o.mu.Unlock()
	return actx, func() {
		o.mu.Lock()
		delete(o.running, slot)
		o.mu.Unlock()
		cancel(nil)
		close(slot.done)
	}
}

// isHeld reports whether a Hold covers the entry's key.
func (o *Outbox) isHeld(key string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.held[key] > 0
}

// heldDuring reports whether the attempt under actx was stopped by Hold.
func heldDuring(actx context.Context) bool {
	return errors.Is(context.Cause(actx), errHeld)
}
