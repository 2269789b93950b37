package callerauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"slices"
	"testing"

	"github.com/caddyscim/caddyscim/internal/idptest"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// TestKeySelection checks which JWKS keys may verify which algorithms.
func TestKeySelection(t *testing.T) {
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)

	for _, tc := range []struct {
		name  string
		raw   any
		attrs map[string]any
		want  []string // nil: key unusable
	}{
		{"RSA without alg: inferred", &rsa2048.PublicKey, nil, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}},
		{"RSA with alg", &rsa2048.PublicKey, map[string]any{"alg": "PS256"}, []string{"PS256"}},
		{"RSA private key: public part used", rsa2048, nil, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}},
		{"RSA claiming ES256", &rsa2048.PublicKey, map[string]any{"alg": "ES256"}, nil},
		{"RSA claiming HS256", &rsa2048.PublicKey, map[string]any{"alg": "HS256"}, nil},
		{"RSA 1024", &rsa1024.PublicKey, nil, nil},
		{"encryption key", &rsa2048.PublicKey, map[string]any{"use": "enc"}, nil},
		{"key_ops without verify", &rsa2048.PublicKey, map[string]any{"key_ops": []string{"encrypt"}}, nil},
		{"P-256", &p256.PublicKey, nil, []string{"ES256"}},
		{"P-384", &p384.PublicKey, nil, []string{"ES384"}},
		{"P-256 claiming ES384", &p256.PublicKey, map[string]any{"alg": "ES384"}, nil},
		{"Ed25519", edPub, nil, []string{"EdDSA"}},
		{"symmetric", []byte("0123456789abcdef0123456789abcdef"), nil, nil},
		{"no kid", &rsa2048.PublicKey, map[string]any{"kid": ""}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := jwk.FromRaw(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			_ = key.Set(jwk.KeyIDKey, "k1")
			for k, v := range tc.attrs {
				if err := key.Set(k, v); err != nil {
					t.Fatal(err)
				}
			}
			pk, ok := usableKey(key)
			if tc.want == nil {
				if ok {
					t.Fatalf("usable with %v, want refused", pk.algs)
				}
				return
			}
			if !ok || !slices.Equal(pk.algs, tc.want) {
				t.Fatalf("usable=%v algs=%v, want %v", ok, pk.algs, tc.want)
			}
		})
	}
}

func TestEmptyJWKSKeepsLastGoodKeys(t *testing.T) {
	h := newHarness(t, nil)
	h.start(t)
	if _, err := h.v.publish("", jwk.NewSet()); err == nil {
		t.Fatal("empty JWKS accepted")
	}
	if _, err := h.verify(h.idp.Mint(anyRole)); err != nil {
		t.Fatalf("keys lost after an empty JWKS: %v", err)
	}
}

// TestRSAKeyNeverVerifiesHS256 is the second line of defence behind the
// allow-list: even handed an HMAC verifier, the RSA key named by an HS256
// token (keyed with that key's public bytes) does not fit.
func TestRSAKeyNeverVerifiesHS256(t *testing.T) {
	h := newHarness(t, nil)
	h.start(t)
	rsaKid, _ := h.idp.KeyIDs()
	hs, err := jws.NewVerifier(jwa.HS256)
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []idptest.MintOption{idptest.WithHS256PublicKeyPEM(), idptest.WithHS256PublicKeyDER()} {
		tok, err := parseToken(h.idp.Mint(anyRole, opt))
		if err != nil {
			t.Fatal(err)
		}
		if tok.alg != "HS256" || tok.kid != rsaKid {
			t.Fatalf("token header alg=%s kid=%s", tok.alg, tok.kid)
		}
		if err := checkSignature(hs, tok, h.v.keys.Load().byKid[rsaKid]); reasonOf(err) != reasonKeyMismatch {
			t.Fatalf("err = %v, want %q", err, reasonKeyMismatch)
		}
	}
}
