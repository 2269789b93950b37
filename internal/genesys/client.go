// Package genesys is a client for the parts of the Genesys Cloud Platform API
// that user and group provisioning needs (users, groups and their members,
// search, external ids, divisions, routing skills, languages and queues). It
// knows nothing of SCIM.
//
// It owns everything about talking to Genesys safely: the OAuth client
// credentials token (cached until 30 s before expiry, one refresh for many
// callers, refetched once on a 401), outbound pacing and concurrency limits,
// the shared 429 wait, backoff on 502/503/504 and connection errors for
// repeatable requests only, the per-call timeout, and typed errors.
package genesys

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// Config configures a Client. A zero field (nil for MaxRetries) takes its
// Default* constant.
type Config struct {
	APIURL       string // e.g. https://api.mypurecloud.com (no trailing slash)
	LoginURL     string // e.g. https://login.mypurecloud.com
	ClientID     string
	ClientSecret string

	Timeout time.Duration // one upstream attempt
	// MaxRetries is the repeats one call may spend on 429s, 5xx, connection
	// errors and the version clashes a delete may repeat. A pointer so that 0 (no retry at all) is
	// distinct from unset: a configuration's max_retries passes straight
	// through. Negative is refused.
	MaxRetries     *int
	MaxRetryWait   time.Duration // longest Retry-After honoured
	RateLimit      int           // calls per RateWindow
	RateWindow     time.Duration
	MaxConcurrency int // calls in flight

	// HTTPClient is used for every request (tests inject one); default a
	// client with sane transport limits and no global timeout (Timeout is
	// applied per call through the context).
	HTTPClient *http.Client
	// Observer, if set, is told about every call (metrics, audit counts).
	Observer Observer
}

// Defaults applied by New to zero (or nil) fields of Config. Each default is
// written here only.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultMaxRetries     = 3
	DefaultMaxRetryWait   = 60 * time.Second
	DefaultRateLimit      = 300
	DefaultRateWindow     = time.Minute
	DefaultMaxConcurrency = 16
)

// CallInfo describes one HTTP attempt to Genesys.
type CallInfo struct {
	Endpoint string // templated: "GET /api/v2/users/{id}"
	Status   int    // 0 for a transport error
	Duration time.Duration
	Retry    bool // this attempt repeats an earlier one
	Err      error
}

// Observer receives call events. Implementations must be fast and safe for
// concurrent use. ctx is the caller's context (it carries the audit request).
type Observer interface {
	ObserveCall(ctx context.Context, c CallInfo)
	ObserveTokenRefresh(ctx context.Context, err error)
	ObserveRateLimited(ctx context.Context, wait time.Duration)
}

// Client is safe for concurrent use. Create it with New and release it with
// Close.
type Client struct {
	cfg      Config // normalised: MaxRetries is never nil
	http     *http.Client
	ownHTTP  bool // http was made by New, so Close may close its connections
	observer Observer
	clock    clock

	tokens  *cache.Cache       // the access token, under tokenKey
	refresh singleflight.Group // one token request for many callers

	limiter *rate.Limiter // outbound pacing, shared by all calls
	slots   chan struct{} // MaxConcurrency semaphore
	gate    retryGate     // the shared 429 wait
}

// New validates cfg and returns a Client. It makes no network calls.
func New(cfg Config) (*Client, error) {
	if err := normalise(&cfg); err != nil {
		return nil, err
	}
	c := &Client{
		cfg:      cfg,
		http:     cfg.HTTPClient,
		observer: cfg.Observer,
		clock:    realClock{},
		// No janitor goroutine (cleanup interval 0): expiry is checked on
		// read, and Close then has nothing to stop.
		tokens:  cache.New(cache.NoExpiration, 0),
		limiter: newLimiter(cfg.RateLimit, cfg.RateWindow),
		slots:   make(chan struct{}, cfg.MaxConcurrency),
	}
	if c.http == nil {
		c.http, c.ownHTTP = defaultHTTPClient(cfg.MaxConcurrency), true
	}
	if c.observer == nil {
		c.observer = nopObserver{}
	}
	return c, nil
}

// normalise applies the defaults and rejects what cannot work. Its errors
// name the bad field, never the secret's value.
func normalise(cfg *Config) error {
	var err error
	if cfg.APIURL, err = baseURL("api_url", cfg.APIURL); err != nil {
		return err
	}
	if cfg.LoginURL, err = baseURL("login_url", cfg.LoginURL); err != nil {
		return err
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return errors.New("genesys: client_id and client_secret are required")
	}
	if cfg.Timeout < 0 || cfg.MaxRetryWait < 0 || cfg.RateLimit < 0 || cfg.RateWindow < 0 || cfg.MaxConcurrency < 0 ||
		(cfg.MaxRetries != nil && *cfg.MaxRetries < 0) {
		return errors.New("genesys: timeout, max_retries, max_retry_wait, rate_limit and max_concurrency must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	// A copy: the caller's int may change after New.
	retries := DefaultMaxRetries
	if cfg.MaxRetries != nil {
		retries = *cfg.MaxRetries
	}
	cfg.MaxRetries = &retries
	if cfg.MaxRetryWait == 0 {
		cfg.MaxRetryWait = DefaultMaxRetryWait
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.RateWindow == 0 {
		cfg.RateWindow = DefaultRateWindow
	}
	if cfg.MaxConcurrency == 0 {
		cfg.MaxConcurrency = DefaultMaxConcurrency
	}
	return nil
}

// baseURL checks an absolute http(s) URL and drops a trailing slash so that
// paths can be appended.
func baseURL(name, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("genesys: %s %q is not an absolute http(s) URL", name, raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// defaultHTTPClient keeps enough idle connections for MaxConcurrency calls
// and bounds the connection phases; the whole-call bound is the per-attempt
// context, so there is no http.Client.Timeout.
func defaultHTTPClient(maxConcurrency int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          maxConcurrency * 2,
		MaxIdleConnsPerHost:   maxConcurrency,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}

// Close releases the client's resources (idle connections, timers). An
// injected HTTPClient is left alone: its owner may share it.
func (c *Client) Close() {
	if c.ownHTTP {
		c.http.CloseIdleConnections()
	}
}

// nopObserver is used when Config.Observer is nil.
type nopObserver struct{}

func (nopObserver) ObserveCall(context.Context, CallInfo)             {}
func (nopObserver) ObserveTokenRefresh(context.Context, error)        {}
func (nopObserver) ObserveRateLimited(context.Context, time.Duration) {}
