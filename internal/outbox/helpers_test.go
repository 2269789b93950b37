package outbox

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// waitLimit bounds every wait in these tests; reaching it is a failure.
const waitLimit = 5 * time.Second

const testPrefix = "scim_genesys/outbox/test"

// testConfig is a fast configuration: millisecond backoffs and polls.
func testConfig(st certmagic.Storage, run RunFunc) Config {
	return Config{
		Storage:      st,
		Prefix:       testPrefix,
		MinBackoff:   5 * time.Millisecond,
		MaxBackoff:   40 * time.Millisecond,
		PollInterval: 20 * time.Millisecond,
		LockWait:     20 * time.Millisecond,
		Run:          run,
		Logger:       zap.NewNop(),
	}
}

// newOutbox builds an Outbox, counts its scans on the returned channel, and
// stops it when the test ends.
func newOutbox(t *testing.T, cfg Config) (*Outbox, <-chan struct{}) {
	t.Helper()
	o, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	scans := make(chan struct{}, 1024)
	o.afterScan = func() {
		select {
		case scans <- struct{}{}:
		default:
		}
	}
	t.Cleanup(o.Stop)
	return o, scans
}

func fileStorage(t *testing.T) *certmagic.FileStorage {
	return &certmagic.FileStorage{Path: t.TempDir()}
}

// waitScans waits for n more completed scans.
func waitScans(t *testing.T, scans <-chan struct{}, n int) {
	t.Helper()
	drain(scans)
	for range n {
		recv(t, scans, "scan")
	}
}

func drain(c <-chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// recv waits for one value on c.
func recv[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// storedEntries reads what is in storage through a fresh FileStorage value,
// as another process would.
func storedEntries(t *testing.T, path string) []Entry {
	t.Helper()
	o, err := New(Config{Storage: &certmagic.FileStorage{Path: path}, Prefix: testPrefix, Run: func(context.Context, Entry) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := o.listEntries(context.Background())
	if err != nil {
		t.Fatalf("listing: %v", err)
	}
	var out []Entry
	for _, k := range keys {
		e, err := o.load(context.Background(), k)
		if err != nil {
			t.Fatalf("loading %s: %v", k, err)
		}
		out = append(out, e)
	}
	return out
}

// assertNoGoroutines fails if goroutines running this package's code are
// still alive. A worker that has closed its done channel may need a moment
// to leave its last frame, so the check polls (bounded) before failing.
func assertNoGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		g := ourGoroutines()
		if len(g) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outbox goroutines survive Stop:\n%s", len(g), strings.Join(g, "\n\n"))
		}
		time.Sleep(time.Millisecond)
	}
}

// ourGoroutines lists the stacks of goroutines running this package's worker
// code. certmagic's own lock-refresh goroutines (which outlive a released
// FileStorage lock by up to 5s by design) are not ours and not counted.
func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var ours []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "internal/outbox.(*Outbox)") {
			ours = append(ours, g)
		}
	}
	return ours
}

// retryAfterErr is an upstream error asking for a wait.
type retryAfterErr struct{ d time.Duration }

func (e retryAfterErr) Error() string             { return "rate limited" }
func (e retryAfterErr) RetryAfter() time.Duration { return e.d }
