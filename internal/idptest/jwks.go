package idptest

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
)

// jwk is one public key as published. The RSA key is published without
// "alg" (as Microsoft Entra ID does) and the EC key with it, so a verifier
// is exercised on both: inferring the algorithm from the key type, and
// honouring the key's declared algorithm.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// serveJWKS answers the JWKS, or 503 when down, or blocks when hanging.
func (p *IdP) serveJWKS(w http.ResponseWriter, r *http.Request) {
	p.fetches.Add(1)
	p.mu.Lock()
	down, hang, keys := p.down, p.hang, p.keys
	p.mu.Unlock()

	if hang != nil {
		select {
		case <-hang:
		case <-p.closed:
			return
		case <-r.Context().Done():
			return
		}
	}
	if down {
		http.Error(w, "identity provider unavailable", http.StatusServiceUnavailable)
		return
	}
	body, err := json.Marshal(map[string][]jwk{"keys": keys.publicJWKs()})
	if err != nil {
		http.Error(w, "encoding JWKS", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(body)
}

func (k keyPair) publicJWKs() []jwk {
	return []jwk{rsaJWK(k.rsaKid, &k.rsa.PublicKey), ecJWK(k.ecKid, &k.ec.PublicKey)}
}

func rsaJWK(kid string, pub *rsa.PublicKey) jwk {
	return jwk{
		Kty: "RSA", Kid: kid, Use: "sig",
		N: b64(pub.N.Bytes()),
		E: b64(big.NewInt(int64(pub.E)).Bytes()),
	}
}

func ecJWK(kid string, pub *ecdsa.PublicKey) jwk {
	raw, err := pub.Bytes() // 0x04 || X || Y, each fixed-size
	if err != nil {
		panic(fmt.Sprintf("idp: encoding P-256 key: %v", err)) // a P-256 key we generated always encodes
	}
	size := (len(raw) - 1) / 2
	return jwk{
		Kty: "EC", Kid: kid, Use: "sig", Alg: "ES256", Crv: "P-256",
		X: b64(raw[1 : 1+size]),
		Y: b64(raw[1+size:]),
	}
}

// publicKeyBytes returns the PKIX DER and PEM of an RSA public key: the
// bytes an attacker would use as an HMAC secret in an alg-confusion attack.
func publicKeyBytes(pub *rsa.PublicKey) (der, pemBytes []byte, err error) {
	der, err = x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("idp: encoding RSA public key: %w", err)
	}
	return der, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
