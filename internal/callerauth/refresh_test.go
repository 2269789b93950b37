package callerauth

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/idptest"
)

var anyRole = idptest.Claims{Subject: "s", Roles: []string{"admin"}}

func TestKeyRotationPickedUpWithoutRestart(t *testing.T) {
	h := newHarness(t, nil)
	h.start(t)
	oldTok := h.idp.Mint(anyRole)
	if _, err := h.verify(oldTok); err != nil {
		t.Fatal(err)
	}
	if err := h.idp.Rotate(); err != nil {
		t.Fatal(err)
	}
	newTok := h.idp.Mint(anyRole, idptest.WithEC())

	// Inside the cooldown of the first fetch, an unknown kid fetches nothing.
	fetches := h.idp.Fetches()
	if _, err := h.verify(newTok); reasonOf(err) != reasonUnknownKid {
		t.Fatalf("err = %v, want unknown kid", err)
	}
	waitRefresh(t, h.v)
	if got := h.idp.Fetches(); got != fetches {
		t.Fatalf("fetched %d times inside the cooldown", got-fetches)
	}

	// After it, the first unknown kid refreshes (without waiting for it)...
	h.clock.Advance(testCooldown)
	if _, err := h.verify(newTok); reasonOf(err) != reasonUnknownKid {
		t.Fatalf("err = %v, want unknown kid", err)
	}
	waitRefresh(t, h.v)
	// ...and the new keys are in force: the new token passes, the old fails.
	if _, err := h.verify(newTok); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if _, err := h.verify(oldTok); reasonOf(err) != reasonUnknownKid {
		t.Fatalf("old key still accepted: %v", err)
	}
}

func TestUnknownKidStormFetchesAtMostTwice(t *testing.T) {
	h := newHarness(t, nil)
	h.start(t)
	h.clock.Advance(testCooldown) // the storm may trigger exactly one refresh
	tok := h.idp.Mint(anyRole, idptest.WithUnknownKid())

	const n = 1000
	var wrong atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := h.verify(tok); reasonOf(err) != reasonUnknownKid {
				wrong.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	waitRefresh(t, h.v)
	if wrong.Load() != 0 {
		t.Errorf("%d requests did not fail as unknown kid", wrong.Load())
	}
	if got := h.idp.Fetches(); got != 2 {
		t.Fatalf("JWKS fetched %d times, want 2 (start + one on-demand refresh)", got)
	}
}

func TestOutageAfterKeysKnownKeepsVerifying(t *testing.T) {
	for _, tc := range []struct {
		name   string
		outage func(*idptest.IdP)
	}{
		{"down", func(p *idptest.IdP) { p.SetDown(true) }},
		{"hanging", func(p *idptest.IdP) { p.SetHang(true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fetchErrs atomic.Int32
			h := newHarness(t, func(c *Config) { c.OnFetchError = func(error) { fetchErrs.Add(1) } })
			h.start(t)
			tc.outage(h.idp)
			h.clock.Advance(testCooldown)

			// An unknown kid starts a refresh that will fail or hang; neither
			// it nor a good token waits for it.
			begin := time.Now()
			if _, err := h.verify(h.idp.Mint(anyRole, idptest.WithUnknownKid())); reasonOf(err) != reasonUnknownKid {
				t.Fatalf("err = %v, want unknown kid", err)
			}
			if _, err := h.verify(h.idp.Mint(anyRole)); err != nil {
				t.Fatalf("good token during outage: %v", err)
			}
			if d := time.Since(begin); d > h.v.cfg.FetchTimeout/2 {
				t.Fatalf("requests took %v during the outage", d)
			}
			waitRefresh(t, h.v)
			if _, err := h.verify(h.idp.Mint(anyRole, idptest.WithEC())); err != nil {
				t.Fatalf("after the failed refresh: %v", err)
			}
			if fetchErrs.Load() == 0 {
				t.Error("failed refresh not reported to OnFetchError")
			}
		})
	}
}

func TestJWKSDownAtStartRecovers(t *testing.T) {
	h := newHarness(t, nil)
	h.idp.SetDown(true)
	tok := h.idp.Mint(anyRole)
	h.v.Start()
	if _, err := h.verify(tok); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("err = %v, want ErrKeysUnavailable", err)
	}
	h.idp.SetDown(false)

	// Within the cooldown no fetch is made and the answer comes at once.
	fetches := h.idp.Fetches()
	if _, err := h.verify(tok); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("err = %v, want ErrKeysUnavailable", err)
	}
	if h.idp.Fetches() != fetches {
		t.Fatal("fetched inside the cooldown")
	}

	// After it, the next request fetches, waits for the keys and passes.
	h.clock.Advance(testCooldown)
	if _, err := h.verify(tok); err != nil {
		t.Fatalf("after the JWKS came back: %v", err)
	}
}

func TestHangingJWKSAtStartAnswersWithinFetchTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	h := newHarness(t, func(c *Config) { c.FetchTimeout = timeout })
	h.idp.SetHang(true)
	h.v.Start()
	begin := time.Now()
	_, err := h.verify(h.idp.Mint(anyRole))
	if d := time.Since(begin); d > timeout+time.Second {
		t.Fatalf("answered after %v, FetchTimeout is %v", d, timeout)
	}
	if !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("err = %v, want ErrKeysUnavailable", err)
	}

	// A caller that gives up earlier is let go earlier.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.clock.Advance(testCooldown)
	if _, err := h.v.Verify(ctx, "Bearer "+h.idp.Mint(anyRole)); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("err = %v, want ErrKeysUnavailable", err)
	}

	closed := make(chan struct{})
	go func() { h.v.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on a hanging fetch")
	}
}

func TestVerifyBeforeStartAndAfterClose(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.idp.Mint(anyRole)
	if _, err := h.verify(tok); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("before Start: %v", err)
	}
	h.v.Close()
	h.v.Start() // no-op after Close
	if _, err := h.verify(tok); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("after Close: %v", err)
	}
	if h.idp.Fetches() != 0 {
		t.Fatalf("fetched %d times without a running Verifier", h.idp.Fetches())
	}
}

// TestCloseLeavesNoGoroutines counts goroutines (goleak is not a
// requirement in go.mod): after Close, everything the Verifier and its
// jwk.Cache started must end, including a fetch hanging at the time.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	// A fetch not aborted by Close would outlive this test's deadline.
	h := newHarness(t, func(c *Config) { c.FetchTimeout = time.Minute })
	before := runtime.NumGoroutine()

	h.start(t)
	if _, err := h.verify(h.idp.Mint(anyRole)); err != nil {
		t.Fatal(err)
	}
	h.idp.SetHang(true)
	h.clock.Advance(testCooldown)
	fetches := h.idp.Fetches()
	_, _ = h.verify(h.idp.Mint(anyRole, idptest.WithUnknownKid())) // starts a fetch that hangs
	waitFor(t, func() bool { return h.idp.Fetches() > fetches })
	h.v.Close()

	if !eventually(func() bool { return runtime.NumGoroutine() <= before }) {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf.String())
	}
}
