package outbox

import (
	"errors"
	"math/rand/v2"
	"time"
)

// backoff is the wait after the given number of failed attempts (1 for the
// first failure): MinBackoff doubled per further failure, capped at
// MaxBackoff, then "equal jitter" (a uniform pick in [d/2, d]) so instances
// that failed together do not retry together, while the wait still grows
// with every failure.
func backoff(minB, maxB time.Duration, failures int) time.Duration {
	d := minB
	for i := 1; i < failures && d < maxB; i++ {
		d *= 2
	}
	d = min(d, maxB)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(d-half+1)
}

// retryAfter extracts the wait an upstream asked for, if err carries one.
func retryAfter(err error) (time.Duration, bool) {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter(), true
	}
	return 0, false
}

// nextAttempt schedules the attempt after a failure at now: the backoff, or
// later if the error says the upstream wants a longer wait.
func (o *Outbox) nextAttempt(now time.Time, failures int, err error) time.Time {
	next := now.Add(backoff(o.cfg.MinBackoff, o.cfg.MaxBackoff, failures))
	if ra, ok := retryAfter(err); ok && now.Add(ra).After(next) {
		next = now.Add(ra)
	}
	return next
}
