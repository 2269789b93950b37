package outbox

import (
	"context"
	"testing"
	"time"
)

func TestStopLeavesNoGoroutines(t *testing.T) {
	runCtxDone := make(chan struct{})
	started := make(chan struct{}, 1)
	st := fileStorage(t)
	busy, _ := newOutbox(t, testConfig(st, func(ctx context.Context, e Entry) error {
		started <- struct{}{}
		<-ctx.Done()
		close(runCtxDone)
		return ctx.Err()
	}))
	idle, _ := newOutbox(t, testConfig(fileStorage(t), func(context.Context, Entry) error { return nil }))
	if err := busy.Enqueue(context.Background(), Entry{Key: "u", NextAttempt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	busy.Start()
	busy.Start() // a second Start must not add a worker
	idle.Start()
	recv(t, started, "attempt")

	busy.Stop()
	select {
	case <-runCtxDone:
	default:
		t.Fatal("Stop returned before the running attempt saw its context cancelled")
	}
	idle.Stop()
	idle.Stop() // idempotent
	idle.RunNow()
	assertNoGoroutines(t)

	// Start after Stop runs a new worker, which Stop ends again.
	idle.Start()
	if len(ourGoroutines()) == 0 {
		t.Fatal("no worker after a restart")
	}
	idle.Stop()
	assertNoGoroutines(t)
}

func TestRunNowScansImmediately(t *testing.T) {
	cfg := testConfig(fileStorage(t), func(context.Context, Entry) error { return nil })
	cfg.PollInterval = time.Hour
	o, scans := newOutbox(t, cfg)
	o.Start()
	recv(t, scans, "first scan")
	o.RunNow()
	recv(t, scans, "scan after RunNow")
}

// TestEnqueueWakesWorker: with an hour-long poll interval, an entry is still
// run at its due time because Enqueue shortens the worker's sleep.
func TestEnqueueWakesWorker(t *testing.T) {
	ran := make(chan struct{}, 1)
	cfg := testConfig(fileStorage(t), func(context.Context, Entry) error { ran <- struct{}{}; return nil })
	cfg.PollInterval = time.Hour
	o, scans := newOutbox(t, cfg)
	o.Start()
	recv(t, scans, "first scan")
	if err := o.Enqueue(context.Background(), Entry{Key: "u"}); err != nil {
		t.Fatal(err)
	}
	recv(t, ran, "run of an entry enqueued while the worker sleeps")
}
