package idptest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// DefaultLifetime is how long a minted token lives when Claims.ExpiresAt is zero.
const DefaultLifetime = 10 * time.Minute

// Claims are the claims of a minted token. Zero values take defaults:
// Issuer is the IdP's URL, Audience is [DefaultAudience], ExpiresAt is now
// plus DefaultLifetime, IssuedAt is now; NotBefore and empty Subject or
// Roles are omitted.
type Claims struct {
	Subject  string
	Issuer   string
	Audience []string // one element is encoded as a string, more as an array
	Roles    []string // encoded under "roles"

	ExpiresAt time.Time
	NotBefore time.Time
	IssuedAt  time.Time

	// Extra claims are applied last and win over the fields above; a nil
	// value removes the claim (e.g. Extra["exp"] = nil mints a token
	// without exp, Extra["aud"] = []string{"x"} a one-element array).
	Extra map[string]any
}

// MintOption changes how Mint signs a token.
type MintOption func(*mintSpec)

type mintSpec struct {
	alg       string // RS256, ES256, none, HS256
	ec        bool   // sign with the EC key (ES256)
	noKid     bool
	kid       string // overrides the kid in the header
	stray     bool   // sign with a key the JWKS does not publish
	strayKid  bool   // and name it with a kid the JWKS does not have
	hmacDER   bool   // HS256 secret is the RSA public key's DER (else PEM)
	tamper    bool
	extraHead map[string]any
}

// WithRSA signs with the published RSA key (RS256). The default.
func WithRSA() MintOption { return func(s *mintSpec) { s.alg, s.ec = "RS256", false } }

// WithEC signs with the published P-256 key (ES256).
func WithEC() MintOption { return func(s *mintSpec) { s.alg, s.ec = "ES256", true } }

// WithoutKid omits kid from the header.
func WithoutKid() MintOption { return func(s *mintSpec) { s.noKid = true } }

// WithKid puts kid in the header, whatever key signs.
func WithKid(kid string) MintOption { return func(s *mintSpec) { s.kid = kid } }

// WithUnknownKid signs with a key the JWKS does not have, under a kid the
// JWKS does not have either.
func WithUnknownKid() MintOption { return func(s *mintSpec) { s.stray, s.strayKid = true, true } }

// WithForeignKey signs with a key the JWKS does not have, but names the
// published key's kid: the signature must not verify.
func WithForeignKey() MintOption { return func(s *mintSpec) { s.stray = true } }

// WithAlgNone produces an unsigned token: {"alg":"none"} and an empty
// signature, with the RSA key's kid.
func WithAlgNone() MintOption { return func(s *mintSpec) { s.alg = "none" } }

// WithHS256PublicKeyPEM signs with HS256 using the published RSA public
// key's PEM bytes as the HMAC secret, with the RSA key's kid: the classic
// algorithm-confusion attack.
func WithHS256PublicKeyPEM() MintOption {
	return func(s *mintSpec) { s.alg, s.hmacDER = "HS256", false }
}

// WithHS256PublicKeyDER is WithHS256PublicKeyPEM with the DER bytes.
func WithHS256PublicKeyDER() MintOption {
	return func(s *mintSpec) { s.alg, s.hmacDER = "HS256", true }
}

// WithTamperedPayload changes the payload after signing (it grants the
// role "admin" and changes sub), keeping the original signature.
func WithTamperedPayload() MintOption { return func(s *mintSpec) { s.tamper = true } }

// WithHeader adds a header parameter (e.g. "crit"); a nil value removes one.
func WithHeader(name string, value any) MintOption {
	return func(s *mintSpec) {
		if s.extraHead == nil {
			s.extraHead = map[string]any{}
		}
		s.extraHead[name] = value
	}
}

// Mint returns a compact JWS. It panics only if encoding fails, which the
// IdP's own keys and JSON-encodable claims never cause.
func (p *IdP) Mint(c Claims, opts ...MintOption) string {
	spec := mintSpec{alg: "RS256"}
	for _, o := range opts {
		o(&spec)
	}
	p.mu.Lock()
	keys, stray, issuer := p.keys, p.stray, p.issuer
	p.mu.Unlock()

	signer := keys
	if spec.stray {
		signer = stray
	}
	kid := keys.rsaKid
	if spec.ec {
		kid = keys.ecKid
	}
	if spec.strayKid {
		kid = stray.rsaKid
		if spec.ec {
			kid = stray.ecKid
		}
	}
	if spec.kid != "" {
		kid = spec.kid
	}

	header := map[string]any{"alg": spec.alg, "typ": "JWT", "kid": kid}
	if spec.noKid {
		delete(header, "kid")
	}
	apply(header, spec.extraHead)

	now := time.Now()
	signingInput := b64(mustJSON(header)) + "." + b64(mustJSON(c.toMap(issuer, now)))
	sig := sign(spec, signer, keys, []byte(signingInput))
	if spec.tamper {
		signingInput = tamper(signingInput, c, issuer, now)
	}
	return signingInput + "." + b64(sig)
}

func (c Claims) toMap(issuer string, now time.Time) map[string]any {
	m := map[string]any{}
	if c.Subject != "" {
		m["sub"] = c.Subject
	}
	m["iss"] = issuer
	if c.Issuer != "" {
		m["iss"] = c.Issuer
	}
	switch aud := c.Audience; {
	case aud == nil:
		m["aud"] = DefaultAudience
	case len(aud) == 1:
		m["aud"] = aud[0]
	case len(aud) > 1:
		m["aud"] = aud
	}
	if len(c.Roles) > 0 {
		m["roles"] = c.Roles
	}
	m["exp"] = numericDate(c.ExpiresAt, now.Add(DefaultLifetime))
	m["iat"] = numericDate(c.IssuedAt, now)
	if !c.NotBefore.IsZero() {
		m["nbf"] = c.NotBefore.Unix()
	}
	apply(m, c.Extra)
	return m
}

func numericDate(t, def time.Time) int64 {
	if t.IsZero() {
		return def.Unix()
	}
	return t.Unix()
}

// apply sets extra entries on m; nil values delete.
func apply(m, extra map[string]any) {
	for k, v := range extra {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
}

// sign returns the signature for the spec's algorithm. For HS256 the
// secret is always the *published* RSA key's bytes, the ones a verifier
// could be tricked into using.
func sign(spec mintSpec, signer, published keyPair, input []byte) []byte {
	sum := sha256.Sum256(input)
	switch spec.alg {
	case "none":
		return nil
	case "HS256":
		secret := published.rsaPublicPEM
		if spec.hmacDER {
			secret = published.rsaPublicDER
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write(input)
		return mac.Sum(nil)
	case "ES256":
		return signES256(signer.ec, sum[:])
	default:
		sig, err := rsa.SignPKCS1v15(rand.Reader, signer.rsa, crypto.SHA256, sum[:])
		if err != nil {
			panic(fmt.Sprintf("idp: RS256 signing: %v", err))
		}
		return sig
	}
}

// signES256 returns the JWS form of an ECDSA signature: R || S, 32 bytes each.
func signES256(key *ecdsa.PrivateKey, digest []byte) []byte {
	r, s, err := ecdsa.Sign(rand.Reader, key, digest)
	if err != nil {
		panic(fmt.Sprintf("idp: ES256 signing: %v", err))
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}

// tamper replaces the payload of a signed token with an escalated one.
func tamper(signingInput string, c Claims, issuer string, now time.Time) string {
	head, _, _ := strings.Cut(signingInput, ".")
	c.Roles = append(append([]string(nil), c.Roles...), "admin")
	c.Subject += "-tampered"
	return head + "." + b64(mustJSON(c.toMap(issuer, now)))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("idp: encoding JSON: %v", err))
	}
	return b
}
