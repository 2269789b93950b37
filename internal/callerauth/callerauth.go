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
	"time"
)

// Config configures a Verifier.
type Config struct {
	JWKSURL    string
	Issuer     string   // "" skips the iss check
	Audiences  []string // empty skips the aud check; else any match passes
	Algorithms []string // allow-list; default RS256 RS384 RS512 PS256 ES256 ES384 EdDSA; never none or HS*
	// RoleClaim is a gjson path over the claims; "" means the first of
	// roles, role, scp that is present and non-empty.
	RoleClaim string
	ClockSkew time.Duration // default 30s

	FetchTimeout    time.Duration // each JWKS fetch; default 10s
	RefreshCooldown time.Duration // on-demand refreshes at most this often; default 10s
	HTTPClient      *http.Client  // default: a client with FetchTimeout
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
var (
	ErrNoToken         = errors.New("no bearer token")
	ErrKeysUnavailable = errors.New("signing keys not available yet")
)

// InvalidTokenError is a bearer token that failed verification. Reason is
// safe to log and audit (it never contains the token).
type InvalidTokenError struct{ Reason string }

func (e *InvalidTokenError) Error() string { return "invalid token: " + e.Reason }

// Verifier verifies bearer tokens against a JWKS. Safe for concurrent use.
type Verifier struct {
	cfg Config
}

// NewVerifier validates cfg and returns a Verifier. It makes no network call;
// the JWKS is fetched in the background after Start.
func NewVerifier(cfg Config) (*Verifier, error) {
	panic("not implemented")
}

// Start begins fetching and refreshing the JWKS until Close.
func (v *Verifier) Start() {}

// Close stops background work and releases resources.
func (v *Verifier) Close() {}

// Verify checks the Authorization header value (the whole header, e.g.
// "Bearer eyJ..."). It never blocks longer than FetchTimeout and, once keys
// are known, never waits on the network.
func (v *Verifier) Verify(ctx context.Context, authorization string) (*Principal, error) {
	panic("not implemented")
}

// Policy decides what roles may do.
type Policy struct {
	AllowRoles []string // may do everything; default scim_provisioner admin
	ReadRoles  []string // may only read
}

// Decision is the outcome of Policy.Decide.
type Decision int

const (
	Deny Decision = iota
	Allow
)

// Decide reports whether roles may perform a request; write is true for
// anything but GET/HEAD.
func (p Policy) Decide(roles []string, write bool) Decision {
	panic("not implemented")
}
