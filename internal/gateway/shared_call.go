package gateway

import (
	"context"

	"golang.org/x/sync/singleflight"
)

// sharedCall runs fn once for all concurrent callers of key. fn runs on the
// leading caller's context, so a caller that hangs up stops the work it
// leads (and gives back its pacing slots) instead of leaving it to run on.
// A follower whose leader went away while it is still here runs fn again,
// leading this time.
func sharedCall[T any](ctx context.Context, sf *singleflight.Group, key string, fn func(context.Context) (T, error)) (T, error) {
	for {
		ch := sf.DoChan(key, func() (any, error) { return fn(ctx) })
		select {
		case r := <-ch:
			if r.Err != nil {
				if r.Shared && isContextError(r.Err) && ctx.Err() == nil {
					continue
				}
				var zero T
				return zero, r.Err
			}
			return r.Val.(T), nil
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}
