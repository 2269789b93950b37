package telemetry

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
)

// Upstream implements genesys.Observer: every attempt moves the metrics and
// the calling request's audit counters (upstream_calls, retries).
type Upstream struct{ M *Metrics }

var _ genesys.Observer = Upstream{}

// ObserveCall records one HTTP attempt.
func (u Upstream) ObserveCall(ctx context.Context, c genesys.CallInfo) {
	audit.FromContext(ctx).CountCall(c.Retry)
	u.M.UpstreamCalls.WithLabelValues(c.Endpoint, strconv.Itoa(c.Status)).Inc()
	u.M.UpstreamLatency.WithLabelValues(c.Endpoint).Observe(c.Duration.Seconds())
	if c.Retry {
		u.M.Retries.Inc()
	}
	if c.Status == http.StatusTooManyRequests {
		u.M.RateLimited.Inc()
	}
}

// ObserveTokenRefresh records one token request.
func (u Upstream) ObserveTokenRefresh(_ context.Context, err error) {
	result := "success"
	if err != nil {
		result = "error"
	}
	u.M.TokenRefreshes.WithLabelValues(result).Inc()
}

// ObserveRateLimited is called when a call is told to wait; the 429 itself
// is already counted by ObserveCall.
func (u Upstream) ObserveRateLimited(context.Context, time.Duration) {}
