package callerauth

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// Defaults for Config.
const (
	DefaultClockSkew       = 30 * time.Second
	DefaultFetchTimeout    = 10 * time.Second
	DefaultRefreshCooldown = 10 * time.Second

	// minRefreshInterval floors the background refresh period the JWKS's
	// Cache-Control max-age asks for; httprc checks every 15 minutes.
	minRefreshInterval = 5 * time.Minute
)

// DefaultAlgorithms is the allow-list when Config.Algorithms is empty:
// RSA, RSA-PSS, ECDSA and EdDSA at the strengths identity providers use.
var DefaultAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"}

// SupportedAlgorithms lists every algorithm a configuration may allow. HMAC
// (HS*) and "none" are absent on purpose: a gateway verifying with public
// keys must never accept a shared-secret or unsigned token (RFC 8725 §3.1).
var SupportedAlgorithms = []string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA",
}

// CheckAlgorithm reports whether a may be allowed. Names are
// case-sensitive, as in JOSE.
func CheckAlgorithm(a string) error {
	if !slices.Contains(SupportedAlgorithms, a) {
		return fmt.Errorf("algorithm %q is not supported (allowed: %s; never none or HS*)", a, strings.Join(SupportedAlgorithms, " "))
	}
	return nil
}

// withDefaults checks cfg and fills in its defaults. Zero durations mean
// the default; negative ones are refused.
func withDefaults(cfg Config) (Config, error) {
	u, err := url.Parse(cfg.JWKSURL)
	if cfg.JWKSURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return cfg, fmt.Errorf("callerauth: jwks_url must be an absolute http(s) URL, got %q", cfg.JWKSURL)
	}
	for _, d := range []struct {
		name string
		val  *time.Duration
		def  time.Duration
	}{
		{"clock_skew", &cfg.ClockSkew, DefaultClockSkew},
		{"fetch timeout", &cfg.FetchTimeout, DefaultFetchTimeout},
		{"refresh cooldown", &cfg.RefreshCooldown, DefaultRefreshCooldown},
	} {
		if *d.val < 0 {
			return cfg, fmt.Errorf("callerauth: %s must not be negative, got %s", d.name, *d.val)
		}
		if *d.val == 0 {
			*d.val = d.def
		}
	}
	for _, a := range cfg.Audiences {
		if strings.TrimSpace(a) == "" {
			return cfg, fmt.Errorf("callerauth: empty audience")
		}
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = DefaultAlgorithms
	}
	cfg.Audiences = slices.Clone(cfg.Audiences)
	cfg.Algorithms = slices.Clone(cfg.Algorithms)
	return cfg, nil
}

// allowList builds jwx's verifier for each allowed algorithm, refusing
// none, HMAC and anything unknown. Names are case-sensitive, as in JOSE.
func allowList(algs []string) (map[string]jws.Verifier, error) {
	out := make(map[string]jws.Verifier, len(algs))
	for _, a := range algs {
		if err := CheckAlgorithm(a); err != nil {
			return nil, fmt.Errorf("callerauth: %w", err)
		}
		v, err := jws.NewVerifier(jwa.SignatureAlgorithm(a))
		if err != nil {
			return nil, fmt.Errorf("callerauth: algorithm %q: %w", a, err)
		}
		out[a] = v
	}
	return out, nil
}
