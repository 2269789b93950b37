package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// TestRetriesWithGrowingBackoff checks that failures are persisted (each Run
// sees the previous attempts' count and error, re-loaded from storage) and
// that the gaps between attempts respect the doubling backoff.
func TestRetriesWithGrowingBackoff(t *testing.T) {
	const failures = 4
	type call struct {
		at time.Time
		e  Entry
	}
	calls := make(chan call, failures+1)
	completed := make(chan Entry, 1)
	cfg := testConfig(fileStorage(t), func(_ context.Context, e Entry) error {
		calls <- call{time.Now(), e}
		if e.Attempts < failures {
			return fmt.Errorf("fail %d", e.Attempts)
		}
		return nil
	})
	cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 80*time.Millisecond
	cfg.OnComplete = func(e Entry) { completed <- e }
	o, _ := newOutbox(t, cfg)
	if err := o.Enqueue(context.Background(), Entry{Key: "u", NextAttempt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	o.Start()

	prev := recv(t, calls, "first attempt")
	for i := 1; i <= failures; i++ {
		c := recv(t, calls, fmt.Sprintf("attempt %d", i+1))
		if c.e.Attempts != i || c.e.LastError != fmt.Sprintf("fail %d", i-1) {
			t.Fatalf("attempt %d saw attempts=%d last_error=%q", i+1, c.e.Attempts, c.e.LastError)
		}
		// Equal jitter: the wait after the i-th failure is at least half
		// of MinBackoff*2^(i-1) (capped), and it can never be early.
		floor := min(cfg.MinBackoff<<(i-1), cfg.MaxBackoff) / 2
		if gap := c.at.Sub(prev.at); gap < floor {
			t.Fatalf("gap before attempt %d = %s, want at least %s", i+1, gap, floor)
		}
		prev = c
	}
	if e := recv(t, completed, "OnComplete"); e.Attempts != failures {
		t.Fatalf("OnComplete entry has attempts=%d, want %d", e.Attempts, failures)
	}
}

func TestBackoffBounds(t *testing.T) {
	const minB, maxB = 100 * time.Millisecond, time.Second
	tests := []struct {
		failures int
		want     time.Duration // before jitter
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{1000, time.Second}, // no overflow
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.failures), func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := backoff(minB, maxB, tt.failures)
				if d < tt.want/2 || d > tt.want {
					t.Fatalf("backoff = %s, want within [%s, %s]", d, tt.want/2, tt.want)
				}
				seen[d] = true
			}
			if len(seen) < 10 {
				t.Fatalf("only %d distinct waits in 200 draws: no jitter", len(seen))
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	const wait = 150 * time.Millisecond
	tests := []struct {
		name string
		err  error
	}{
		{"direct", retryAfterErr{wait}},
		{"wrapped", fmt.Errorf("adding skills: %w", retryAfterErr{wait})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := fileStorage(t)
			times := make(chan time.Time, 2)
			cfg := testConfig(st, func(_ context.Context, e Entry) error {
				times <- time.Now()
				if e.Attempts == 0 {
					return tt.err
				}
				return nil
			})
			o, _ := newOutbox(t, cfg)
			if err := o.Enqueue(context.Background(), Entry{Key: "u", NextAttempt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			o.Start()
			first := recv(t, times, "first attempt")
			second := recv(t, times, "second attempt")
			if gap := second.Sub(first); gap < wait {
				t.Fatalf("second attempt %s after the first, want at least the %s asked for (backoff is %s)", gap, wait, cfg.MaxBackoff)
			}
		})
	}
}

func TestGiveUpAfterMaxAge(t *testing.T) {
	tests := []struct {
		name     string
		created  time.Duration // before now
		nextIn   time.Duration // first attempt due after
		fail     bool
		wantRuns bool
		wantErr  string
	}{
		{"keeps failing", 0, 0, true, true, "boom"},
		{"already too old", time.Hour, 0, false, false, "no attempt succeeded"},
		// Past MaxAge is given up even before its (far) next attempt.
		{"too old, not yet due", time.Hour, time.Hour, false, false, "no attempt succeeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := fileStorage(t)
			var runs, giveUps atomic.Int32
			gaveUp := make(chan error, 4)
			cfg := testConfig(st, func(context.Context, Entry) error {
				runs.Add(1)
				if tt.fail {
					return errors.New("boom")
				}
				return nil
			})
			cfg.MaxAge = 60 * time.Millisecond
			cfg.OnGiveUp = func(_ Entry, err error) { giveUps.Add(1); gaveUp <- err }
			cfg.OnComplete = func(Entry) { t.Error("OnComplete called for an entry past MaxAge") }
			o, scans := newOutbox(t, cfg)
			e := Entry{Key: "u", Created: time.Now().Add(-tt.created), NextAttempt: time.Now().Add(tt.nextIn)}
			if err := o.Enqueue(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			o.Start()
			if err := recv(t, gaveUp, "OnGiveUp"); err == nil || err.Error() != tt.wantErr {
				t.Fatalf("OnGiveUp error = %v, want %q", err, tt.wantErr)
			}
			waitScans(t, scans, 3)
			if n := giveUps.Load(); n != 1 {
				t.Fatalf("OnGiveUp called %d times, want 1", n)
			}
			if (runs.Load() > 0) != tt.wantRuns {
				t.Fatalf("Run called %d times, want runs=%v", runs.Load(), tt.wantRuns)
			}
			if left := storedEntries(t, st.Path); len(left) != 0 {
				t.Fatalf("entries left after giving up: %+v", left)
			}
		})
	}
}

func TestPanickingRunIsRetried(t *testing.T) {
	var calls atomic.Int32
	lastErr := make(chan string, 1)
	cfg := testConfig(fileStorage(t), func(_ context.Context, e Entry) error {
		if calls.Add(1) == 1 {
			panic("bad payload")
		}
		lastErr <- e.LastError
		return nil
	})
	o, _ := newOutbox(t, cfg)
	if err := o.Enqueue(context.Background(), Entry{Key: "u", NextAttempt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	o.Start()
	if got := recv(t, lastErr, "retry after panic"); !strings.Contains(got, "panicked: bad payload") {
		t.Fatalf("LastError = %q, want the panic recorded", got)
	}
}

func TestTruncateError(t *testing.T) {
	long := strings.Repeat("é", maxErrorLen) // two bytes each: a cut can split one
	got := truncateError(long)
	if len(got) > maxErrorLen+len("…") || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
		t.Fatalf("truncateError gave %d bytes (valid UTF-8: %v)", len(got), utf8.ValidString(got))
	}
	if truncateError("short") != "short" {
		t.Fatal("short error changed")
	}
}
