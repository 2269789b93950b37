// Package telemetry holds the gateway's Prometheus metrics and the observer
// that feeds them (and the per-request audit counters) from upstream calls.
//
// Caddy gives every config load a fresh registry (ctx.GetMetricsRegistry), so
// the collectors are created once per process and registered again with each
// new registry; values therefore survive a reload (the bug caddy-ratelimit
// had in its issue #100).
package telemetry

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "caddy_scim_genesys"

// Metrics are the process-wide collectors.
type Metrics struct {
	Requests        *prometheus.CounterVec   // operation, status
	UpstreamCalls   *prometheus.CounterVec   // endpoint, status
	UpstreamLatency *prometheus.HistogramVec // endpoint
	Retries         prometheus.Counter
	RateLimited     prometheus.Counter     // 429s received from Genesys
	TokenRefreshes  *prometheus.CounterVec // result: success, error
	NameCache       *prometheus.CounterVec // kind (skill, language, queue), result (hit, miss)
	OutboxDone      *prometheus.CounterVec // result: completed, given_up

	outbox *outboxCollector
}

var (
	once    sync.Once
	metrics *Metrics
)

// Get returns the process-wide collectors, creating them on first use.
func Get() *Metrics {
	once.Do(func() {
		metrics = &Metrics{
			Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: namespace, Name: "requests_total",
				Help: "SCIM requests answered, by operation and HTTP status.",
			}, []string{"operation", "status"}),
			UpstreamCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: namespace, Name: "upstream_calls_total",
				Help: "HTTP attempts to Genesys Cloud, by templated endpoint and status (0: transport error).",
			}, []string{"endpoint", "status"}),
			UpstreamLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
				Namespace: namespace, Name: "upstream_call_duration_seconds",
				Help:    "Latency of HTTP attempts to Genesys Cloud.",
				Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
			}, []string{"endpoint"}),
			Retries: prometheus.NewCounter(prometheus.CounterOpts{
				Namespace: namespace, Name: "upstream_retries_total",
				Help: "Upstream attempts that repeated an earlier attempt.",
			}),
			RateLimited: prometheus.NewCounter(prometheus.CounterOpts{
				Namespace: namespace, Name: "upstream_rate_limited_total",
				Help: "429 answers received from Genesys Cloud.",
			}),
			TokenRefreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: namespace, Name: "token_refreshes_total",
				Help: "OAuth token requests to Genesys Cloud, by result.",
			}, []string{"result"}),
			NameCache: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: namespace, Name: "name_cache_lookups_total",
				Help: "Skill, language and queue name resolutions, by kind and cache result.",
			}, []string{"kind", "result"}),
			OutboxDone: prometheus.NewCounterVec(prometheus.CounterOpts{
				Namespace: namespace, Name: "outbox_entries_finished_total",
				Help: "Outbox entries finished, by result (completed, given_up).",
			}, []string{"result"}),
			outbox: newOutboxCollector(),
		}
	})
	return metrics
}

// Register registers every collector with reg (a config load's registry).
// Already-registered collectors are fine: several handlers share a config.
func Register(reg prometheus.Registerer) (*Metrics, error) {
	m := Get()
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.Requests, m.UpstreamCalls, m.UpstreamLatency,
		m.Retries, m.RateLimited, m.TokenRefreshes, m.NameCache, m.OutboxDone, m.outbox} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}

// ObserveRequest counts one answered SCIM request.
func (m *Metrics) ObserveRequest(operation string, status int) {
	if operation == "" {
		operation = "unknown"
	}
	m.Requests.WithLabelValues(operation, strconv.Itoa(status)).Inc()
}

// OutboxSource reports an outbox's depth and oldest entry age.
type OutboxSource func() (depth int, oldest time.Duration)

// AddOutbox makes src part of the outbox gauges until the returned function
// is called (on Cleanup).
func (m *Metrics) AddOutbox(src OutboxSource) (remove func()) {
	return m.outbox.add(src)
}

// outboxCollector sums the depth and takes the oldest age over the live
// outboxes at scrape time, so a reload (two configs briefly alive) neither
// double-registers nor loses the gauges.
type outboxCollector struct {
	depth, oldest *prometheus.Desc
	mu            sync.Mutex
	next          int
	srcs          map[int]OutboxSource
}

func newOutboxCollector() *outboxCollector {
	return &outboxCollector{
		depth: prometheus.NewDesc(namespace+"_outbox_depth",
			"Pending post-create steps in the durable outbox.", nil, nil),
		oldest: prometheus.NewDesc(namespace+"_outbox_oldest_age_seconds",
			"Age of the oldest pending outbox entry.", nil, nil),
		srcs: map[int]OutboxSource{},
	}
}

func (c *outboxCollector) add(src OutboxSource) func() {
	c.mu.Lock()
	id := c.next
	c.next++
	c.srcs[id] = src
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		delete(c.srcs, id)
		c.mu.Unlock()
	}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	srcs := make([]OutboxSource, 0, len(c.srcs))
	for _, s := range c.srcs {
		srcs = append(srcs, s)
	}
	c.mu.Unlock()
	// Instances sharing one storage see the same entries: report the largest
	// view rather than a sum that would count entries twice.
	var depth int
	var oldest time.Duration
	for _, s := range srcs {
		d, o := s()
		depth = max(depth, d)
		oldest = max(oldest, o)
	}
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(depth))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, oldest.Seconds())
}

// ObserveNameLookup counts a skill, language or queue name resolution.
func (m *Metrics) ObserveNameLookup(kind string, hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	m.NameCache.WithLabelValues(kind, result).Inc()
}

// ObserveOutboxDone counts a finished outbox entry.
func (m *Metrics) ObserveOutboxDone(givenUp bool) {
	result := "completed"
	if givenUp {
		result = "given_up"
	}
	m.OutboxDone.WithLabelValues(result).Inc()
}
