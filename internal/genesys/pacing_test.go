package genesys

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// 600/1m: a burst of one second's share (10) goes at once, each later call
// 60s/590 (101.7 ms) after the previous, so no minute holds more than 600
// (on a fake clock, so the measurement is exact however loaded the machine
// is).
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
		if want := time.Minute / 590; d < want-time.Millisecond || d > want+time.Millisecond {
			t.Errorf("wait %d = %v, want %v", i, d, want)
		}
	}
	if len(f.Requests()) != 15 {
		t.Errorf("%d requests, want 15", len(f.Requests()))
	}
}

// Concurrent callers share the limiter: 300/1m admits 5 at once and queues
// the rest one every 60s/295. The fake clock is frozen, so all 20 arrive at the
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
	want := 15 * time.Minute / 295
	if len(s) != 15 || longest < want-time.Millisecond || longest > want+time.Millisecond {
		t.Errorf("%d callers paced, longest wait %v; want 15 (20 minus a burst of 5), the last %v out", len(s), longest, want)
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

// TestPacingBacklog: zero while the burst lasts, then the paced queue ahead
// of a new call (300/1m paces one call every 60s/295).
func TestPacingBacklog(t *testing.T) {
	f := newFakeGenesys(t, okJSON(userJSON))
	c := f.client(func(cfg *Config) { cfg.RateLimit, cfg.RateWindow = 300, time.Minute })
	clk := withFakeClock(c)
	clk.frozen = true
	if d := c.PacingBacklog(); d != 0 {
		t.Fatalf("backlog %v with a full bucket", d)
	}
	now := clk.Now()
	for range 5 + 10 { // the burst, then ten calls queued behind it
		c.limiter.ReserveN(now, 1)
	}
	want := 11 * time.Minute / 295
	if d := c.PacingBacklog(); d < want-time.Millisecond || d > want+time.Millisecond {
		t.Fatalf("backlog %v, want %v (ten queued calls and its own slot)", d, want)
	}
}

// Flows take turns: a caller with thirty calls in flight in one flow holds
// one pending slot at a time, so another caller's single call arrives within
// a couple of slots of being made instead of after the thirty. Without flows
// the limiter serves the slots in the order they were booked.
func TestFlowsTakeTurns(t *testing.T) {
	for _, tc := range []struct {
		name     string
		flows    bool
		maxAfter int // arrivals between the light call's start and its own
	}{{"with flows", true, 2}, {"without flows", false, 1 << 30}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeGenesys(t, okJSON(userJSON))
			c := f.client(func(cfg *Config) { cfg.RateLimit, cfg.RateWindow = 40, time.Second })
			heavy, light := context.Background(), context.Background()
			if tc.flows {
				heavy, light = WithFlow(heavy), WithFlow(light)
			}
			var wg sync.WaitGroup
			for i := range 30 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := c.GetUser(heavy, fmt.Sprint("heavy-", i), ""); err != nil {
						t.Error(err)
					}
				}()
			}
			for len(f.Requests()) < 5 {
				time.Sleep(5 * time.Millisecond)
			}
			before := len(f.Requests())
			if _, err := c.GetUser(light, "light", ""); err != nil {
				t.Fatal(err)
			}
			reqs := f.Requests()
			pos := slices.IndexFunc(reqs, func(r recordedRequest) bool { return strings.HasSuffix(r.Path, "/light") })
			if after := pos - before; after > tc.maxAfter {
				t.Errorf("the light call arrived %d calls after it was made, want at most %d", after, tc.maxAfter)
			}
			if !tc.flows && pos-before < 10 {
				t.Errorf("without flows the light call arrived %d calls after it was made; the test no longer shows the queue", pos-before)
			}
			wg.Wait()
		})
	}
}
