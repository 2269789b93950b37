// Package outbox is a durable queue of work that must eventually happen: the
// provisioning steps after a Genesys user is created (external id, manager,
// skills, languages, queue memberships) that still failed after the retry
// budget. Entries live in Caddy's configured storage (certmagic.Storage: the
// file system by default, Redis/Consul/S3 in a cluster), survive restarts and
// reloads, and are run under the storage's lock so two Caddy instances
// sharing storage never run the same entry at once. It knows nothing of SCIM
// or Genesys: the owner supplies the function that runs an entry.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// Entry is one unit of pending work.
type Entry struct {
	ID      string          `json:"id"`      // unique; set by Enqueue when empty
	Key     string          `json:"key"`     // groups entries (a user id) for CancelKey
	Kind    string          `json:"kind"`    // owner-defined
	Payload json.RawMessage `json:"payload"` // owner-defined; must be idempotent to replay
	Created time.Time       `json:"created"`
	// Attempts and NextAttempt are maintained by the outbox.
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
}

// RunFunc performs an entry. nil means done (the entry is removed). An error
// that implements interface{ RetryAfter() time.Duration } schedules the next
// attempt no earlier than that.
type RunFunc func(ctx context.Context, e Entry) error

// Config configures an Outbox.
type Config struct {
	Storage certmagic.Storage
	Prefix  string        // storage key prefix, e.g. "scim_genesys/outbox/<instance hash>"; segments of [A-Za-z0-9_.-]
	MaxAge  time.Duration // give up on entries older than this; default 24h
	// Backoff between attempts: doubles from MinBackoff up to MaxBackoff,
	// with jitter. Defaults 1s and 5m.
	MinBackoff, MaxBackoff time.Duration
	PollInterval           time.Duration // how often storage is scanned; default 2s
	Run                    RunFunc
	// OnComplete (after a successful run) and OnGiveUp (when MaxAge passes)
	// run once per entry across instances: on the worker goroutine, under
	// the entry's lock, just after the entry is removed. Keep them quick.
	OnComplete func(e Entry)
	OnGiveUp   func(e Entry, err error)
	Logger     *zap.Logger // used as given (name it); nil discards

	// LockWait bounds how long the worker waits for an entry's storage lock
	// before skipping the entry for this scan: a lock held elsewhere means
	// another instance is running it, and certmagic's FileStorage would
	// otherwise block until that attempt ends. Default 1s.
	LockWait time.Duration
	// AttemptTimeout bounds one Run call, so a hung attempt cannot hold the
	// entry's lock (and the worker) forever. Default 5m.
	AttemptTimeout time.Duration
}

// Defaults applied by New to zero Config fields.
const (
	DefaultMaxAge         = 24 * time.Hour
	DefaultMinBackoff     = time.Second
	DefaultMaxBackoff     = 5 * time.Minute
	DefaultPollInterval   = 2 * time.Second
	DefaultLockWait       = time.Second
	DefaultAttemptTimeout = 5 * time.Minute
)

// Outbox is safe for concurrent use.
type Outbox struct {
	cfg Config
	log *zap.Logger

	// wake asks the worker to scan now (RunNow); resched asks it to
	// recompute its sleep because an earlier entry was enqueued. Both are
	// buffered (1) so senders never block.
	wake, resched chan struct{}

	mu      sync.Mutex
	cancel  context.CancelFunc // non-nil while the worker runs
	done    chan struct{}      // closed when the worker goroutine returns
	stats   stats              // cached from the last scan, adjusted by Enqueue
	nextDue time.Time          // earliest NextAttempt known to the worker
	corrupt map[string]bool    // entry keys already reported as unreadable
	held    map[string]int     // Entry.Key → open Holds on it
	running map[*attemptSlot]struct{}

	afterScan func() // test hook: called by the worker after every scan
}

// stats is the queue shape cached for Stats, so a metrics scrape never
// touches storage.
type stats struct {
	depth  int
	oldest time.Time // Created of the oldest entry; zero when empty
}

// New returns an Outbox. It makes no storage calls until Start or Enqueue.
func New(cfg Config) (*Outbox, error) {
	if cfg.Storage == nil {
		return nil, errors.New("outbox: Storage is required")
	}
	if cfg.Run == nil {
		return nil, errors.New("outbox: Run is required")
	}
	cfg.Prefix = strings.Trim(cfg.Prefix, "/")
	if cfg.Prefix == "" {
		return nil, errors.New("outbox: Prefix is required")
	}
	if !validPrefix(cfg.Prefix) {
		return nil, fmt.Errorf("outbox: Prefix %q: want /-separated segments of [A-Za-z0-9_.-], no . or ..", cfg.Prefix)
	}
	if err := checkDurations(&cfg); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	return &Outbox{
		cfg:     cfg,
		log:     log,
		wake:    make(chan struct{}, 1),
		resched: make(chan struct{}, 1),
		corrupt: map[string]bool{},
	}, nil
}

// checkDurations applies defaults to zero durations and rejects negative
// ones or a MinBackoff above MaxBackoff.
func checkDurations(cfg *Config) error {
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"MaxAge", &cfg.MaxAge, DefaultMaxAge},
		{"MinBackoff", &cfg.MinBackoff, DefaultMinBackoff},
		{"MaxBackoff", &cfg.MaxBackoff, DefaultMaxBackoff},
		{"PollInterval", &cfg.PollInterval, DefaultPollInterval},
		{"LockWait", &cfg.LockWait, DefaultLockWait},
		{"AttemptTimeout", &cfg.AttemptTimeout, DefaultAttemptTimeout},
	} {
		if *d.v < 0 {
			return fmt.Errorf("outbox: %s must not be negative, got %s", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if cfg.MinBackoff > cfg.MaxBackoff {
		return fmt.Errorf("outbox: MinBackoff %s is above MaxBackoff %s", cfg.MinBackoff, cfg.MaxBackoff)
	}
	return nil
}

// Enqueue durably stores e (its first attempt is due after MinBackoff unless
// NextAttempt is set). It returns only once the entry is written; an error
// means it was not stored.
func (o *Outbox) Enqueue(ctx context.Context, e Entry) error {
	if e.ID == "" {
		id, err := NewID()
		if err != nil {
			return err
		}
		e.ID = id
	} else if !validID(e.ID) {
		return fmt.Errorf("outbox: invalid entry id %q: want 1-64 of [a-z0-9_-]", e.ID)
	}
	now := time.Now()
	if e.Created.IsZero() {
		e.Created = now
	}
	if e.NextAttempt.IsZero() {
		e.NextAttempt = now.Add(o.cfg.MinBackoff)
	}
	if err := o.store(ctx, o.entryKey(e), e); err != nil {
		return fmt.Errorf("outbox: storing entry %s: %w", e.ID, err)
	}
	o.noteEnqueued(e)
	return nil
}

// Reschedule stores an entry already enqueued (by Enqueue, with its id and
// creation time) again, due at e.NextAttempt (now when zero): an owner that
// enqueued work ahead of an event makes it due once the event happened.
// Unlike Enqueue it does not count a new entry.
func (o *Outbox) Reschedule(ctx context.Context, e Entry) error {
	if !validID(e.ID) {
		return fmt.Errorf("outbox: invalid entry id %q: want 1-64 of [a-z0-9_-]", e.ID)
	}
	now := time.Now()
	if e.Created.IsZero() {
		e.Created = now
	}
	if e.NextAttempt.IsZero() {
		e.NextAttempt = now
	}
	if err := o.store(ctx, o.entryKey(e), e); err != nil {
		return fmt.Errorf("outbox: storing entry %s: %w", e.ID, err)
	}
	o.mu.Lock()
	earlier := o.nextDue.IsZero() || e.NextAttempt.Before(o.nextDue)
	if earlier {
		o.nextDue = e.NextAttempt
	}
	o.mu.Unlock()
	if earlier {
		signal(o.resched)
	}
	return nil
}

// noteEnqueued folds a new entry into the cached stats (so the depth metric
// moves before the next scan) and wakes the worker if the entry is due
// before its current sleep ends.
func (o *Outbox) noteEnqueued(e Entry) {
	o.mu.Lock()
	o.stats.depth++
	if o.stats.oldest.IsZero() || e.Created.Before(o.stats.oldest) {
		o.stats.oldest = e.Created
	}
	earlier := o.nextDue.IsZero() || e.NextAttempt.Before(o.nextDue)
	if earlier {
		o.nextDue = e.NextAttempt
	}
	o.mu.Unlock()
	if earlier {
		signal(o.resched)
	}
}

// CancelKey removes the pending entries with the given key (a later write to
// the same user supersedes what is queued for it): those of the given kinds,
// or all of them when no kind is given. An entry running right now finishes
// its current attempt but is not retried.
func (o *Outbox) CancelKey(ctx context.Context, key string, kinds ...string) error {
	keys, err := o.listEntries(ctx)
	if err != nil {
		return fmt.Errorf("outbox: listing entries: %w", err)
	}
	prefix := o.keyPrefix(key)
	var errs []error
	removed := 0
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		// The hash in the name is short: confirm the stored key before
		// deleting, so a collision cannot cancel another user's work.
		e, err := o.load(ctx, k)
		if errors.Is(err, errGone) {
			continue
		}
		if err == nil && (e.Key != key || len(kinds) > 0 && !slices.Contains(kinds, e.Kind)) {
			continue
		}
		// An unreadable entry under this key's hash is removed too: it
		// cannot run anyway, and the caller wants the key's work gone.
		if err := o.cfg.Storage.Delete(ctx, k); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	if removed > 0 {
		o.mu.Lock()
		o.stats.depth = max(0, o.stats.depth-removed)
		o.mu.Unlock()
		o.log.Debug("cancelled entries", zap.Int("count", removed))
	}
	if len(errs) > 0 {
		return fmt.Errorf("outbox: deleting entries: %w", errors.Join(errs...))
	}
	return nil
}

// Start begins the background worker; it stops on Stop. Calling Start on a
// running Outbox does nothing; Start after Stop starts a new worker.
func (o *Outbox) Start() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	o.cancel = cancel
	o.done = make(chan struct{})
	go o.loop(ctx, o.done)
}

// Stop stops the worker and waits for a running attempt to end. The running
// Run call sees its context cancelled.
func (o *Outbox) Stop() {
	o.mu.Lock()
	cancel, done := o.cancel, o.done
	o.cancel, o.done = nil, nil
	o.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Stats reports the number of pending entries and the age of the oldest.
// It is served from the last scan (adjusted by Enqueue and CancelKey since),
// so it is cheap enough for every metrics scrape.
func (o *Outbox) Stats() (depth int, oldest time.Duration) {
	o.mu.Lock()
	s := o.stats
	o.mu.Unlock()
	if s.depth == 0 || s.oldest.IsZero() {
		return s.depth, 0
	}
	return s.depth, max(0, time.Since(s.oldest))
}

// RunNow asks the worker to scan immediately (tests, and after the upstream
// recovers). It does not block; without a running worker it does nothing
// beyond making the next Start scan at once (which it does anyway).
func (o *Outbox) RunNow() { signal(o.wake) }

// signal does a non-blocking send on a buffered wake-up channel: one pending
// signal is as good as many.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
