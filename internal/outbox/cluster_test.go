package outbox

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

// TestTwoInstancesRunEachEntryOnce runs two Outbox values, as two Caddy
// instances would, on one storage folder (each with its own FileStorage
// value). Every entry must be run and hooked exactly once in total, and
// never by both at the same time.
func TestTwoInstancesRunEachEntryOnce(t *testing.T) {
	const entries = 50
	tests := []struct {
		name    string
		created time.Duration // before now; past MaxAge means give up
	}{
		{"complete", 0},
		{"give up", 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var (
				mu       sync.Mutex
				runs     = map[string]int{}
				hooks    = map[string]int{}
				inFlight = map[string]bool{}
				overlaps atomic.Int32
				byA, byB atomic.Int32
			)
			finished := make(chan struct{}, 2*entries)
			hook := func(e Entry) {
				mu.Lock()
				hooks[e.ID]++
				mu.Unlock()
				finished <- struct{}{}
			}
			instance := func(counter *atomic.Int32) (*Outbox, <-chan struct{}) {
				cfg := testConfig(&certmagic.FileStorage{Path: dir}, func(ctx context.Context, e Entry) error {
					counter.Add(1)
					mu.Lock()
					runs[e.ID]++
					if inFlight[e.ID] {
						overlaps.Add(1)
					}
					inFlight[e.ID] = true
					mu.Unlock()
					time.Sleep(3 * time.Millisecond) // the work: long enough for the instances to overlap
					mu.Lock()
					inFlight[e.ID] = false
					mu.Unlock()
					return nil
				})
				cfg.MaxAge = time.Hour
				cfg.OnComplete = hook
				cfg.OnGiveUp = func(e Entry, _ error) { hook(e) }
				return newOutbox(t, cfg)
			}
			a, scansA := instance(&byA)
			b, scansB := instance(&byB)
			for i := range entries {
				e := Entry{Key: fmt.Sprintf("user-%d", i%7), Created: time.Now().Add(-tt.created), NextAttempt: time.Now()}
				if err := a.Enqueue(context.Background(), e); err != nil {
					t.Fatal(err)
				}
			}
			a.Start()
			b.Start()
			for i := range entries {
				recv(t, finished, fmt.Sprintf("entry %d of %d finished", i+1, entries))
			}
			waitScans(t, scansA, 2)
			waitScans(t, scansB, 2)
			a.Stop()
			b.Stop()

			mu.Lock()
			defer mu.Unlock()
			if len(hooks) != entries {
				t.Fatalf("hooks ran for %d entries, want %d", len(hooks), entries)
			}
			for id, n := range hooks {
				if n != 1 {
					t.Errorf("entry %s: hook called %d times", id, n)
				}
			}
			wantRuns := 1
			if tt.created > 0 {
				wantRuns = 0
			}
			for id := range hooks {
				if runs[id] != wantRuns {
					t.Errorf("entry %s: Run called %d times, want %d", id, runs[id], wantRuns)
				}
			}
			if n := overlaps.Load(); n != 0 {
				t.Errorf("%d runs overlapped with a run of the same entry", n)
			}
			if left := storedEntries(t, dir); len(left) != 0 {
				t.Errorf("%d entries left", len(left))
			}
			t.Logf("runs by instance: a=%d b=%d", byA.Load(), byB.Load())
		})
	}
}
