package telemetry

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
)

// TestReRegisterOnReload: a config reload brings a new registry; the same
// collectors register again and keep counting from where they were.
func TestReRegisterOnReload(t *testing.T) {
	first := prometheus.NewPedanticRegistry()
	m, err := Register(first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Register(first); err != nil { // a second handler in the same config
		t.Fatalf("registering twice on one registry: %v", err)
	}
	c := m.Requests.WithLabelValues("create", "201")
	before := testutil.ToFloat64(c)
	m.ObserveRequest("create", 201)

	second := prometheus.NewPedanticRegistry()
	if _, err := Register(second); err != nil {
		t.Fatal(err)
	}
	m.ObserveRequest("create", 201)
	if got := testutil.ToFloat64(c); got != before+2 {
		t.Fatalf("counter %v, want %v", got, before+2)
	}
	n, err := testutil.GatherAndCount(second, "caddy_scim_genesys_requests_total")
	if err != nil || n == 0 {
		t.Fatalf("new registry serves %d request series (%v)", n, err)
	}
}

func TestUpstreamObserver(t *testing.T) {
	m := Get()
	req := &audit.Request{}
	ctx := audit.NewContext(context.Background(), req)
	u := Upstream{M: m}
	retries := testutil.ToFloat64(m.Retries)
	limited := testutil.ToFloat64(m.RateLimited)
	u.ObserveCall(ctx, genesys.CallInfo{Endpoint: "GET /api/v2/users/{id}", Status: 429, Duration: time.Millisecond})
	u.ObserveCall(ctx, genesys.CallInfo{Endpoint: "GET /api/v2/users/{id}", Status: http.StatusOK, Retry: true})
	if req.UpstreamCalls() != 2 || req.Retries() != 1 {
		t.Fatalf("audit counts %d calls, %d retries; want 2, 1", req.UpstreamCalls(), req.Retries())
	}
	if testutil.ToFloat64(m.Retries) != retries+1 || testutil.ToFloat64(m.RateLimited) != limited+1 {
		t.Fatal("retry or 429 not counted")
	}
}

// TestOutboxGauges: the gauges show the largest live view and forget a
// removed source.
func TestOutboxGauges(t *testing.T) {
	m := Get()
	reg := prometheus.NewPedanticRegistry()
	if _, err := Register(reg); err != nil {
		t.Fatal(err)
	}
	rm1 := m.AddOutbox(func() (int, time.Duration) { return 3, 10 * time.Second })
	rm2 := m.AddOutbox(func() (int, time.Duration) { return 2, 40 * time.Second })
	depth := gauge(t, reg, "caddy_scim_genesys_outbox_depth")
	age := gauge(t, reg, "caddy_scim_genesys_outbox_oldest_age_seconds")
	if depth != 3 || age != 40 {
		t.Fatalf("depth %v age %v, want 3 and 40", depth, age)
	}
	rm1()
	rm2()
	if d := gauge(t, reg, "caddy_scim_genesys_outbox_depth"); d != 0 {
		t.Fatalf("depth %v after removing every source", d)
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s", name)
	return 0
}
