package gateway

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesys"
)

// recordingAdd is an addMembersFunc that records its calls.
type recordingAdd struct {
	mu    sync.Mutex
	calls map[string][][]string
	err   error
}

func (r *recordingAdd) add(_ context.Context, queueID string, users []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string][][]string{}
	}
	r.calls[queueID] = append(r.calls[queueID], append([]string(nil), users...))
	return r.err
}

func addConcurrently(b *memberBatcher, queue string, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = b.Add(context.Background(), queue, fmt.Sprintf("u%03d", i))
		}()
	}
	wg.Wait()
	return errs
}

func TestQueueBatcherFlushesWhenFull(t *testing.T) {
	rec := &recordingAdd{}
	// A window far longer than the test: only filling the batch flushes it.
	b := newMemberBatcher(rec.add, 10, fixed(time.Hour))
	done := make(chan []error)
	go func() { done <- addConcurrently(b, "q1", 10) }()
	select {
	case errs := <-done:
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a full batch was not flushed")
	}
	calls := rec.calls["q1"]
	if len(calls) != 1 || len(calls[0]) != 10 {
		t.Fatalf("calls = %v, want one call with 10 members", calls)
	}
	got := append([]string(nil), calls[0]...)
	sort.Strings(got)
	for i, u := range got {
		if u != fmt.Sprintf("u%03d", i) {
			t.Fatalf("members %v, want u000..u009", got)
		}
	}
}

func TestQueueBatcherWindowAndQueuesApart(t *testing.T) {
	rec := &recordingAdd{}
	b := newMemberBatcher(rec.add, 100, fixed(20*time.Millisecond))
	var wg sync.WaitGroup
	for _, q := range []string{"q1", "q2"} {
		wg.Add(1)
		go func() { defer wg.Done(); addConcurrently(b, q, 30) }()
	}
	wg.Wait()
	for _, q := range []string{"q1", "q2"} {
		n := 0
		for _, c := range rec.calls[q] {
			n += len(c)
		}
		if n != 30 {
			t.Errorf("%s: %d members added, want 30", q, n)
		}
		if len(rec.calls[q]) >= 30 {
			t.Errorf("%s: %d calls for 30 concurrent adds, want them coalesced", q, len(rec.calls[q]))
		}
	}
}

func TestQueueBatcherEachWaiterLearnsTheResult(t *testing.T) {
	boom := errors.New("boom")
	rec := &recordingAdd{err: boom}
	b := newMemberBatcher(rec.add, 5, fixed(time.Hour))
	for i, err := range addConcurrently(b, "q", 5) {
		if !errors.Is(err, boom) {
			t.Errorf("add %d: err = %v, want the call's error", i, err)
		}
	}
}

func fixed(d time.Duration) func() time.Duration { return func() time.Duration { return d } }

func TestPacedWindow(t *testing.T) {
	for _, tc := range []struct{ backlog, want time.Duration }{
		{0, batchWindow},
		{time.Second, batchWindow + time.Second},
		{time.Hour, batchMaxWait},
	} {
		if got := pacedWindow(func() time.Duration { return tc.backlog })(); got != tc.want {
			t.Errorf("backlog %v: window %v, want %v", tc.backlog, got, tc.want)
		}
	}
}

// A batch Genesys refuses because of one member (a user deleted meanwhile)
// is split: every other member is still added, and only the bad one fails.
// Found in review: the whole batch's routing was dropped.
func TestQueueBatcherSplitsARefusedBatch(t *testing.T) {
	var mu sync.Mutex
	members := map[string]bool{}
	add := func(_ context.Context, _ string, users []string) error {
		mu.Lock()
		defer mu.Unlock()
		for _, u := range users {
			if u == "u002" {
				return &genesys.APIError{Status: 400, Code: "bad.request", Message: "user u002 not found"}
			}
		}
		for _, u := range users {
			members[u] = true
		}
		return nil
	}
	b := newMemberBatcher(add, 5, fixed(time.Hour))
	errs := addConcurrently(b, "q", 5)
	for i, err := range errs {
		if (err != nil) != (i == 2) {
			t.Errorf("add %d: %v", i, err)
		}
	}
	if len(members) != 4 || members["u002"] {
		t.Fatalf("members %v, want the four good users", members)
	}
}

// The caller leading a batch stops waiting when its request ends, like any
// other member of the batch; the shared call is still made, with its add.
func TestBatcherLeaderLeavesWithItsRequest(t *testing.T) {
	rec := &recordingAdd{}
	b := newMemberBatcher(rec.add, 10, fixed(300*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := b.Add(ctx, "q1", "leader"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("leader's Add = %v, want its deadline", err)
	}
	if waited := time.Since(start); waited >= 300*time.Millisecond {
		t.Fatalf("the leader waited %v, past its request's end, for the batch window", waited)
	}
	if err := b.Add(context.Background(), "q1", "follower"); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := rec.calls["q1"]; len(got) != 1 || len(got[0]) != 2 {
		t.Fatalf("calls = %v, want one call adding the leader and the follower", got)
	}
}
