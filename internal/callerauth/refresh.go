package callerauth

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// maxJWKSBytes bounds a JWKS response; real ones are a few KiB.
const maxJWKSBytes = 1 << 20

// newCache registers the JWKS with a jwk.Cache bound to v's context: it
// refreshes in the background as the response's Cache-Control/Expires
// allow (at least minRefreshInterval apart, checked every 15 minutes), and
// publishes every good fetch to v.keys through the post-fetch hook.
func newCache(v *Verifier) *jwk.Cache {
	c := jwk.NewCache(v.ctx, jwk.WithErrSink(errSink(v.reportFetchError)))
	err := c.Register(v.cfg.JWKSURL,
		jwk.WithHTTPClient(v.fetch),
		jwk.WithMinRefreshInterval(minRefreshInterval),
		jwk.WithPostFetcher(jwk.PostFetchFunc(v.publish)),
	)
	if err != nil { // only possible with a refresh interval below the window, which we never set
		v.reportFetchError(fmt.Errorf("callerauth: registering JWKS: %w", err))
	}
	return c
}

// publish turns a fetched JWKS into the keys Verify uses. A set with no
// usable key is refused, so the last good keys stay in force.
func (v *Verifier) publish(_ string, set jwk.Set) (jwk.Set, error) {
	ks, err := buildKeySet(set)
	if err != nil {
		return nil, err
	}
	v.keys.Store(ks)
	return set, nil
}

// refresh starts an on-demand JWKS fetch unless one is running or the
// last one started less than RefreshCooldown ago (however many requests
// ask), and returns a channel closed when the running fetch ends, or nil
// when none runs. Concurrent callers share the same fetch.
func (v *Verifier) refresh() <-chan struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.inflight != nil {
		return v.inflight
	}
	now := v.now()
	if !v.started || v.closed || (!v.lastTry.IsZero() && now.Sub(v.lastTry) < v.cfg.RefreshCooldown) {
		return nil
	}
	v.lastTry = now
	done := make(chan struct{})
	v.inflight = done
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		ctx, cancel := context.WithTimeout(v.ctx, v.cfg.FetchTimeout)
		_, err := v.cache.Refresh(ctx, v.cfg.JWKSURL)
		cancel()
		if err != nil && v.ctx.Err() == nil {
			v.reportFetchError(err)
		}
		v.mu.Lock()
		v.inflight = nil
		v.mu.Unlock()
		close(done)
	}()
	return done
}

// awaitKeys is the path while no JWKS was ever fetched: it triggers a
// (rate-limited) refresh and waits for it at most FetchTimeout.
func (v *Verifier) awaitKeys(ctx context.Context) *keySet {
	done := v.refresh()
	if done == nil {
		return v.keys.Load()
	}
	t := time.NewTimer(v.cfg.FetchTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	return v.keys.Load()
}

func (v *Verifier) reportFetchError(err error) {
	if f := v.cfg.OnFetchError; f != nil {
		f(err)
	}
}

type errSink func(error)

func (f errSink) Error(err error) { f(err) }

// fetchClient is the HTTP client jwk.Cache fetches with. httprc v1 calls
// Get without a context and reads the body without a limit, so each fetch
// here is bound to the Verifier's life (Close aborts it) and to
// FetchTimeout whatever client was configured, and the body is read here,
// bounded, and handed over in memory (nothing left open on any path).
type fetchClient struct {
	ctx     context.Context
	client  *http.Client
	timeout time.Duration
}

func (f *fetchClient) Get(url string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(f.ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS %s answered %s", url, res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading JWKS %s: %w", url, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("JWKS %s is larger than %d bytes", url, maxJWKSBytes)
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

// defaultClient is used when Config.HTTPClient is nil. Keep-alives are off:
// fetches are minutes apart, and no idle connection (with its goroutines)
// outlives Close.
func defaultClient(timeout time.Duration) (*http.Client, *http.Transport) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableKeepAlives = true
	return &http.Client{Timeout: timeout, Transport: t}, t
}
