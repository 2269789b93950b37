// Package gateway translates SCIM into Genesys Cloud: it implements
// scim.Backend over a genesys.Client. It owns the mapping rules (normalised
// emails, one-string names, state, external ids, routing from groups), the
// duplicate policy, restores, version handling, the audit decisions of each
// operation, and the durable completion of the steps after a create.
//
// A Gateway is its operations: userOps serves /Users. What the operations
// share lives in core: the upstream client, the state kept across reloads
// (Shared), the configured group blocks, the name resolver and the step
// runner (inline writes, queue batching, the outbox).
package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/outbox"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// Config configures a Gateway.
type Config struct {
	Client              *genesys.Client
	Shared              *Shared // state kept across config reloads
	ExternalIDAuthority string  // default DefaultExternalIDAuthority
	DivisionID          string  // home division of new users; "" = Genesys default
	OnDuplicate         string  // ReturnExisting (default) or Conflict
	Groups              []GroupRouting
	Audit               *audit.Logger
	Logger              *zap.Logger
	// OnNameLookup, if set, is told whether each skill, language or queue
	// name resolution was answered from the cache (for metrics).
	OnNameLookup func(kind string, hit bool)
	// OnOutboxDone, if set, is told when an outbox entry completes
	// (givenUp false) or is given up (for metrics).
	OnOutboxDone func(givenUp bool)

	// Outbox: Storage nil disables it (then a failed post-create step is a
	// 503 with Retry-After and the identical retry converges).
	Storage      certmagic.Storage
	OutboxPrefix string
	// GroupPrefix is where groups' externalIds are kept in Storage.
	GroupPrefix  string
	OutboxMaxAge time.Duration // default outbox.DefaultMaxAge

	// tuneOutbox, if set, adjusts the outbox configuration (tests shorten
	// its backoff and polling).
	tuneOutbox func(*outbox.Config)
}

// Gateway implements scim.Backend. Create it with New, Start its background
// work, Close it on Cleanup.
type Gateway struct {
	*userOps
	*groupOps
	core *core
}

// userOps are the operations on /Users.
type userOps struct{ *core }

var _ scim.Backend = (*Gateway)(nil)

// New validates cfg and returns a Gateway. It makes no network calls.
func New(cfg Config) (*Gateway, error) {
	if cfg.Client == nil {
		return nil, errors.New("gateway: a Genesys client is required")
	}
	if cfg.ExternalIDAuthority == "" {
		cfg.ExternalIDAuthority = DefaultExternalIDAuthority
	}
	if cfg.OnDuplicate == "" {
		cfg.OnDuplicate = ReturnExisting
	}
	if err := CheckDuplicatePolicy(cfg.OnDuplicate); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	blocks, err := indexGroups(cfg.Groups)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if cfg.GroupPrefix == "" {
		cfg.GroupPrefix = "scim_genesys/groups"
	}
	if cfg.Shared == nil {
		cfg.Shared = NewShared()
	}
	c := &core{cfg: cfg, shared: cfg.Shared, log: cfg.Logger, blocks: blocks}
	c.names = &nameResolver{client: cfg.Client, shared: cfg.Shared, onLookup: cfg.OnNameLookup}
	c.reconcile = &reconciler{core: c}
	c.groupExternalIDs = &groupExternalIDs{storage: cfg.Storage, prefix: strings.TrimRight(cfg.GroupPrefix, "/")}
	window := pacedWindow(cfg.Client.PacingBacklog)
	c.steps = &stepRunner{core: c,
		queues: newMemberBatcher(cfg.Client.AddQueueMembers, queueBatchMax, window),
		groups: newMemberBatcher(func(ctx context.Context, groupID string, userIDs []string) error {
			return c.addMembers(ctx, groupID, 0, userIDs)
		}, groupBatchMax, window)}
	if cfg.Storage != nil {
		oc := outbox.Config{
			Storage:    cfg.Storage,
			Prefix:     cfg.OutboxPrefix,
			MaxAge:     cfg.OutboxMaxAge,
			Run:        c.runEntry,
			OnComplete: c.entryCompleted,
			OnGiveUp:   c.entryGivenUp,
			Logger:     cfg.Logger.Named("outbox"),
		}
		if cfg.tuneOutbox != nil {
			cfg.tuneOutbox(&oc)
		}
		ob, err := outbox.New(oc)
		if err != nil {
			return nil, fmt.Errorf("gateway: outbox: %w", err)
		}
		c.outbox = ob
	}
	return &Gateway{userOps: &userOps{core: c}, groupOps: &groupOps{core: c}, core: c}, nil
}

// Start begins background work (the outbox worker). The queue-member batcher
// needs no worker: the first create of a batch flushes it.
func (g *Gateway) Start() {
	if ob := g.core.outbox; ob != nil {
		ob.Start()
	}
}

// Close stops background work and waits for it.
func (g *Gateway) Close() {
	if ob := g.core.outbox; ob != nil {
		ob.Stop()
	}
}

// OutboxStats reports the outbox depth and oldest entry age (zero without an
// outbox), for metrics.
func (g *Gateway) OutboxStats() (depth int, oldest time.Duration) {
	if ob := g.core.outbox; ob != nil {
		return ob.Stats()
	}
	return 0, 0
}
