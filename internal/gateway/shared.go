package gateway

import (
	"strings"
	"time"

	"github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"

	"github.com/caddyscim/caddyscim/internal/keylock"
)

// How long Shared remembers things.
const (
	// recentCreateTTL covers the search index lag after a create (user
	// search is eventually consistent): a user created moments ago is
	// found by email from memory.
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
// pooled by the Caddy module next to the genesys.Client it belongs to, so it
// depends on nothing but that client's Genesys organisation: whatever it
// remembers that another setting decides (the external id authority) is
// keyed by that setting too.
type Shared struct {
	// recent maps a normalised email to the *recentCreate of a user this
	// process created or restored moments ago.
	recent *cache.Cache
	// routing maps "<kind>\x00<name>" to a resolved id ("" = not found).
	routing *cache.Cache
	// lookups collapses concurrent resolutions of the same name.
	lookups singleflight.Group
	// externalIDs maps a user id to its externalIDEntry ("" key = known
	// to have none under that authority).
	externalIDs *cache.Cache
	// knownUsers holds ids of users seen to exist (managers), so creates in
	// a bulk load check each manager once.
	knownUsers *cache.Cache
	// createLocks serialises creates per normalised email, and per
	// externalId (externalIDLockKey).
	createLocks keylock.Mutex[string]
	// groups is the organisation's groups by id and name.
	groups groupIndex
	// recentGroups maps a GroupKey to the *recentGroup this process
	// created under it moments ago.
	recentGroups *cache.Cache
	// groupLocks serialises group creates and renames per GroupKey.
	groupLocks keylock.Mutex[string]
}

// NewShared returns empty shared state.
func NewShared() *Shared {
	return &Shared{
		recent:       cache.New(recentCreateTTL, time.Minute),
		routing:      cache.New(routingHitTTL, time.Minute),
		externalIDs:  cache.New(externalIDTTL, 5*time.Minute),
		knownUsers:   cache.New(knownUserTTL, time.Minute),
		recentGroups: cache.New(recentCreateTTL, time.Minute),
	}
}

// externalIDEntry is what Shared remembers of a user's external id: the
// authority it is under travels with it, so a lookup for another authority
// (another site, or a reload that changed external_id_authority) misses
// instead of answering the wrong id. Keying by user id alone keeps the
// lookup, made for every user of every list page, free of allocation.
type externalIDEntry struct{ authority, key string }

// rememberExternalID records that userID holds key under the configured
// authority ("" = none), so reads need not ask Genesys.
//
// Strings decoded from Genesys responses point into the whole response body
// (a list page is ~100 KiB): everything kept in Shared is cloned so a cache
// entry never pins a page.
func (c *core) rememberExternalID(userID, key string) {
	c.shared.externalIDs.SetDefault(strings.Clone(userID),
		externalIDEntry{authority: c.cfg.ExternalIDAuthority, key: strings.Clone(key)})
}

// knownExternalID returns the remembered external id of userID under the
// configured authority.
func (c *core) knownExternalID(userID string) (key string, ok bool) {
	v, ok := c.shared.externalIDs.Get(userID)
	if !ok {
		return "", false
	}
	e := v.(externalIDEntry)
	if e.authority != c.cfg.ExternalIDAuthority {
		return "", false
	}
	return e.key, true
}

// forgetExternalID drops what is remembered about userID's external id.
func (c *core) forgetExternalID(userID string) {
	c.shared.externalIDs.Delete(userID)
}
