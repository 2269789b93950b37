package genesys

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clock is the time source of every wait in this package (pacing, the 429
// gate, backoff, token expiry), so that tests can run them on a fake clock.
type clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, whichever comes first.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newLimiter spreads n calls per window evenly with bursts of one second's
// share (at least one call, at most a tenth of n). A token bucket admits its
// burst plus rate*window calls in any window, so the rate is (n - burst) /
// window: no window of that length ever holds more than n calls, and the
// gateway never bounces off the Genesys per-token limit by itself (a plain
// n/window rate overshot by the burst at the start of a bulk load).
// 300/1m is 4.92/s with bursts of 5; 1200/1m is 19.67/s with bursts of 20.
func newLimiter(n int, window time.Duration) *rate.Limiter {
	perSecond := float64(n) / window.Seconds()
	burst := int(min(perSecond, float64(n)/10))
	if burst < 1 {
		burst = 1
	}
	r := float64(n-burst) / window.Seconds()
	if r <= 0 { // n == 1: no rate can keep a burst of one under the limit
		r = perSecond
	}
	return rate.NewLimiter(rate.Limit(r), burst)
}

// flowKey is the context key of a caller's pacing flow (WithFlow).
type flowKey struct{}

// flow is one caller's calls: turn holds the token of its one pending
// pacing slot.
type flow struct{ turn chan struct{} }

// WithFlow marks ctx as one caller's flow (one SCIM request, one outbox
// entry): its calls take their pacing slots one at a time. The limiter hands
// out slots in the order they are asked for, so without this a caller with
// many calls in flight (fifty name lookups, a membership change) books a run
// of slots ahead of everyone else; with it, each flow holds at most one
// pending slot and flows take turns: no caller gets more than its share of
// the outbound rate, and one that hangs up gives back the slot it waits for.
func WithFlow(ctx context.Context) context.Context {
	return context.WithValue(ctx, flowKey{}, &flow{turn: make(chan struct{}, 1)})
}

// pace waits for the limiter's next slot on the client's clock, after the
// caller's flow's turn (WithFlow). A cancelled caller gives its reservation
// back.
func (c *Client) pace(ctx context.Context) error {
	if f, ok := ctx.Value(flowKey{}).(*flow); ok {
		select {
		case f.turn <- struct{}{}:
			defer func() { <-f.turn }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	now := c.clock.Now()
	r := c.limiter.ReserveN(now, 1)
	if !r.OK() { // cannot happen with burst >= 1; kept so a change cannot hang
		return &RetryAfterError{Wait: time.Second}
	}
	if err := c.clock.Sleep(ctx, r.DelayFrom(now)); err != nil {
		r.CancelAt(c.clock.Now())
		return err
	}
	return nil
}

// acquire takes one of the MaxConcurrency in-flight slots.
func (c *Client) acquire(ctx context.Context) (release func(), err error) {
	select {
	case c.slots <- struct{}{}:
		return func() { <-c.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// retryGate is the one 429 wait shared by every call of a client: Genesys
// limits per token, so when one call is told to wait, sending anything else
// before that time would only earn more 429s.
type retryGate struct {
	mu    sync.Mutex
	until time.Time
}

// extend moves the gate to t unless it is already later.
func (g *retryGate) extend(t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.After(g.until) {
		g.until = t
	}
}

func (g *retryGate) remaining(now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until.Sub(now)
}

// maxGateWaits bounds how often one call re-waits a gate that other calls
// keep extending; past it the call gives up with a RetryAfterError.
const maxGateWaits = 8

// waitGate blocks until the shared 429 wait is over. A wait longer than
// MaxRetryWait is not slept: the caller gets a RetryAfterError at once.
func (c *Client) waitGate(ctx context.Context, endpoint string) error {
	for i := 0; ; i++ {
		rem := c.gate.remaining(c.clock.Now())
		if rem <= 0 {
			return nil
		}
		if rem > c.cfg.MaxRetryWait || i == maxGateWaits {
			return &RetryAfterError{Wait: rem, Endpoint: endpoint}
		}
		if err := c.clock.Sleep(ctx, rem); err != nil {
			return err
		}
	}
}

// Backoff bounds for 502/503/504 and connection errors.
const (
	backoffBase = 200 * time.Millisecond
	backoffCap  = 5 * time.Second
)

// backoff is the wait before repeat n (1-based): exponential from
// backoffBase, capped at backoffCap, with "equal jitter" (half fixed, half
// random) so that many callers that failed together do not return together.
func backoff(n int) time.Duration {
	d := backoffCap
	if n >= 1 && n < 16 {
		d = min(backoffBase<<(n-1), backoffCap)
	}
	half := d / 2
	return half + rand.N(half+1)
}

// maxRetryAfterSeconds caps a Retry-After in seconds (about 11 days).
const maxRetryAfterSeconds = 1e6

// retryAfter reads Retry-After as delay-seconds or an HTTP date (RFC 9110
// §10.2.3). It returns 0 when the header is absent or unusable, and never a
// negative wait (a date in the past means "now").
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		// Bound absurd values (and float overflow); anything this long is
		// far past MaxRetryWait anyway.
		return time.Duration(min(secs, maxRetryAfterSeconds) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// PacingBacklog is how long a call made now would wait for its pacing slot:
// zero while the limiter has a token to spare, else the queue ahead of it at
// the paced rate. Batchers use it to keep a batch open for as long as its
// call would wait anyway.
func (c *Client) PacingBacklog() time.Duration {
	tokens := c.limiter.TokensAt(c.clock.Now())
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(c.limiter.Limit()) * float64(time.Second))
}
