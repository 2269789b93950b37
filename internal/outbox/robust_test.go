package outbox

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// flakyStorage fails the next N List or Store calls, as a storage backend
// that is briefly unreachable would.
type flakyStorage struct {
	certmagic.Storage
	listFails, storeFails atomic.Int32
}

func (f *flakyStorage) List(ctx context.Context, p string, recursive bool) ([]string, error) {
	if f.listFails.Add(-1) >= 0 {
		return nil, errors.New("injected list failure")
	}
	return f.Storage.List(ctx, p, recursive)
}

func (f *flakyStorage) Store(ctx context.Context, key string, value []byte) error {
	if f.storeFails.Add(-1) >= 0 {
		return errors.New("injected store failure")
	}
	return f.Storage.Store(ctx, key, value)
}

func observed(cfg *Config) *observer.ObservedLogs {
	core, logs := observer.New(zapcore.DebugLevel)
	cfg.Logger = zap.New(core)
	return logs
}

func messages(logs *observer.ObservedLogs, substr string) int {
	return logs.FilterFieldKey("entry").FilterMessageSnippet(substr).Len()
}

// TestCorruptEntrySkipped: an unreadable entry file is logged once, left in
// place, and does not stop the others from running.
func TestCorruptEntrySkipped(t *testing.T) {
	st := fileStorage(t)
	ctx := context.Background()
	bad := []string{
		testPrefix + "/entries/0000000000000000-garbage.json",
		testPrefix + "/entries/0000000000000000-wrongkey.json", // valid JSON, but not the entry its name says
	}
	if err := st.Store(ctx, bad[0], []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if err := st.Store(ctx, bad[1], []byte(`{"id":"other","key":"u"}`)); err != nil {
		t.Fatal(err)
	}
	ran := make(chan struct{}, 1)
	cfg := testConfig(st, func(context.Context, Entry) error { ran <- struct{}{}; return nil })
	logs := observed(&cfg)
	o, scans := newOutbox(t, cfg)
	if err := o.Enqueue(ctx, Entry{Key: "u", NextAttempt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	o.Start()
	recv(t, ran, "the valid entry")
	waitScans(t, scans, 3)
	if n := messages(logs, "unreadable"); n != len(bad) {
		t.Fatalf("logged %d unreadable-entry errors over several scans, want %d (once each)", n, len(bad))
	}
	for _, k := range bad {
		if !st.Exists(ctx, k) {
			t.Fatalf("corrupt entry %s was deleted", k)
		}
	}
	if depth, _ := o.Stats(); depth != 0 {
		t.Fatalf("depth = %d, want corrupt entries not counted as pending work", depth)
	}
}

// TestStorageErrorsRetried: failed scans and a failed bookkeeping write are
// logged, and the entry still completes on later scans.
func TestStorageErrorsRetried(t *testing.T) {
	st := &flakyStorage{Storage: fileStorage(t)}
	var calls atomic.Int32
	completed := make(chan Entry, 1)
	cfg := testConfig(st, func(context.Context, Entry) error {
		if calls.Add(1) < 3 {
			return errors.New("upstream down")
		}
		return nil
	})
	cfg.OnComplete = func(e Entry) { completed <- e }
	logs := observed(&cfg)
	o, _ := newOutbox(t, cfg)
	if err := o.Enqueue(context.Background(), Entry{Key: "u", NextAttempt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.listFails.Store(3)
	st.storeFails.Store(1) // recording the first failure fails
	o.Start()
	e := recv(t, completed, "completion despite storage errors")
	if calls.Load() != 3 {
		t.Fatalf("Run called %d times, want 3", calls.Load())
	}
	// The first failure was not recorded, so the entry saw one recorded failure.
	if e.Attempts != 1 || e.LastError != "upstream down" {
		t.Fatalf("completed entry attempts=%d last_error=%q, want 1 and the second failure", e.Attempts, e.LastError)
	}
	if n := logs.FilterMessageSnippet("listing entries failed").Len(); n != 3 {
		t.Fatalf("logged %d list failures, want 3", n)
	}
	if n := messages(logs, "recording a failed attempt failed"); n != 1 {
		t.Fatalf("logged %d bookkeeping failures, want 1", n)
	}
	for _, entry := range logs.All() {
		if strings.Contains(entry.Message, "panic") {
			t.Fatalf("unexpected log: %s", entry.Message)
		}
	}
}
