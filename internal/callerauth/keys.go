package callerauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"slices"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// minRSABits refuses RSA keys shorter than RFC 7518 §3.3 allows.
const minRSABits = 2048

// errNoUsableKeys makes a fetch count as failed, so the last good keys stay.
var errNoUsableKeys = errors.New("JWKS has no usable signature keys")

// keySet is one JWKS, ready for verification: raw public keys by kid, each
// with the algorithms it may verify. Immutable once published.
type keySet struct {
	byKid map[string][]pubKey // a kid may name several keys (e.g. RSA and EC)
}

type pubKey struct {
	raw  any      // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	algs []string // what this key may verify
}

// buildKeySet keeps the keys a token could legitimately select: with a kid
// (tokens without one are refused), meant for signatures, asymmetric (an
// "oct" key would be an HMAC secret), and strong enough.
//
// A key's algorithms are its "alg" when the JWKS declares one, else what
// its type allows: jws.AlgorithmsForKey, the inference behind
// jws.WithInferAlgorithmFromKey, narrowed to the curve for EC keys. So a
// token's header alg must both be allow-listed and fit the key it names;
// an RSA key can never verify an HS256 token.
func buildKeySet(set jwk.Set) (*keySet, error) {
	ks := &keySet{byKid: make(map[string][]pubKey, set.Len())}
	for i := range set.Len() {
		key, _ := set.Key(i)
		if pk, ok := usableKey(key); ok {
			ks.byKid[key.KeyID()] = append(ks.byKid[key.KeyID()], pk)
		}
	}
	if len(ks.byKid) == 0 {
		return nil, errNoUsableKeys
	}
	return ks, nil
}

func usableKey(key jwk.Key) (pubKey, bool) {
	if key.KeyID() == "" {
		return pubKey{}, false
	}
	if use := key.KeyUsage(); use != "" && use != jwk.ForSignature.String() {
		return pubKey{}, false
	}
	if ops := key.KeyOps(); len(ops) > 0 && !slices.Contains(ops, jwk.KeyOpVerify) {
		return pubKey{}, false
	}
	switch key.KeyType() {
	case jwa.RSA, jwa.EC, jwa.OKP:
	default:
		return pubKey{}, false
	}
	raw, err := jwk.PublicRawKeyOf(key) // a JWKS carrying private keys still yields public ones
	if err != nil {
		return pubKey{}, false
	}
	inferred, err := jws.AlgorithmsForKey(key)
	if err != nil {
		return pubKey{}, false
	}
	algs := make([]string, 0, len(inferred))
	for _, a := range inferred {
		algs = append(algs, a.String())
	}
	switch k := raw.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return pubKey{}, false
		}
	case *ecdsa.PublicKey:
		algs = slices.DeleteFunc(algs, func(a string) bool { return a != curveAlg[k.Curve.Params().Name] })
	case ed25519.PublicKey:
	default: // x25519 and the like: not signature keys
		return pubKey{}, false
	}
	if declared := key.Algorithm().String(); declared != "" {
		if !slices.Contains(algs, declared) {
			return pubKey{}, false // a key whose alg contradicts its type is broken: never use it
		}
		algs = []string{declared}
	}
	if len(algs) == 0 {
		return pubKey{}, false
	}
	return pubKey{raw: raw, algs: algs}, true
}

// curveAlg is the one ECDSA algorithm each curve signs (RFC 7518 §3.4).
var curveAlg = map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}

// checkSignature verifies tok with the first candidate key that fits its
// algorithm. The header alg is already allow-listed.
func checkSignature(v jws.Verifier, tok *token, candidates []pubKey) error {
	fits := false
	for _, k := range candidates {
		if !slices.Contains(k.algs, tok.alg) {
			continue
		}
		fits = true
		if v.Verify(tok.signingInput, tok.signature, k.raw) == nil {
			return nil
		}
	}
	if !fits {
		return invalid(reasonKeyMismatch)
	}
	return invalid(reasonSignature)
}
