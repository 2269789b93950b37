package genesystest

import (
	"net/http"
	"strconv"
	"time"
)

// unlimitedAllowed is reported in inin-ratelimit-allowed when RateLimit is 0
// or fast mode is on.
const unlimitedAllowed = 1 << 31

// countCall counts one API call in t's fixed window (Genesys limits per
// token per minute) and says whether it is over the limit and, if so, how
// long until the window frees. The caller holds e.tokens.mu.
func (e *Emulator) countCall(t *token, now time.Time) (limited bool, retry time.Duration) {
	if t.windowStart.IsZero() || !now.Before(t.windowStart.Add(e.cfg.RateWindow)) {
		t.windowStart, t.count = now, 0
	}
	t.count++
	if e.cfg.RateLimit > 0 && !e.fast.Load() && t.count > e.cfg.RateLimit {
		return true, t.windowStart.Add(e.cfg.RateWindow).Sub(now)
	}
	return false, 0
}

// setRateHeaders adds the inin-ratelimit-* headers every API response
// carries. t is nil when no valid token was presented.
func (e *Emulator) setRateHeaders(c *call, t *token, now time.Time) {
	allowed := e.cfg.RateLimit
	if allowed <= 0 || e.fast.Load() {
		allowed = unlimitedAllowed
	}
	count, reset := 0, e.cfg.RateWindow
	if t != nil {
		count = t.count
		reset = t.windowStart.Add(e.cfg.RateWindow).Sub(now)
	}
	h := c.w.Header()
	h["Inin-Ratelimit-Allowed"] = []string{strconv.Itoa(allowed)}
	h["Inin-Ratelimit-Count"] = []string{strconv.Itoa(count)}
	h["Inin-Ratelimit-Reset"] = []string{strconv.Itoa(ceilSeconds(reset))}
}

// tooManyRequests answers Genesys's 429: code too.many.requests.retry.after
// and a Retry-After header, which the SDKs' retry logic reads.
func (c *call) tooManyRequests(retry time.Duration) {
	s := strconv.Itoa(ceilSeconds(retry))
	c.w.Header()["Retry-After"] = []string{s}
	c.fail(http.StatusTooManyRequests, "too.many.requests.retry.after",
		"Rate limit exceeded the maximum. Retry the request in ["+s+"] seconds")
}

// ceilSeconds rounds d up to whole seconds, at least 1.
func ceilSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
