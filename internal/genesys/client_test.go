package genesys

import (
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
	if got.Timeout != 10*time.Second || got.MaxRetries != 3 || got.MaxRetryWait != time.Minute ||
		got.RateLimit != 300 || got.RateWindow != time.Minute || got.MaxConcurrency != 16 || cap(c.slots) != 16 {
		t.Errorf("defaults not applied: %+v", got)
	}
	cfg := good
	cfg.MaxRetries = -2
	c2, _ := New(cfg)
	if c2.cfg.MaxRetries != 0 {
		t.Errorf("MaxRetries -2 became %d, want 0", c2.cfg.MaxRetries)
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
