// Package idptest is a test double of an identity provider: a small
// OAuth/OIDC-style token issuer for tests and the demo. It serves a JWKS on 127.0.0.1 and mints JWTs signed with RS256 or
// ES256, including the malformed and hostile tokens (alg none, HS256 keyed
// with the RSA public key, unknown kid, tampered payload) a verifier must
// refuse. It can rotate its keys and make its JWKS endpoint fail or hang.
//
// It is built on the standard library only, and never imports the
// gateway's verifier (internal/callerauth), so a test that pairs the two
// can catch the verifier's bugs instead of sharing them.
package idptest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAudience is the audience Mint uses when Claims.Audience is nil.
const DefaultAudience = "scim-gateway"

// JWKSPath is the path the JWKS is served on.
const JWKSPath = "/.well-known/jwks.json"

// shutdownWait bounds how long Close waits for in-flight requests.
const shutdownWait = 5 * time.Second

// IdP is a test identity provider. Safe for concurrent use.
type IdP struct {
	mu    sync.Mutex
	keys  keyPair // published in the JWKS and used by Mint
	stray keyPair // never published: signs "unknown kid" and "foreign key" tokens
	gen   int     // key generation, bumped by Rotate; part of the kids

	srv     *http.Server
	issuer  string
	served  chan struct{} // closed when Serve returns
	down    bool
	hang    chan struct{} // non-nil while hanging; closed to release
	closed  chan struct{}
	closing sync.Once

	fetches atomic.Int64
}

// keyPair is one RSA-2048 and one P-256 signing key with their kids.
type keyPair struct {
	rsa          *rsa.PrivateKey
	rsaKid       string
	ec           *ecdsa.PrivateKey
	ecKid        string
	rsaPublicPEM []byte // PEM of the RSA public key (PKIX), for the HS256 confusion token
	rsaPublicDER []byte // DER of the same
}

// New generates the first keys. It makes no network call.
func New() (*IdP, error) {
	p := &IdP{closed: make(chan struct{})}
	var err error
	if p.keys, err = newKeyPair("rsa-1", "ec-1"); err != nil {
		return nil, err
	}
	if p.stray, err = newKeyPair("stray-rsa", "stray-ec"); err != nil {
		return nil, err
	}
	p.gen = 1
	return p, nil
}

func newKeyPair(rsaKid, ecKid string) (keyPair, error) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return keyPair{}, fmt.Errorf("idp: generating RSA key: %w", err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, fmt.Errorf("idp: generating EC key: %w", err)
	}
	der, pemBytes, err := publicKeyBytes(&rk.PublicKey)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{rsa: rk, rsaKid: rsaKid, ec: ek, ecKid: ecKid, rsaPublicDER: der, rsaPublicPEM: pemBytes}, nil
}

// Start listens on 127.0.0.1:0 and serves the JWKS. The issuer becomes the
// server's base URL. Calling Start twice is an error.
func (p *IdP) Start() (jwksURL string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv != nil {
		return "", errors.New("idp: already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("idp: listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+JWKSPath, p.serveJWKS)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	p.issuer = "http://" + ln.Addr().String()
	p.served = make(chan struct{})
	go func() {
		defer close(p.served)
		_ = p.srv.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	return p.issuer + JWKSPath, nil
}

// Close releases hanging requests and stops the server. Safe to call more
// than once, and before Start.
func (p *IdP) Close() {
	p.closing.Do(func() {
		close(p.closed)
		p.mu.Lock()
		srv, served := p.srv, p.served
		p.mu.Unlock()
		if srv == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		<-served
	})
}

// Issuer is the server's base URL ("" before Start): the default iss.
func (p *IdP) Issuer() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issuer
}

// Rotate replaces the published keys with new ones (new kids); the old
// keys disappear from the JWKS at once, as after an emergency rotation.
func (p *IdP) Rotate() error {
	p.mu.Lock()
	gen := p.gen + 1
	p.mu.Unlock()
	kp, err := newKeyPair(fmt.Sprintf("rsa-%d", gen), fmt.Sprintf("ec-%d", gen))
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.keys, p.gen = kp, gen
	p.mu.Unlock()
	return nil
}

// KeyIDs returns the kids currently published (RSA, then EC).
func (p *IdP) KeyIDs() (rsaKid, ecKid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys.rsaKid, p.keys.ecKid
}

// SetDown makes the JWKS endpoint answer 503 (true) or serve again (false).
func (p *IdP) SetDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

// SetHang makes JWKS requests block (true) until SetHang(false), Close, or
// the client giving up.
func (p *IdP) SetHang(hang bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case hang && p.hang == nil:
		p.hang = make(chan struct{})
	case !hang && p.hang != nil:
		close(p.hang)
		p.hang = nil
	}
}

// Fetches counts JWKS requests received, whatever they were answered.
func (p *IdP) Fetches() int { return int(p.fetches.Load()) }
