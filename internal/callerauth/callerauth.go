// Package callerauth decides who is calling: it verifies the identity
// provider's JWKS-signed bearer token (signature, algorithm allow-list,
// exp/nbf/iat with clock skew, issuer, audience), reads the caller's roles
// through a gjson path, and tells whether those roles may read or write.
// It is the security boundary of the gateway and knows nothing of SCIM or
// Genesys.
package callerauth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// Config configures a Verifier.
type Config struct {
	JWKSURL    string
	Issuer     string   // "" skips the iss check
	Audiences  []string // empty skips the aud check; else any match passes
	Algorithms []string // allow-list; default RS256 RS384 RS512 PS256 ES256 ES384 EdDSA; never none or HS*
	// RoleClaim is a gjson path over the claims; "" means the first of
	// roles, role, scp that is present and non-empty. A claim name that
	// contains a dot (Auth0's "https://example.com/roles") needs gjson
	// escaping: `https://example\.com/roles`.
	RoleClaim string
	ClockSkew time.Duration // default 30s

	FetchTimeout    time.Duration // each JWKS fetch; default 10s
	RefreshCooldown time.Duration // on-demand refreshes at most this often; default 10s
	HTTPClient      *http.Client  // default: a client with FetchTimeout

	// OnFetchError, if set, receives every failed JWKS fetch (on demand or
	// scheduled), so the host can log it. It must not block. The error
	// names the JWKS URL and the cause, never a token.
	OnFetchError func(error)
}

// Principal is a verified caller.
type Principal struct {
	Subject string
	Roles   []string
}

// Errors returned by Verify. Handlers map them to HTTP answers:
// ErrNoToken → 401 with `WWW-Authenticate: Bearer realm="scim"`;
// *InvalidTokenError → 401 with `WWW-Authenticate: Bearer error="invalid_token"`;
// ErrKeysUnavailable → 503 (no JWKS has ever been fetched).
// Challenge does this mapping.
var (
	ErrNoToken         = errors.New("no bearer token")
	ErrKeysUnavailable = errors.New("signing keys not available yet")
)

// InvalidTokenError is a bearer token that failed verification. Reason is
// safe to log and audit (it never contains the token).
type InvalidTokenError struct{ Reason string }

func (e *InvalidTokenError) Error() string { return "invalid token: " + e.Reason }

// Verifier verifies bearer tokens against a JWKS. Safe for concurrent use.
//
// Requests never read the jwk.Cache: httprc v1 holds the cache entry's
// lock for the whole of a fetch, so a hanging JWKS would stall every
// request. Instead each successful fetch (scheduled or on demand) is turned
// into an immutable keySet by the cache's post-fetch hook and published
// through an atomic pointer that Verify loads without locking.
type Verifier struct {
	cfg       Config
	verifiers map[string]jws.Verifier // the allow-list, with jwx's verifier per algorithm
	now       func() time.Time        // a clock; tests replace it

	keys atomic.Pointer[keySet] // nil until a fetch succeeds

	ctx    context.Context // bound to the Verifier's life; Close cancels it
	cancel context.CancelFunc
	fetch  *fetchClient
	own    *http.Transport // closed by Close when we built the client

	mu       sync.Mutex // guards the fields below
	started  bool
	closed   bool
	cache    *jwk.Cache
	lastTry  time.Time     // start of the last on-demand refresh
	inflight chan struct{} // closed when the running on-demand refresh ends
	wg       sync.WaitGroup
}

// NewVerifier validates cfg and returns a Verifier. It makes no network call;
// the JWKS is fetched in the background after Start.
func NewVerifier(cfg Config) (*Verifier, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	verifiers, err := allowList(cfg.Algorithms)
	if err != nil {
		return nil, err
	}
	v := &Verifier{cfg: cfg, verifiers: verifiers, now: time.Now}
	v.ctx, v.cancel = context.WithCancel(context.Background())
	client := cfg.HTTPClient
	if client == nil {
		client, v.own = defaultClient(cfg.FetchTimeout)
	}
	v.fetch = &fetchClient{ctx: v.ctx, client: client, timeout: cfg.FetchTimeout}
	return v, nil
}

// Start begins fetching and refreshing the JWKS until Close. The first
// fetch runs in the background; Start never blocks. Calling it again, or
// after Close, does nothing.
func (v *Verifier) Start() {
	v.mu.Lock()
	if v.started || v.closed {
		v.mu.Unlock()
		return
	}
	v.started = true
	v.cache = newCache(v)
	v.mu.Unlock()
	v.refresh()
}

// Close stops background work and releases resources. It waits for the
// Verifier's own goroutines; jwk.Cache's workers see the cancelled context
// and exit on their own within moments (an in-flight fetch is aborted).
func (v *Verifier) Close() {
	v.mu.Lock()
	if v.closed {
		v.mu.Unlock()
		return
	}
	v.closed = true
	v.mu.Unlock()
	v.cancel()
	v.wg.Wait()
	if v.own != nil {
		v.own.CloseIdleConnections()
	}
}

// Verify checks the Authorization header value (the whole header, e.g.
// "Bearer eyJ..."). It never blocks longer than FetchTimeout and, once keys
// are known, never waits on the network.
//
// The token is parsed once: its three parts are decoded into one buffer,
// the signature is checked over the original bytes (no re-encoding), and
// the claims are read with gjson from the decoded payload.
func (v *Verifier) Verify(ctx context.Context, authorization string) (*Principal, error) {
	raw, ok := bearerToken(authorization)
	if !ok {
		return nil, ErrNoToken
	}
	tok, err := parseToken(raw)
	if err != nil {
		return nil, err
	}
	verifier, ok := v.verifiers[tok.alg]
	if !ok {
		return nil, invalid(reasonAlgorithm)
	}
	if tok.kid == "" {
		return nil, invalid(reasonNoKid)
	}
	keys := v.keys.Load()
	if keys == nil {
		if keys = v.awaitKeys(ctx); keys == nil {
			return nil, ErrKeysUnavailable
		}
	}
	candidates := keys.byKid[tok.kid]
	if len(candidates) == 0 {
		v.refresh() // maybe a rotation: look again, rate-limited, without waiting
		return nil, invalid(reasonUnknownKid)
	}
	if err := checkSignature(verifier, tok, candidates); err != nil {
		return nil, err
	}
	return v.checkClaims(tok.payload)
}

// Policy decides what roles may do. Role names compare exactly
// (case-sensitive, no trimming): identity providers emit role values as
// configured, and a case-folding match could grant "Admin" what was meant
// for "admin" only.
type Policy struct {
	AllowRoles []string // may do everything; default scim_provisioner admin (when nil)
	ReadRoles  []string // may only read
}

// Decision is the outcome of Policy.Decide.
type Decision int

const (
	Deny Decision = iota
	Allow
)

// Decide reports whether roles may perform a request; write is true for
// anything but GET/HEAD. Roles compare exactly (case-sensitive): "Admin"
// is not "admin".
func (p Policy) Decide(roles []string, write bool) Decision {
	allow := p.AllowRoles
	if allow == nil {
		allow = DefaultAllowRoles
	}
	if anyIn(roles, allow) || (!write && anyIn(roles, p.ReadRoles)) {
		return Allow
	}
	return Deny
}
