package caddyscim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddyscim/caddyscim/internal/callerauth"
	"github.com/caddyscim/caddyscim/internal/gateway"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/telemetry"
)

// pools hold what survives a config reload with unchanged settings: the
// Genesys client (its token, pacing and 429 wait) with the gateway's caches,
// and the JWKS verifier (its keys).
var (
	upstreams = caddy.NewUsagePool()
	verifiers = caddy.NewUsagePool()
)

type pooledUpstream struct {
	client *genesys.Client
	shared *gateway.Shared
}

func (p *pooledUpstream) Destruct() error { p.client.Close(); return nil }

type pooledVerifier struct {
	v     *callerauth.Verifier
	start sync.Once
	// log is the logger of the config loaded last that uses this verifier:
	// JWKS fetch failures are reported there, not on a config long gone.
	log atomic.Pointer[zap.Logger]
}

func (p *pooledVerifier) Destruct() error { p.v.Close(); return nil }

// loadUpstream returns the pooled Genesys client for these settings, with
// the gateway state that belongs to it. The key carries every setting the
// client reads; gateway.Shared depends on nothing else (what it remembers
// per authority is keyed by the authority).
func (h *Handler) loadUpstream() (*pooledUpstream, error) {
	key := "upstream:" + shortHash(h.APIURL, h.LoginURL, h.ClientID, h.ClientSecret,
		time.Duration(h.Timeout).String(), fmt.Sprint(*h.MaxRetries), time.Duration(h.MaxRetryWait).String(),
		fmt.Sprint(h.RateLimit.Requests), time.Duration(h.RateLimit.Window).String(), fmt.Sprint(h.MaxConcurrency))
	v, _, err := upstreams.LoadOrNew(key, func() (caddy.Destructor, error) {
		c, err := genesys.New(genesys.Config{
			APIURL: h.APIURL, LoginURL: h.LoginURL,
			ClientID: h.ClientID, ClientSecret: h.ClientSecret,
			Timeout: time.Duration(h.Timeout), MaxRetries: h.MaxRetries,
			MaxRetryWait: time.Duration(h.MaxRetryWait),
			RateLimit:    h.RateLimit.Requests, RateWindow: time.Duration(h.RateLimit.Window),
			MaxConcurrency: h.MaxConcurrency,
			Observer:       telemetry.Upstream{M: h.metrics},
		})
		if err != nil {
			return nil, err
		}
		return &pooledUpstream{client: c, shared: gateway.NewShared()}, nil
	})
	if err != nil {
		return nil, err
	}
	h.poolKeys = append(h.poolKeys, key)
	return v.(*pooledUpstream), nil
}

// loadVerifier returns the pooled JWKS verifier for these settings. The key
// carries every setting the verifier reads; the logger it reports to is the
// latest config's.
func (h *Handler) loadVerifier() (*pooledVerifier, error) {
	cfg := callerauth.Config{
		JWKSURL: h.JWKSURL, Issuer: h.Issuer, Audiences: h.Audience,
		Algorithms: h.Algorithms, RoleClaim: h.RoleClaim, ClockSkew: time.Duration(h.ClockSkew),
	}
	key := "verifier:" + shortHash(cfg.JWKSURL, cfg.Issuer, strings.Join(cfg.Audiences, " "),
		strings.Join(cfg.Algorithms, " "), cfg.RoleClaim, cfg.ClockSkew.String())
	v, _, err := verifiers.LoadOrNew(key, func() (caddy.Destructor, error) {
		p := &pooledVerifier{}
		// A JWKS outage must be visible to operators (caddy-jwt's #79).
		cfg.OnFetchError = func(err error) { p.log.Load().Warn("fetching the JWKS failed", zap.Error(err)) }
		v, err := callerauth.NewVerifier(cfg)
		if err != nil {
			return nil, err
		}
		p.v = v
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	h.poolKeys = append(h.poolKeys, key)
	p := v.(*pooledVerifier)
	p.log.Store(h.logger)
	return p, nil
}

// shortHash identifies settings (including secrets) without keeping them
// readable in pool keys or storage paths.
func shortHash(parts ...string) string {
	s := sha256.New()
	for _, p := range parts {
		s.Write([]byte(p))
		s.Write([]byte{0})
	}
	return hex.EncodeToString(s.Sum(nil))[:16]
}
