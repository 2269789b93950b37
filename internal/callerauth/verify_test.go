package callerauth

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/idptest"
)

// TestVerify covers every way a request's credentials can be wrong (issue 3)
// and the ways they can be right, against a real JWKS over HTTP.
func TestVerify(t *testing.T) {
	h := newHarness(t, nil)
	h.start(t)
	p := h.idp
	now := time.Now()
	rsaKid, ecKid := p.KeyIDs()
	good := idptest.Claims{Subject: "entra-app", Roles: []string{"scim_provisioner"}}
	with := func(mod func(*idptest.Claims)) idptest.Claims {
		c := good
		mod(&c)
		return c
	}
	bearer := func(c idptest.Claims, opts ...idptest.MintOption) string { return "Bearer " + p.Mint(c, opts...) }

	for _, tc := range []struct {
		name   string
		header string
		want   error  // ErrNoToken, ErrKeysUnavailable, or nil
		reason string // expected InvalidTokenError reason; "" means success
	}{
		{"valid RS256 (JWKS key without alg)", bearer(good), nil, ""},
		{"valid ES256 (JWKS key with alg)", bearer(good, idptest.WithEC()), nil, ""},
		{"scheme is case-insensitive", "bearer " + p.Mint(good), nil, ""},

		{"no header", "", ErrNoToken, ""},
		{"Basic", "Basic dXNlcjpwYXNz", ErrNoToken, ""},
		{"no scheme", p.Mint(good), ErrNoToken, ""},
		{"empty Bearer", "Bearer", ErrNoToken, ""},
		{"blank Bearer", "Bearer   ", ErrNoToken, ""},

		{"garbage", "Bearer garbage", nil, reasonMalformed},
		{"garbage with dots", "Bearer a.b.c", nil, reasonMalformed},
		{"four parts", bearer(good) + ".x", nil, reasonMalformed},
		{"empty header, no signature", "Bearer e30.e30.", nil, reasonAlgorithm},
		{"RS256 with no signature", "Bearer " + strings.TrimRight(p.Mint(good), "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"), nil, reasonSignature},
		{"too large", "Bearer " + string(make([]byte, maxTokenLen+1)), nil, reasonTooLarge},
		{"alg none", bearer(good, idptest.WithAlgNone()), nil, reasonAlgorithm},
		{"HS256 keyed with RSA public key PEM", bearer(good, idptest.WithHS256PublicKeyPEM()), nil, reasonAlgorithm},
		{"HS256 keyed with RSA public key DER", bearer(good, idptest.WithHS256PublicKeyDER()), nil, reasonAlgorithm},
		{"RS256 naming the EC key", bearer(good, idptest.WithKid(ecKid)), nil, reasonKeyMismatch},
		{"ES256 naming the RSA key", bearer(good, idptest.WithEC(), idptest.WithKid(rsaKid)), nil, reasonKeyMismatch},
		{"crit header", bearer(good, idptest.WithHeader("crit", []string{"exp"})), nil, reasonCrit},
		{"missing kid", bearer(good, idptest.WithoutKid()), nil, reasonNoKid},
		{"unknown kid", bearer(good, idptest.WithUnknownKid()), nil, reasonUnknownKid},
		{"key not in the JWKS", bearer(good, idptest.WithForeignKey()), nil, reasonSignature},
		{"tampered payload", bearer(good, idptest.WithTamperedPayload()), nil, reasonSignature},

		{"expired", bearer(with(func(c *idptest.Claims) { c.ExpiresAt = now.Add(-time.Minute) })), nil, reasonExpired},
		{"expired within skew", bearer(with(func(c *idptest.Claims) { c.ExpiresAt = now.Add(-10 * time.Second) })), nil, ""},
		{"no exp", bearer(with(func(c *idptest.Claims) { c.Extra = map[string]any{"exp": nil} })), nil, reasonNoExp},
		{"exp not a number", bearer(with(func(c *idptest.Claims) { c.Extra = map[string]any{"exp": "tomorrow"} })), nil, reasonClaims},
		{"not yet valid", bearer(with(func(c *idptest.Claims) { c.NotBefore = now.Add(time.Minute) })), nil, reasonNotYetValid},
		{"nbf within skew", bearer(with(func(c *idptest.Claims) { c.NotBefore = now.Add(10 * time.Second) })), nil, ""},
		{"issued in the future", bearer(with(func(c *idptest.Claims) { c.IssuedAt = now.Add(time.Minute) })), nil, reasonIssuedInFuture},
		{"wrong issuer", bearer(with(func(c *idptest.Claims) { c.Issuer = "https://evil.example" })), nil, reasonIssuer},
		{"no issuer", bearer(with(func(c *idptest.Claims) { c.Extra = map[string]any{"iss": nil} })), nil, reasonIssuer},
		{"wrong audience", bearer(with(func(c *idptest.Claims) { c.Audience = []string{"other-api"} })), nil, reasonAudience},
		{"no audience", bearer(with(func(c *idptest.Claims) { c.Extra = map[string]any{"aud": nil} })), nil, reasonAudience},
		{"one of several audiences", bearer(with(func(c *idptest.Claims) { c.Audience = []string{"other-api", idptest.DefaultAudience} })), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, err := h.v.Verify(t.Context(), tc.header)
			switch {
			case tc.want != nil:
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			case tc.reason != "":
				if got := reasonOf(err); got != tc.reason {
					t.Fatalf("err = %v, want invalid token %q", err, tc.reason)
				}
			case err != nil:
				t.Fatalf("unexpected error %v", err)
			case pr.Subject != "entra-app" || !slices.Equal(pr.Roles, []string{"scim_provisioner"}):
				t.Fatalf("principal = %+v", pr)
			}
		})
	}
}

func TestNewVerifierRefusesBadConfig(t *testing.T) {
	ok := Config{JWKSURL: "https://idp.example/jwks"}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"alg none", func(c *Config) { c.Algorithms = []string{"RS256", "none"} }},
		{"HS256", func(c *Config) { c.Algorithms = []string{"HS256"} }},
		{"HS384", func(c *Config) { c.Algorithms = []string{"ES256", "HS384"} }},
		{"HS512", func(c *Config) { c.Algorithms = []string{"HS512"} }},
		{"unknown alg", func(c *Config) { c.Algorithms = []string{"RS1"} }},
		{"wrong case", func(c *Config) { c.Algorithms = []string{"rs256"} }},
		{"no JWKS URL", func(c *Config) { c.JWKSURL = "" }},
		{"relative JWKS URL", func(c *Config) { c.JWKSURL = "/jwks" }},
		{"file JWKS URL", func(c *Config) { c.JWKSURL = "file:///etc/jwks" }},
		{"negative skew", func(c *Config) { c.ClockSkew = -time.Second }},
		{"negative timeout", func(c *Config) { c.FetchTimeout = -time.Second }},
		{"blank audience", func(c *Config) { c.Audiences = []string{" "} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.mod(&cfg)
			if v, err := NewVerifier(cfg); err == nil {
				v.Close()
				t.Fatal("config accepted")
			}
		})
	}
	v, err := NewVerifier(ok)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if v.cfg.ClockSkew != DefaultClockSkew || v.cfg.FetchTimeout != DefaultFetchTimeout ||
		v.cfg.RefreshCooldown != DefaultRefreshCooldown || len(v.verifiers) != len(DefaultAlgorithms) {
		t.Errorf("defaults not applied: %+v", v.cfg)
	}
}
