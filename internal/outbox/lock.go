package outbox

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// bookkeepingTimeout bounds the storage calls that record an attempt's
// outcome. They run on a context detached from Stop so an attempt
// interrupted by shutdown is still recorded (and its lock released).
const bookkeepingTimeout = 30 * time.Second

// errBusy means the entry's lock is held elsewhere: another instance (or
// another Outbox value) is running it right now.
var errBusy = errors.New("outbox: entry locked elsewhere")

// bookkeeping returns a context for recording an outcome: not cancelled by
// Stop, but bounded.
func bookkeeping(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
}

// tryLock takes the storage lock name, waiting at most LockWait (certmagic's
// FileStorage would otherwise block until the holder's attempt ends). It
// returns errBusy if the wait ran out, ctx's error if ctx ended first.
//
// The context handed to Lock stays live until unlock: some lockers tie the
// lease to it, so it must not be a timeout context that expires while the
// lock is held. The wait and ctx only cancel it while acquiring.
func (o *Outbox) tryLock(ctx context.Context, name string) (unlock func(), err error) {
	lockCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	timer := time.AfterFunc(o.cfg.LockWait, cancel)
	stopOnCtx := context.AfterFunc(ctx, cancel)
	err = o.cfg.Storage.Lock(lockCtx, name)
	inTime := timer.Stop()
	notStopped := stopOnCtx()
	if err == nil && inTime && notStopped {
		return func() {
			uctx, ucancel := bookkeeping(ctx)
			defer ucancel()
			if err := o.cfg.Storage.Unlock(uctx, name); err != nil {
				o.log.Warn("releasing entry lock", zap.String("lock", name), zap.Error(err))
			}
			cancel()
		}, nil
	}
	if err == nil {
		// Acquired just as the wait ran out or Stop came: the context given
		// to Lock is already cancelled, so give the lock back and skip.
		uctx, ucancel := bookkeeping(ctx)
		if uerr := o.cfg.Storage.Unlock(uctx, name); uerr != nil {
			o.log.Warn("releasing entry lock", zap.String("lock", name), zap.Error(uerr))
		}
		ucancel()
	}
	cancel()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case !inTime:
		return nil, errBusy
	default:
		return nil, err
	}
}
