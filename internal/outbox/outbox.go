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
	Prefix  string        // storage key prefix, e.g. "scim_genesys/outbox/<instance hash>"
	MaxAge  time.Duration // give up on entries older than this; default 24h
	// Backoff between attempts: doubles from MinBackoff up to MaxBackoff,
	// with jitter. Defaults 1s and 5m.
	MinBackoff, MaxBackoff time.Duration
	PollInterval           time.Duration // how often storage is scanned; default 2s
	Run                    RunFunc
	OnComplete             func(e Entry)            // after a successful run
	OnGiveUp               func(e Entry, err error) // when MaxAge passes
	Logger                 *zap.Logger
}

// Outbox is safe for concurrent use.
type Outbox struct {
	cfg Config
}

// New returns an Outbox. It makes no storage calls until Start or Enqueue.
func New(cfg Config) (*Outbox, error) {
	panic("not implemented")
}

// Enqueue durably stores e (its first attempt is due after MinBackoff unless
// NextAttempt is set). It returns only once the entry is written; an error
// means it was not stored.
func (o *Outbox) Enqueue(ctx context.Context, e Entry) error {
	panic("not implemented")
}

// CancelKey removes every pending entry with the given key (a later write to
// the same user supersedes what is queued for it). An entry running right now
// finishes its current attempt but is not retried.
func (o *Outbox) CancelKey(ctx context.Context, key string) error {
	panic("not implemented")
}

// Start begins the background worker; it stops on Stop.
func (o *Outbox) Start() {}

// Stop stops the worker and waits for a running attempt to end.
func (o *Outbox) Stop() {}

// Stats reports the number of pending entries and the age of the oldest.
func (o *Outbox) Stats() (depth int, oldest time.Duration) {
	panic("not implemented")
}

// RunNow asks the worker to scan immediately (tests, and after the upstream
// recovers).
func (o *Outbox) RunNow() {}
