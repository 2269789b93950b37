// Package gateway translates SCIM into Genesys Cloud: it implements
// scim.Backend over a genesys.Client. It owns the mapping rules of SPEC
// section 4 (normalised emails, one-string names, state, external ids,
// routing from groups), the duplicate policy, restores, version handling, the
// audit decisions for user operations, and the durable completion of the
// steps after a create.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caddyserver/certmagic"
	"github.com/patrickmn/go-cache"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/outbox"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// Duplicate policies (Caddyfile on_duplicate).
const (
	ReturnExisting = "return_existing"
	Conflict       = "conflict"
)

// Defaults applied by New.
const (
	DefaultExternalIDAuthority = "scim"
	DefaultOutboxMaxAge        = 24 * time.Hour
)

// Assignment is a skill or language by name with its proficiency (0..5).
type Assignment struct {
	Name        string
	Proficiency float64
}

// GroupRouting is one Caddyfile `group` block: what membership of the SCIM
// group named Name (matched case-insensitively against a group's display or
// value) gives a Genesys user.
type GroupRouting struct {
	Name      string
	Skills    []Assignment
	Languages []Assignment
	Queues    []string
}

// Config configures a Gateway.
type Config struct {
	Client              *genesys.Client
	Shared              *Shared // state kept across config reloads
	ExternalIDAuthority string  // default "scim"
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
	OutboxMaxAge time.Duration // default 24h

	// tuneOutbox, if set, adjusts the outbox configuration (tests shorten
	// its backoff and polling).
	tuneOutbox func(*outbox.Config)
}

// How long Shared remembers things.
const (
	// recentCreateTTL covers the search index lag after a create (field
	// notes): a user created moments ago is found by email from memory.
	recentCreateTTL = 10 * time.Minute
	// routingHitTTL keeps resolved skill, language and queue ids; renames
	// upstream are picked up after it.
	routingHitTTL = 10 * time.Minute
	// routingMissTTL keeps an unknown name briefly, so a bulk load with a
	// misconfigured name does not look it up once per user, while a name
	// created upstream to fix it is seen soon.
	routingMissTTL = 15 * time.Second
	// externalIDTTL keeps the external id known per user, so reads and
	// lists rarely need GET .../externalid.
	externalIDTTL = time.Hour
	// knownUserTTL keeps a manager known to exist; a manager deleted within
	// it makes the manager step fail (audited) instead of the request.
	knownUserTTL = 5 * time.Minute
)

// Shared is the working state that survives a config reload with the same
// upstream settings: resolved routing names, users created moments ago (the
// search index lags), per-email create locks, known external ids. It is
// pooled by the Caddy module next to the genesys.Client it belongs to.
type Shared struct {
	// recent maps a normalised email to the *recentCreate of a user this
	// process created or restored moments ago.
	recent *cache.Cache
	// routing maps "<kind>\x00<name>" to a resolved id ("" = not found).
	routing *cache.Cache
	// lookups collapses concurrent resolutions of the same name.
	lookups singleflight.Group
	// externalIDs maps a Genesys user id to its external id under the
	// configured authority ("" = known to have none).
	externalIDs *cache.Cache
	// knownUsers holds ids of users seen to exist (managers), so creates in
	// a bulk load check each manager once.
	knownUsers *cache.Cache
	// createLocks serialises creates per normalised email.
	createLocks keyedMutex
}

// NewShared returns empty shared state.
func NewShared() *Shared {
	return &Shared{
		recent:      cache.New(recentCreateTTL, time.Minute),
		routing:     cache.New(routingHitTTL, time.Minute),
		externalIDs: cache.New(externalIDTTL, 5*time.Minute),
		knownUsers:  cache.New(knownUserTTL, time.Minute),
	}
}

// rememberExternalID records that userID holds key under the configured
// authority ("" = none), so reads need not ask Genesys.
//
// Strings decoded from Genesys responses point into the whole response body
// (a list page is ~100 KiB): everything kept in Shared is cloned so a cache
// entry never pins a page.
func (s *Shared) rememberExternalID(userID, key string) {
	s.externalIDs.SetDefault(strings.Clone(userID), strings.Clone(key))
}

// knownExternalID returns the remembered external id of userID.
func (s *Shared) knownExternalID(userID string) (key string, ok bool) {
	v, ok := s.externalIDs.Get(userID)
	if !ok {
		return "", false
	}
	return v.(string), true
}

// forgetExternalID drops what is remembered about userID's external id.
func (s *Shared) forgetExternalID(userID string) {
	s.externalIDs.Delete(userID)
}

// Gateway implements scim.Backend. Create it with New, Start its background
// work, Close it on Cleanup.
type Gateway struct {
	cfg    Config
	shared *Shared
	log    *zap.Logger
	groups map[string]*GroupRouting // by lower-cased name
	outbox *outbox.Outbox           // nil without storage
	queues *queueBatcher
	// dropped holds outbox entry ids whose run ended in a permanent failure
	// (already audited), so OnComplete does not also report them assigned.
	dropped droppedSet
}

var _ scim.Backend = (*Gateway)(nil)

// New validates cfg and returns a Gateway. It makes no network calls.
func New(cfg Config) (*Gateway, error) {
	if cfg.Client == nil {
		return nil, errors.New("gateway: a Genesys client is required")
	}
	if cfg.ExternalIDAuthority == "" {
		cfg.ExternalIDAuthority = DefaultExternalIDAuthority
	}
	switch cfg.OnDuplicate {
	case "":
		cfg.OnDuplicate = ReturnExisting
	case ReturnExisting, Conflict:
	default:
		return nil, fmt.Errorf("gateway: on_duplicate must be %s or %s, not %q", ReturnExisting, Conflict, cfg.OnDuplicate)
	}
	if cfg.OutboxMaxAge <= 0 {
		cfg.OutboxMaxAge = DefaultOutboxMaxAge
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	groups, err := indexGroups(cfg.Groups)
	if err != nil {
		return nil, err
	}
	shared := cfg.Shared
	if shared == nil {
		shared = NewShared()
		cfg.Shared = shared
	}
	g := &Gateway{cfg: cfg, shared: shared, log: cfg.Logger, groups: groups}
	g.queues = newQueueBatcher(cfg.Client.AddQueueMembers, queueBatchMax, pacedWindow(cfg.Client.PacingBacklog))
	if cfg.Storage != nil {
		oc := outbox.Config{
			Storage:    cfg.Storage,
			Prefix:     cfg.OutboxPrefix,
			MaxAge:     cfg.OutboxMaxAge,
			Run:        g.runEntry,
			OnComplete: g.entryCompleted,
			OnGiveUp:   g.entryGivenUp,
			Logger:     cfg.Logger.Named("outbox"),
		}
		if cfg.tuneOutbox != nil {
			cfg.tuneOutbox(&oc)
		}
		ob, err := outbox.New(oc)
		if err != nil {
			return nil, fmt.Errorf("gateway: outbox: %w", err)
		}
		g.outbox = ob
	}
	return g, nil
}

// indexGroups validates the group blocks (a name each, unique
// case-insensitively, proficiencies 0..5) and indexes them by lower-cased
// name.
func indexGroups(gs []GroupRouting) (map[string]*GroupRouting, error) {
	out := make(map[string]*GroupRouting, len(gs))
	for i := range gs {
		gr := &gs[i]
		key := strings.ToLower(strings.TrimSpace(gr.Name))
		if key == "" {
			return nil, errors.New("gateway: a group needs a name")
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("gateway: group %q is defined twice (names compare case-insensitively)", gr.Name)
		}
		for _, a := range append(append([]Assignment(nil), gr.Skills...), gr.Languages...) {
			if strings.TrimSpace(a.Name) == "" || a.Proficiency < 0 || a.Proficiency > 5 {
				return nil, fmt.Errorf("gateway: group %q: %q needs a name and a proficiency between 0 and 5", gr.Name, a.Name)
			}
		}
		for _, q := range gr.Queues {
			if strings.TrimSpace(q) == "" {
				return nil, fmt.Errorf("gateway: group %q: empty queue name", gr.Name)
			}
		}
		out[key] = gr
	}
	return out, nil
}

// Start begins background work (the outbox worker). The queue-member batcher
// needs no worker: the first create of a batch flushes it.
func (g *Gateway) Start() {
	if g.outbox != nil {
		g.outbox.Start()
	}
}

// Close stops background work and waits for it.
func (g *Gateway) Close() {
	if g.outbox != nil {
		g.outbox.Stop()
	}
}

// OutboxStats reports the outbox depth and oldest entry age (zero without an
// outbox), for metrics.
func (g *Gateway) OutboxStats() (depth int, oldest time.Duration) {
	if g.outbox == nil {
		return 0, 0
	}
	return g.outbox.Stats()
}

// unavailableRetryAfter is the Retry-After sent with a 503 for a transient
// upstream condition (unreachable, outcome unknown, search index lag).
const unavailableRetryAfter = 5 * time.Second

// maxUpstreamDetail bounds how much of a Genesys message reaches a caller.
const maxUpstreamDetail = 300

// urlPattern finds URLs in Genesys messages, which callers must not see.
var urlPattern = regexp.MustCompile(`(?i)\b(?:https?|wss?)://\S+`)

// upstreamError turns an error from the genesys client into the *scim.Error a
// caller sees (SPEC sections 3 and 7): rate limited beyond the budget -> 429
// with Retry-After; credentials refused -> 502; unavailable -> 503 with
// Retry-After; not found -> 404; Genesys validation errors -> 400 with
// Genesys's message; anything else -> 502. Never a bare 500, never an upstream
// URL or token in the detail.
func upstreamError(err error) error {
	if err == nil {
		return nil
	}
	var se *scim.Error
	if errors.As(err, &se) {
		return se
	}
	var (
		ra   *genesys.RetryAfterError
		cred *genesys.CredentialsError
		un   *genesys.UnavailableError
	)
	switch {
	case errors.As(err, &ra):
		return &scim.Error{Status: http.StatusTooManyRequests, Detail: "Genesys Cloud is rate limiting the gateway; retry later",
			RetryAfter: max(ra.Wait, time.Second), Cause: err}
	case errors.As(err, &cred):
		return &scim.Error{Status: http.StatusBadGateway, Detail: "Genesys Cloud refused the gateway's client credentials", Cause: err}
	case errors.As(err, &un), errors.Is(err, genesys.ErrOutcomeUnknown),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return unavailable("Genesys Cloud is unavailable; retry later", err)
	case genesys.IsNotFound(err):
		return &scim.Error{Status: http.StatusNotFound, Detail: "User not found", Cause: err}
	case genesys.IsConflict(err):
		return &scim.Error{Status: http.StatusConflict, ScimType: scim.Uniqueness,
			Detail: "a Genesys Cloud user already holds this email", Cause: err}
	case genesys.IsVersionMismatch(err):
		// Only reached after the read-and-retry loops gave up: the user keeps
		// changing underneath; the identical retry converges.
		return unavailable("the user was modified concurrently; retry", err)
	}
	if ae, ok := genesys.AsAPIError(err); ok {
		switch {
		case ae.Status == http.StatusTooManyRequests:
			return &scim.Error{Status: http.StatusTooManyRequests, Detail: "Genesys Cloud is rate limiting the gateway; retry later",
				RetryAfter: unavailableRetryAfter, Cause: err}
		case ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden:
			// The gateway's OAuth client lacks a permission: not the caller's
			// fault, so not a 4xx for it.
			return &scim.Error{Status: http.StatusBadGateway,
				Detail: "Genesys Cloud denied the gateway's OAuth client: " + upstreamMessage(ae), Cause: err}
		case ae.Status >= 400 && ae.Status < 500:
			return &scim.Error{Status: http.StatusBadRequest, ScimType: scim.InvalidValue,
				Detail: "Genesys Cloud rejected the request: " + upstreamMessage(ae), Cause: err}
		}
	}
	return &scim.Error{Status: http.StatusBadGateway, Detail: "Genesys Cloud answered with an error", Cause: err}
}

// unavailable is a 503 with a short Retry-After.
func unavailable(detail string, cause error) *scim.Error {
	return &scim.Error{Status: http.StatusServiceUnavailable, Detail: detail, RetryAfter: unavailableRetryAfter, Cause: cause}
}

// upstreamMessage is Genesys's message and code, bounded and without URLs.
func upstreamMessage(ae *genesys.APIError) string {
	msg := strings.TrimSpace(urlPattern.ReplaceAllString(ae.Message, "<url>"))
	if msg == "" {
		msg = http.StatusText(ae.Status)
	}
	if len(msg) > maxUpstreamDetail {
		n := maxUpstreamDetail
		for n > 0 && !utf8.RuneStart(msg[n]) {
			n--
		}
		msg = msg[:n] + "..."
	}
	if ae.Code != "" {
		msg += " (" + ae.Code + ")"
	}
	return msg
}

// upstreamUserError is upstreamError with a not-found answer naming the user
// id the caller asked for.
func upstreamUserError(err error, id string) error {
	if genesys.IsNotFound(err) {
		e := scim.NotFound(id)
		e.Cause = err
		return e
	}
	return upstreamError(err)
}
