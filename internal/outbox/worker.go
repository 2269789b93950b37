package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"go.uber.org/zap"
)

// loop is the worker goroutine: scan, then sleep until the next entry is
// due (at most PollInterval, so entries written by other instances are
// seen), a RunNow, or Stop.
func (o *Outbox) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	for {
		o.scan(ctx)
		if hook := o.afterScan; hook != nil {
			hook()
		}
		if !o.waitForScan(ctx) {
			return
		}
	}
}

// waitForScan sleeps until the next scan is due and reports false on Stop.
// An earlier entry enqueued meanwhile shortens the sleep.
func (o *Outbox) waitForScan(ctx context.Context) bool {
	for {
		timer := time.NewTimer(o.sleepFor(time.Now()))
		select {
		case <-ctx.Done():
			timer.Stop()
			return false
		case <-o.wake:
			timer.Stop()
			return true
		case <-timer.C:
			return true
		case <-o.resched:
			timer.Stop()
		}
	}
}

// sleepFor is how long the worker may sleep: until the earliest known due
// time, but never longer than PollInterval.
func (o *Outbox) sleepFor(now time.Time) time.Duration {
	o.mu.Lock()
	next := o.nextDue
	o.mu.Unlock()
	d := o.cfg.PollInterval
	if !next.IsZero() {
		d = min(d, max(0, next.Sub(now)))
	}
	return d
}

// scan loads every entry, refreshes the cached stats, and runs the due ones
// one at a time in random order (so two instances scanning together mostly
// pick different entries instead of queueing on the same lock).
func (o *Outbox) scan(ctx context.Context) {
	// Forget the previous due time: this scan sees every stored entry, and
	// an Enqueue during the scan merges its own due time in.
	o.mu.Lock()
	o.nextDue = time.Time{}
	o.mu.Unlock()

	keys, err := o.listEntries(ctx)
	if err != nil {
		if ctx.Err() == nil {
			o.log.Warn("listing entries failed; retrying on the next scan", zap.Error(err))
		}
		return
	}
	now := time.Now()
	created := make(map[string]time.Time, len(keys)) // pending entries, for stats
	var due []string
	var nextDue time.Time
	seen := make(map[string]bool, len(keys))
	for _, key := range keys {
		if ctx.Err() != nil {
			return
		}
		seen[key] = true
		e, err := o.load(ctx, key)
		switch {
		case errors.Is(err, errGone):
			continue
		case errors.Is(err, errCorrupt):
			o.reportCorrupt(key, err)
			continue
		case err != nil:
			o.log.Warn("loading entry failed; retrying on the next scan", zap.String("entry", key), zap.Error(err))
			continue
		}
		created[key] = e.Created
		if o.expired(e, now) || !e.NextAttempt.After(now) {
			due = append(due, key)
		} else {
			nextDue = earliest(nextDue, e.NextAttempt)
		}
	}
	o.forgetCorrupt(seen)

	rand.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	for _, key := range due {
		if ctx.Err() != nil {
			break
		}
		next, removed := o.process(ctx, key)
		if removed {
			delete(created, key)
		}
		nextDue = earliest(nextDue, next)
	}

	o.mu.Lock()
	o.stats = summarize(created)
	o.nextDue = earliest(o.nextDue, nextDue)
	o.mu.Unlock()
}

// summarize computes the cached stats from the pending entries' creation
// times.
func summarize(created map[string]time.Time) stats {
	s := stats{depth: len(created)}
	for _, c := range created {
		s.oldest = earliest(s.oldest, c)
	}
	return s
}

// earliest returns the earlier of two times, treating zero as unset.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func (o *Outbox) expired(e Entry, now time.Time) bool { return now.Sub(e.Created) >= o.cfg.MaxAge }

// process runs one due entry under its storage lock. It returns the entry's
// next due time if it stays queued with a known schedule, and whether it was
// removed (completed, given up or cancelled).
func (o *Outbox) process(ctx context.Context, key string) (next time.Time, removed bool) {
	log := o.log.With(zap.String("entry", key))
	ctx, finish := o.startAttempt(ctx, key)
	defer finish()
	unlock, err := o.tryLock(ctx, key)
	switch {
	case errors.Is(err, errBusy):
		log.Debug("entry is being run elsewhere; skipping")
		return time.Time{}, false
	case err != nil:
		if ctx.Err() == nil {
			log.Warn("locking entry failed; retrying on the next scan", zap.Error(err))
		}
		return time.Time{}, false
	}
	defer unlock()

	// Re-load under the lock: another instance may have completed, given
	// up, cancelled or rescheduled it since the scan read it.
	e, err := o.load(ctx, key)
	switch {
	case errors.Is(err, errGone):
		return time.Time{}, true
	case errors.Is(err, errCorrupt):
		o.reportCorrupt(key, err)
		return time.Time{}, false
	case err != nil:
		if ctx.Err() == nil {
			log.Warn("loading entry failed; retrying on the next scan", zap.Error(err))
		}
		return time.Time{}, false
	}
	log = log.With(zap.String("id", e.ID), zap.String("kind", e.Kind))
	if o.isHeld(e.Key) {
		log.Debug("entry held by a write to its key; skipping")
		return time.Time{}, false
	}
	now := time.Now()
	if o.expired(e, now) {
		lastErr := errors.New("no attempt succeeded")
		if e.LastError != "" {
			lastErr = errors.New(e.LastError)
		}
		return time.Time{}, o.giveUp(ctx, log, key, e, lastErr)
	}
	if e.NextAttempt.After(now) {
		return e.NextAttempt, false
	}

	runErr := o.attempt(ctx, e)
	bctx, cancel := bookkeeping(ctx)
	defer cancel()
	if runErr == nil {
		return time.Time{}, o.complete(bctx, log, key, e)
	}

	if heldDuring(ctx) {
		log.Debug("attempt stopped by a write to its key; not counted", zap.Error(runErr))
		return time.Time{}, false
	}
	e.Attempts++
	e.LastError = truncateError(runErr.Error())
	now = time.Now()
	if !o.cfg.Storage.Exists(bctx, key) {
		log.Info("entry cancelled while it ran; not retrying", zap.Error(runErr))
		return time.Time{}, true
	}
	if o.expired(e, now) {
		return time.Time{}, o.giveUp(bctx, log, key, e, runErr)
	}
	e.NextAttempt = o.nextAttempt(now, e.Attempts, runErr)
	if err := o.store(bctx, key, e); err != nil {
		// The entry keeps its old schedule and is retried on the next scan.
		log.Error("recording a failed attempt failed", zap.Error(err))
		return time.Time{}, false
	}
	log.Info("attempt failed; will retry",
		zap.Int("attempts", e.Attempts), zap.Time("next_attempt", e.NextAttempt), zap.Error(runErr))
	return e.NextAttempt, false
}

// attempt calls Run with a bounded context, turning a panic into an error so
// one bad entry cannot take the process down.
func (o *Outbox) attempt(ctx context.Context, e Entry) (err error) {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.AttemptTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("outbox: run panicked: %v", r)
		}
	}()
	return o.cfg.Run(ctx, e)
}

// complete removes a succeeded entry, then calls OnComplete. Deleting first
// (under the lock) makes the hook run at most once: if the delete fails the
// entry is retried (Run is idempotent) and the hook runs after that success
// instead of twice.
func (o *Outbox) complete(ctx context.Context, log *zap.Logger, key string, e Entry) bool {
	if err := o.cfg.Storage.Delete(ctx, key); err != nil {
		log.Error("entry succeeded but could not be removed; it will run again", zap.Error(err))
		return false
	}
	log.Debug("entry completed", zap.Int("attempts", e.Attempts+1))
	if o.cfg.OnComplete != nil {
		o.callHook(log, "OnComplete", func() { o.cfg.OnComplete(e) })
	}
	return true
}

// giveUp removes an entry past MaxAge, then calls OnGiveUp (delete first for
// the same reason as complete).
func (o *Outbox) giveUp(ctx context.Context, log *zap.Logger, key string, e Entry, lastErr error) bool {
	if err := o.cfg.Storage.Delete(ctx, key); err != nil {
		log.Error("giving up on entry: removing it failed; retrying on the next scan", zap.Error(err))
		return false
	}
	log.Warn("gave up on entry after max age",
		zap.Int("attempts", e.Attempts), zap.Duration("max_age", o.cfg.MaxAge), zap.Error(lastErr))
	if o.cfg.OnGiveUp != nil {
		o.callHook(log, "OnGiveUp", func() { o.cfg.OnGiveUp(e, lastErr) })
	}
	return true
}

// callHook runs an owner hook, logging instead of crashing on a panic.
func (o *Outbox) callHook(log *zap.Logger, name string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("hook panicked", zap.String("hook", name), zap.Any("panic", r))
		}
	}()
	f()
}

// reportCorrupt logs an unreadable entry the first time it is seen; it is
// then skipped on every scan (not deleted: it may be a newer format or a
// write still in flight in a storage without atomic writes).
func (o *Outbox) reportCorrupt(key string, err error) {
	o.mu.Lock()
	first := !o.corrupt[key]
	o.corrupt[key] = true
	o.mu.Unlock()
	if first {
		o.log.Error("skipping unreadable entry", zap.String("entry", key), zap.Error(err))
	}
}

// forgetCorrupt drops reported keys no longer in storage, so the set stays
// bounded and a key reused later is reported again.
func (o *Outbox) forgetCorrupt(seen map[string]bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k := range o.corrupt {
		if !seen[k] {
			delete(o.corrupt, k)
		}
	}
}

// maxErrorLen bounds LastError as stored and logged.
const maxErrorLen = 1024

func truncateError(s string) string {
	if len(s) <= maxErrorLen {
		return s
	}
	return strings.ToValidUTF8(s[:maxErrorLen], "") + "…"
}
