package genesys

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
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
		limit  rate.Limit
		burst  int
	}{
		{300, time.Minute, 5, 5},
		{60, time.Minute, 1, 1},
		{30, time.Minute, 0.5, 1},
		{3600, time.Hour, 1, 1},
		{1000, time.Second, 1000, 1000},
		{10, 100 * time.Millisecond, 100, 100},
	}
	for _, tt := range tests {
		l := newLimiter(tt.n, tt.window)
		if l.Limit() != tt.limit || l.Burst() != tt.burst {
			t.Errorf("newLimiter(%d, %s) = %v/s burst %d; want %v/s burst %d", tt.n, tt.window, l.Limit(), l.Burst(), tt.limit, tt.burst)
		}
	}
}
