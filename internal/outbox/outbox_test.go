package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

func TestNewValidates(t *testing.T) {
	st := &certmagic.FileStorage{Path: t.TempDir()}
	run := func(context.Context, Entry) error { return nil }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no storage", Config{Prefix: "p", Run: run}, "Storage is required"},
		{"no run", Config{Storage: st, Prefix: "p"}, "Run is required"},
		{"no prefix", Config{Storage: st, Prefix: "//", Run: run}, "Prefix is required"},
		{"prefix with a space", Config{Storage: st, Prefix: "a b", Run: run}, "Prefix"},
		{"prefix escaping", Config{Storage: st, Prefix: "a/../../etc", Run: run}, "Prefix"},
		{"prefix with an empty segment", Config{Storage: st, Prefix: "a//b", Run: run}, "Prefix"},
		{"negative", Config{Storage: st, Prefix: "p", Run: run, PollInterval: -1}, "PollInterval must not be negative"},
		{"min above max", Config{Storage: st, Prefix: "p", Run: run, MinBackoff: time.Hour, MaxBackoff: time.Minute}, "MinBackoff 1h0m0s is above MaxBackoff"},
		{"defaults", Config{Storage: st, Prefix: "/p/", Run: run}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := New(tt.cfg)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("New error = %v, want it to contain %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := o.cfg
			if c.Prefix != "p" || c.MaxAge != DefaultMaxAge || c.MinBackoff != DefaultMinBackoff ||
				c.MaxBackoff != DefaultMaxBackoff || c.PollInterval != DefaultPollInterval ||
				c.LockWait != DefaultLockWait || c.AttemptTimeout != DefaultAttemptTimeout {
				t.Fatalf("defaults not applied: %+v", c)
			}
		})
	}
}

func TestEnqueueThenRunToCompletion(t *testing.T) {
	st := fileStorage(t)
	ran := make(chan Entry, 1)
	completed := make(chan Entry, 1)
	cfg := testConfig(st, func(_ context.Context, e Entry) error { ran <- e; return nil })
	cfg.OnComplete = func(e Entry) { completed <- e }
	o, scans := newOutbox(t, cfg)

	in := Entry{Key: "user-1", Kind: "skills", Payload: json.RawMessage(`{"skills":["a"]}`)}
	if err := o.Enqueue(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	// Written before Enqueue returned, visible to another process.
	stored := storedEntries(t, st.Path)
	if len(stored) != 1 || stored[0].Key != "user-1" || !validID(stored[0].ID) || stored[0].Created.IsZero() {
		t.Fatalf("stored = %+v, want one entry for user-1 with an id and a creation time", stored)
	}

	o.Start()
	got := recv(t, ran, "run")
	if got.ID != stored[0].ID || got.Kind != "skills" || string(got.Payload) != `{"skills":["a"]}` || got.Attempts != 0 {
		t.Fatalf("Run got %+v, want the stored entry", got)
	}
	if done := recv(t, completed, "OnComplete"); done.ID != got.ID {
		t.Fatalf("OnComplete got %s, want %s", done.ID, got.ID)
	}
	waitScans(t, scans, 1)
	if left := storedEntries(t, st.Path); len(left) != 0 {
		t.Fatalf("entries left after completion: %+v", left)
	}
	if depth, _ := o.Stats(); depth != 0 {
		t.Fatalf("depth = %d after completion, want 0", depth)
	}
}

func TestEnqueueRejects(t *testing.T) {
	failing := &flakyStorage{Storage: fileStorage(t)}
	failing.storeFails.Store(1)
	tests := []struct {
		name string
		st   certmagic.Storage
		e    Entry
		want string
	}{
		{"id with a space", fileStorage(t), Entry{ID: "a b"}, "invalid entry id"},
		{"upper-case id", fileStorage(t), Entry{ID: "ABC"}, "invalid entry id"},
		{"id with a slash", fileStorage(t), Entry{ID: "../x"}, "invalid entry id"},
		{"too large", fileStorage(t), Entry{Payload: json.RawMessage(`"` + strings.Repeat("x", maxEntrySize) + `"`)}, "above the"},
		{"storage down", failing, Entry{Key: "u"}, "injected store failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _ := newOutbox(t, testConfig(tt.st, func(context.Context, Entry) error { return nil }))
			err := o.Enqueue(context.Background(), tt.e)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Enqueue error = %v, want it to contain %q", err, tt.want)
			}
			if depth, _ := o.Stats(); depth != 0 {
				t.Fatalf("depth = %d after a refused entry", depth)
			}
		})
	}
}

// TestSurvivesRestart stops an Outbox in the middle of an attempt (as a
// Caddy reload or shutdown would) and checks that a new Outbox on the same
// folder, through a new storage value, finishes the entry.
func TestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	started := make(chan struct{}, 1)
	interrupted := make(chan error, 1)
	first, _ := newOutbox(t, testConfig(&certmagic.FileStorage{Path: dir}, func(ctx context.Context, e Entry) error {
		started <- struct{}{}
		<-ctx.Done()
		interrupted <- ctx.Err()
		return ctx.Err()
	}))
	if err := first.Enqueue(context.Background(), Entry{Key: "u", Kind: "queues", NextAttempt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	id := storedEntries(t, dir)[0].ID
	first.Start()
	recv(t, started, "first attempt")
	first.Stop()
	if err := recv(t, interrupted, "Run context cancelled by Stop"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run context error = %v, want context.Canceled", err)
	}
	stored := storedEntries(t, dir)
	if len(stored) != 1 || stored[0].Attempts != 1 || !strings.Contains(stored[0].LastError, "context canceled") {
		t.Fatalf("after Stop, stored = %+v, want the interrupted attempt recorded", stored)
	}

	completed := make(chan Entry, 1)
	cfg := testConfig(&certmagic.FileStorage{Path: dir}, func(context.Context, Entry) error { return nil })
	cfg.OnComplete = func(e Entry) { completed <- e }
	second, _ := newOutbox(t, cfg)
	second.Start()
	if e := recv(t, completed, "completion after restart"); e.ID != id || e.Kind != "queues" {
		t.Fatalf("completed %+v, want entry %s", e, id)
	}
}

func TestStats(t *testing.T) {
	st := fileStorage(t)
	o, scans := newOutbox(t, testConfig(st, func(context.Context, Entry) error { return nil }))
	if depth, oldest := o.Stats(); depth != 0 || oldest != 0 {
		t.Fatalf("empty Stats = %d, %s", depth, oldest)
	}
	now := time.Now()
	later := now.Add(time.Hour) // not due during the test
	for i, age := range []time.Duration{time.Hour, 2 * time.Hour, 30 * time.Minute} {
		e := Entry{Key: fmt.Sprint("u", i), Created: now.Add(-age), NextAttempt: later}
		if err := o.Enqueue(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, wantDepth int) {
		t.Helper()
		depth, oldest := o.Stats()
		if depth != wantDepth || oldest < 2*time.Hour || oldest > 2*time.Hour+time.Minute {
			t.Fatalf("%s: Stats = %d, %s; want %d, about 2h", when, depth, oldest, wantDepth)
		}
	}
	check("after Enqueue", 3)

	// A scan by a fresh Outbox (a restart) finds the same numbers in storage.
	restarted, rscans := newOutbox(t, testConfig(&certmagic.FileStorage{Path: st.Path}, func(context.Context, Entry) error { return nil }))
	restarted.Start()
	waitScans(t, rscans, 1)
	if depth, oldest := restarted.Stats(); depth != 3 || oldest < 2*time.Hour {
		t.Fatalf("after a scan: Stats = %d, %s; want 3, about 2h", depth, oldest)
	}
	restarted.Stop()

	o.Start()
	waitScans(t, scans, 1)
	check("after a scan", 3)
	if err := o.CancelKey(context.Background(), "u2"); err != nil {
		t.Fatal(err)
	}
	check("after CancelKey", 2)
}

// Reschedule makes an entry enqueued for later due now, without counting it
// twice.
func TestRescheduleMakesDue(t *testing.T) {
	ran := make(chan string, 1)
	o, scans := newOutbox(t, testConfig(fileStorage(t), func(_ context.Context, e Entry) error { ran <- e.ID; return nil }))
	ctx := context.Background()
	id, err := NewID()
	if err != nil {
		t.Fatal(err)
	}
	e := Entry{ID: id, Key: "k", Kind: "x", Created: time.Now(), NextAttempt: time.Now().Add(time.Hour)}
	if err := o.Enqueue(ctx, e); err != nil {
		t.Fatal(err)
	}
	o.Start()
	waitScans(t, scans, 2)
	select {
	case <-ran:
		t.Fatal("an entry due in an hour ran")
	default:
	}
	e.NextAttempt = time.Time{}
	if err := o.Reschedule(ctx, e); err != nil {
		t.Fatal(err)
	}
	if d, _ := o.Stats(); d != 1 {
		t.Fatalf("depth %d after Reschedule, want 1", d)
	}
	if got := recv(t, ran, "the rescheduled entry"); got != id {
		t.Fatalf("ran %s, want %s", got, id)
	}
}
