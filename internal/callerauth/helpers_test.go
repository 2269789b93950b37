package callerauth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/idptest"
)

// testCooldown is long on the fake clock, so only Advance ends it: tests
// decide exactly when an on-demand refresh is allowed, without sleeping.
const testCooldown = time.Minute

// fakeClock starts at the real time (minted tokens use the real time) and
// only moves when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	idp   *idptest.IdP
	v     *Verifier
	clock *fakeClock
}

// newHarness starts a test IdP and builds (but does not start) a Verifier
// for it; mod may change the Config first.
func newHarness(t testing.TB, mod func(*Config)) *harness {
	t.Helper()
	p, err := idptest.New()
	if err != nil {
		t.Fatal(err)
	}
	jwksURL, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	cfg := Config{
		JWKSURL:         jwksURL,
		Issuer:          p.Issuer(),
		Audiences:       []string{idptest.DefaultAudience},
		FetchTimeout:    2 * time.Second,
		RefreshCooldown: testCooldown,
	}
	if mod != nil {
		mod(&cfg)
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close) // runs before p.Close (LIFO)
	clock := &fakeClock{t: time.Now()}
	v.now = clock.Now
	return &harness{idp: p, v: v, clock: clock}
}

// start starts the Verifier and waits for its first fetch to end.
func (h *harness) start(t testing.TB) {
	t.Helper()
	h.v.Start()
	waitRefresh(t, h.v)
}

// waitRefresh waits (bounded) for the running on-demand refresh, if any.
func waitRefresh(t testing.TB, v *Verifier) {
	t.Helper()
	v.mu.Lock()
	done := v.inflight
	v.mu.Unlock()
	if done == nil {
		return
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("JWKS refresh did not end")
	}
}

func (h *harness) verify(tok string) (*Principal, error) {
	return h.v.Verify(context.Background(), "Bearer "+tok)
}

// reasonOf returns the InvalidTokenError reason, or "" for another error.
func reasonOf(err error) string {
	var inv *InvalidTokenError
	if errors.As(err, &inv) {
		return inv.Reason
	}
	return ""
}

// eventually polls cond for up to 5 s: for effects with no channel to wait
// on (another process's request counter, goroutines winding down).
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	if !eventually(cond) {
		t.Fatal("condition not met within 5s")
	}
}
