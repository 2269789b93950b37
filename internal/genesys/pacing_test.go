package genesys

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// 10 calls per second with a burst of one second's share: the first 10 go at
// once, each later one 100 ms after the previous (on a fake clock, so the
// measurement is exact however loaded the machine is).
func TestPacingSpreadsCalls(t *testing.T) {
	f := newFakeGenesys(t, okJSON(userJSON))
	c := f.client(func(cfg *Config) { cfg.RateLimit, cfg.RateWindow = 600, time.Minute })
	clk := withFakeClock(c)
	for i := range 15 {
		if _, err := c.GetUser(context.Background(), "u1", ""); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	s := clk.Sleeps()
	if len(s) != 5 {
		t.Fatalf("paced waits %v, want 5 (calls 11 to 15)", s)
	}
	for i, d := range s {
		if d < 99*time.Millisecond || d > 101*time.Millisecond {
			t.Errorf("wait %d = %v, want 100ms", i, d)
		}
	}
	if len(f.Requests()) != 15 {
		t.Errorf("%d requests, want 15", len(f.Requests()))
	}
}

// Concurrent callers share the limiter: 300/1m admits 5 at once and queues
// the rest at 5 per second. The fake clock is frozen, so all 20 arrive at the
// same instant and the queue is exact.
func TestPacingIsSharedByConcurrentCallers(t *testing.T) {
	f := newFakeGenesys(t, okJSON(userJSON))
	c := f.client(func(cfg *Config) { cfg.RateLimit, cfg.RateWindow = 300, time.Minute })
	clk := withFakeClock(c)
	clk.frozen = true
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetUser(context.Background(), "u1", ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s := clk.Sleeps()
	var longest time.Duration
	for _, d := range s {
		longest = max(longest, d)
	}
	if len(s) != 15 || longest < 2999*time.Millisecond || longest > 3001*time.Millisecond {
		t.Errorf("%d callers paced, longest wait %v; want 15 (20 minus a burst of 5), the last 3s out", len(s), longest)
	}
}

func TestMaxConcurrencyIsNeverExceeded(t *testing.T) {
	var inFlight, peak atomic.Int32
	f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond) // overlap with the other callers
		inFlight.Add(-1)
		writeJSON(w, 200, userJSON)
	})
	c := f.client(func(cfg *Config) { cfg.MaxConcurrency = 3 })
	var wg sync.WaitGroup
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetUser(context.Background(), "u1", ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 3 {
		t.Errorf("%d requests in flight at once, limit 3", p)
	}
	if len(f.Requests()) != 30 {
		t.Errorf("%d requests, want 30", len(f.Requests()))
	}
}
