package load

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestForEachVisitsEveryIndexOnce(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 4}, {1, 4}, {10, 3}, {100, 32}} {
		var mu sync.Mutex
		seen := map[int]int{}
		forEach(tc.n, tc.workers, func(i int) { mu.Lock(); seen[i]++; mu.Unlock() })
		if len(seen) != tc.n {
			t.Fatalf("n=%d workers=%d: %d distinct indexes", tc.n, tc.workers, len(seen))
		}
		for i, c := range seen {
			if i < 0 || i >= tc.n || c != 1 {
				t.Fatalf("n=%d: index %d visited %d times", tc.n, i, c)
			}
		}
	}
}

// TestRunForCountsOnlyFinishedAnswers: a call cut off by the end of the
// phase counts neither as OK nor as an error.
func TestRunForCountsOnlyFinishedAnswers(t *testing.T) {
	var calls atomic.Int64
	s := runFor(context.Background(), 3, 50*time.Millisecond, func(ctx context.Context) bool {
		n := calls.Add(1)
		if n%2 == 0 {
			return false
		}
		<-ctx.Done() // odd calls hang until the phase ends
		return true
	})
	if s.OK != 0 {
		t.Fatalf("%d OK, want 0: every successful call was cut off", s.OK)
	}
	if s.Errors == 0 || int64(s.Errors) >= calls.Load() {
		t.Fatalf("%d errors of %d calls", s.Errors, calls.Load())
	}
	if s.Elapsed < 50*time.Millisecond {
		t.Fatalf("elapsed %v", s.Elapsed)
	}
}
