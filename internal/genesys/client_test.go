package genesys

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	good := Config{APIURL: "https://api.mypurecloud.com", LoginURL: "https://login.mypurecloud.com", ClientID: "id", ClientSecret: "topsecret"}
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"no api url", func(c *Config) { c.APIURL = "" }},
		{"relative api url", func(c *Config) { c.APIURL = "api.mypurecloud.com" }},
		{"ftp login url", func(c *Config) { c.LoginURL = "ftp://login.mypurecloud.com" }},
		{"no client id", func(c *Config) { c.ClientID = "" }},
		{"no secret", func(c *Config) { c.ClientSecret = "" }},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }},
		{"negative concurrency", func(c *Config) { c.MaxConcurrency = -1 }},
		{"negative retries", func(c *Config) { c.MaxRetries = new(-1) }},
	}
	for _, tt := range tests {
		cfg := good
		tt.mod(&cfg)
		_, err := New(cfg)
		if err == nil {
			t.Errorf("%s: New succeeded", tt.name)
			continue
		}
		if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("%s: error leaks the secret: %v", tt.name, err)
		}
	}
	c, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := c.cfg
	if got.Timeout != DefaultTimeout || *got.MaxRetries != DefaultMaxRetries || got.MaxRetryWait != DefaultMaxRetryWait ||
		got.RateLimit != DefaultRateLimit || got.RateWindow != DefaultRateWindow || got.MaxConcurrency != DefaultMaxConcurrency ||
		cap(c.slots) != DefaultMaxConcurrency {
		t.Errorf("defaults not applied: %+v", got)
	}
}

// MaxRetries: nil is the default budget, a pointer to 0 no repeat at all,
// any other value that many repeats; New keeps its own copy.
func TestMaxRetries(t *testing.T) {
	tests := []struct {
		name     string
		retries  *int
		requests int
	}{
		{"nil", nil, 1 + DefaultMaxRetries},
		{"zero", new(0), 1},
		{"five", new(5), 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, status(503, "service.unavailable"))
			c := f.client(func(cfg *Config) { cfg.MaxRetries = tt.retries })
			if tt.retries != nil {
				*tt.retries = 100 // changing the caller's int after New changes nothing
			}
			withFakeClock(c)
			_, err := c.GetUser(context.Background(), "u1", "")
			var ue *UnavailableError
			if !errors.As(err, &ue) || len(f.Requests()) != tt.requests {
				t.Errorf("err = %v after %d requests, want UnavailableError after %d", err, len(f.Requests()), tt.requests)
			}
		})
	}
}

func TestLimiterShape(t *testing.T) {
	tests := []struct {
		n      int
		window time.Duration
		limit  float64
		burst  int
	}{
		{300, time.Minute, 295.0 / 60, 5},
		{1200, time.Minute, 1180.0 / 60, 20},
		{60, time.Minute, 59.0 / 60, 1},
		{30, time.Minute, 29.0 / 60, 1},
		{3600, time.Hour, 3599.0 / 3600, 1},
		{1000, time.Second, 900, 100},
		{10, 100 * time.Millisecond, 90, 1},
	}
	for _, tt := range tests {
		l := newLimiter(tt.n, tt.window)
		if math.Abs(float64(l.Limit())-tt.limit) > 1e-9 || l.Burst() != tt.burst {
			t.Errorf("newLimiter(%d, %s) = %v/s burst %d; want %v/s burst %d", tt.n, tt.window, l.Limit(), l.Burst(), tt.limit, tt.burst)
		}
	}
}

// TestLimiterNeverExceedsWindow: calling as fast as the limiter allows for
// several windows, no window of the configured length (sliding, so fixed
// windows too) ever holds more than n calls, and the long-run rate stays
// within the burst's share of n per window.
func TestLimiterNeverExceedsWindow(t *testing.T) {
	for _, tc := range []struct {
		n      int
		window time.Duration
	}{{300, time.Minute}, {1200, time.Minute}, {60, time.Minute}, {1000, time.Second}} {
		l := newLimiter(tc.n, tc.window)
		start := time.Unix(0, 0)
		now := start
		var calls []time.Time
		for now.Before(start.Add(3 * tc.window)) {
			r := l.ReserveN(now, 1)
			now = now.Add(r.DelayFrom(now))
			calls = append(calls, now)
		}
		lo := 0
		for hi := range calls {
			for calls[hi].Sub(calls[lo]) >= tc.window {
				lo++
			}
			if n := hi - lo + 1; n > tc.n {
				t.Fatalf("%d/%s: %d calls within one window ending at %v", tc.n, tc.window, n, calls[hi].Sub(start))
			}
		}
		// The burst (at most a tenth of n) is what the guarantee costs.
		if got := float64(len(calls)) / 3; got < 0.9*float64(tc.n) {
			t.Fatalf("%d/%s: only %.0f calls per window, want at least 90%% of the limit", tc.n, tc.window, got)
		}
	}
}
