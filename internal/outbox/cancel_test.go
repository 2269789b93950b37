package outbox

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestCancelKeyRemovesPending(t *testing.T) {
	st := fileStorage(t)
	ran := make(chan string, 8)
	cfg := testConfig(st, func(_ context.Context, e Entry) error { ran <- e.Key; return nil })
	o, scans := newOutbox(t, cfg)
	ctx := context.Background()
	for _, key := range []string{"u1", "u1", "u2", "u10"} {
		if err := o.Enqueue(ctx, Entry{Key: key, NextAttempt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.CancelKey(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if depth, _ := o.Stats(); depth != 2 {
		t.Fatalf("depth after cancel = %d, want 2", depth)
	}
	var keys []string
	for _, e := range storedEntries(t, st.Path) {
		keys = append(keys, e.Key)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"u10", "u2"}) {
		t.Fatalf("stored keys after CancelKey(u1) = %v, want u2 and u10", keys)
	}
	if err := o.CancelKey(ctx, "nobody"); err != nil {
		t.Fatalf("CancelKey of an unknown key: %v", err)
	}

	o.Start()
	got := map[string]bool{recv(t, ran, "run"): true, recv(t, ran, "run"): true}
	waitScans(t, scans, 2)
	if !got["u2"] || !got["u10"] || len(ran) != 0 {
		t.Fatalf("ran %v (+%d more), want exactly u2 and u10", got, len(ran))
	}
}

// TestCancelKeyDuringRun cancels an entry while its attempt is running: the
// attempt finishes, fails, and must not be retried.
func TestCancelKeyDuringRun(t *testing.T) {
	st := fileStorage(t)
	started := make(chan struct{}, 4)
	release := make(chan struct{})
	var runs atomic.Int32
	o, scans := newOutbox(t, testConfig(st, func(context.Context, Entry) error {
		runs.Add(1)
		started <- struct{}{}
		<-release
		return errors.New("upstream down")
	}))
	if err := o.Enqueue(context.Background(), Entry{Key: "u1", NextAttempt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	o.Start()
	recv(t, started, "attempt")
	cancelled := make(chan error, 1)
	go func() { cancelled <- o.CancelKey(context.Background(), "u1") }()
	if err := recv(t, cancelled, "CancelKey while the entry runs"); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitScans(t, scans, 3)
	if n := runs.Load(); n != 1 {
		t.Fatalf("Run called %d times, want 1 (no retry after cancel)", n)
	}
	if left := storedEntries(t, st.Path); len(left) != 0 {
		t.Fatalf("cancelled entry came back: %+v", left)
	}
}

// CancelKey with kinds removes only the key's entries of those kinds.
func TestCancelKeyByKind(t *testing.T) {
	st := fileStorage(t)
	o, _ := newOutbox(t, testConfig(st, func(context.Context, Entry) error { return nil }))
	ctx := context.Background()
	for _, e := range []Entry{{Key: "u1", Kind: "external_id"}, {Key: "u1", Kind: "skills"},
		{Key: "u1", Kind: "manager"}, {Key: "u2", Kind: "external_id"}} {
		e.NextAttempt = time.Now().Add(time.Hour)
		if err := o.Enqueue(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.CancelKey(ctx, "u1", "external_id", "manager"); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range storedEntries(t, st.Path) {
		left = append(left, e.Key+"/"+e.Kind)
	}
	slices.Sort(left)
	if !slices.Equal(left, []string{"u1/skills", "u2/external_id"}) {
		t.Fatalf("entries left %v, want u1/skills and u2/external_id", left)
	}
}

// TestHoldStopsRunningAttempt: Hold cancels the key's running attempt and
// returns only after it ended; while held no attempt of the key starts (the
// other key's entries still run); the stopped attempt is not counted; after
// release the entry runs again.
func TestHoldStopsRunningAttempt(t *testing.T) {
	st := fileStorage(t)
	started := make(chan string, 16)
	var running, heldRuns atomic.Int32
	var holding atomic.Bool
	o, scans := newOutbox(t, testConfig(st, func(ctx context.Context, e Entry) error {
		if e.Key != "u1" {
			return nil
		}
		if holding.Load() {
			heldRuns.Add(1)
		}
		running.Add(1)
		defer running.Add(-1)
		started <- e.Key
		<-ctx.Done() // a slow upstream call, stopped only by its context
		return ctx.Err()
	}))
	ctx := context.Background()
	if err := o.Enqueue(ctx, Entry{Key: "u1", NextAttempt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	o.Start()
	recv(t, started, "the first attempt")

	holding.Store(true)
	release := o.Hold(ctx, "u1")
	if n := running.Load(); n != 0 {
		t.Fatalf("Hold returned with %d attempts of the key still running", n)
	}
	if err := o.Enqueue(ctx, Entry{Key: "u2", NextAttempt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	waitScans(t, scans, 3)
	if n := heldRuns.Load(); n != 0 {
		t.Fatalf("%d attempts of the held key started", n)
	}
	left := storedEntries(t, st.Path)
	if len(left) != 1 || left[0].Key != "u1" || left[0].Attempts != 0 {
		t.Fatalf("stored after the held scans: %+v, want only u1 with 0 attempts counted", left)
	}

	holding.Store(false)
	release()
	recv(t, started, "an attempt after release")
}
