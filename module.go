package caddyscim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/callerauth"
	"github.com/caddyscim/caddyscim/internal/gateway"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
	"github.com/caddyscim/caddyscim/internal/telemetry"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Defaults (SPEC section 2).
const (
	defaultBasePath     = "/scim/v2"
	defaultAuthority    = "scim"
	defaultMaxResults   = 100
	defaultProficiency  = 3
	defaultClockSkew    = 30 * time.Second
	defaultTimeout      = 10 * time.Second
	defaultMaxRetries   = 3
	defaultMaxRetryWait = 60 * time.Second
	defaultRate         = 300
	defaultRateWindow   = time.Minute
	defaultConcurrency  = 16
	defaultOutboxMaxAge = 24 * time.Hour
)

var (
	supportedAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	defaultAllowRoles   = []string{"scim_provisioner", "admin"}
	errEmptyName        = errors.New("empty name")
	errBadProficiency   = errors.New("proficiency must be a number from 0 to 5")
)

func supportedAlgorithm(a string) bool {
	for _, s := range supportedAlgorithms {
		if a == s {
			return true
		}
	}
	return false
}

// Handler is the scim_genesys HTTP handler: a SCIM 2.0 service provider for
// Genesys Cloud. Requests under BasePath are authenticated with the caller's
// JWKS-signed bearer token and translated into Genesys Cloud Platform API
// calls; everything else goes to the next handler.
//
// String options accept {env.*} and {file.*} placeholders, resolved once in
// Provision (client_id and client_secret must resolve to a value).
type Handler struct {
	// Path prefix served, matched at a path segment boundary. Default /scim/v2.
	BasePath string `json:"base_path,omitempty"`

	// Genesys Cloud region domain (mypurecloud.com, usw2.pure.cloud, ...):
	// API host api.<region>, token host login.<region>.
	Region string `json:"region,omitempty"`
	// API base URL; overrides Region (an emulator, a proxy).
	APIURL string `json:"api_url,omitempty"`
	// Token host base URL. Default: from Region, else APIURL with a leading
	// "api." label replaced by "login.", else APIURL itself.
	LoginURL     string `json:"login_url,omitempty"`
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Home division of new users; default Genesys's home division.
	Division string `json:"division,omitempty"`
	// Authority under which externalId is stored. Default "scim".
	ExternalIDAuthority string `json:"external_id_authority,omitempty"`

	// Callers' token verification.
	JWKSURL    string   `json:"jwks_url,omitempty"`
	Issuer     string   `json:"issuer,omitempty"`
	Audience   []string `json:"audience,omitempty"`
	Algorithms []string `json:"algorithms,omitempty"`
	// gjson path of the roles claim; default: the first of roles, role, scp.
	RoleClaim string `json:"role_claim,omitempty"`
	// Roles that may do everything. Default scim_provisioner, admin.
	AllowRoles []string `json:"allow_roles,omitempty"`
	// Roles that may only read.
	ReadRoles []string       `json:"read_roles,omitempty"`
	ClockSkew caddy.Duration `json:"clock_skew,omitempty"`

	// return_existing (default) or conflict.
	OnDuplicate string `json:"on_duplicate,omitempty"`
	// Largest page served, and the page size when count is absent. Default 100.
	MaxResults int     `json:"max_results,omitempty"`
	Groups     []Group `json:"groups,omitempty"`

	// Upstream resilience.
	Timeout        caddy.Duration `json:"timeout,omitempty"`
	MaxRetries     *int           `json:"max_retries,omitempty"`
	MaxRetryWait   caddy.Duration `json:"max_retry_wait,omitempty"`
	RateLimit      *RateLimit     `json:"rate_limit,omitempty"`
	MaxConcurrency int            `json:"max_concurrency,omitempty"`
	OutboxMaxAge   caddy.Duration `json:"outbox_max_age,omitempty"`

	logger            *zap.Logger
	audit             *audit.Logger
	metrics           *telemetry.Metrics
	server            *scim.Server
	gw                *gateway.Gateway
	verifier          *pooledVerifier
	poolKeys          []string
	dropOutboxMetrics func()
}

// Group maps membership of a SCIM group onto Genesys routing.
type Group struct {
	// Matched against a SCIM group's display or value, case-insensitively.
	Name      string        `json:"name"`
	Skills    []Proficiency `json:"skills,omitempty"`
	Languages []Proficiency `json:"languages,omitempty"`
	Queues    []string      `json:"queues,omitempty"`
}

// Proficiency is a skill or language by name with a proficiency from 0 to 5.
type Proficiency struct {
	Name        string  `json:"name"`
	Proficiency float64 `json:"proficiency"`
}

// RateLimit paces outbound calls: Requests per Window, evenly spread.
type RateLimit struct {
	Requests int            `json:"requests"`
	Window   caddy.Duration `json:"window"`
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.scim_genesys",
		New: func() caddy.Module { return new(Handler) },
	}
}

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
}

func (p *pooledVerifier) Destruct() error { p.v.Close(); return nil }

// Provision sets defaults, resolves placeholders and builds the handler's
// parts. It makes no network calls: the JWKS is fetched when the first
// request arrives, Genesys names and tokens on first use.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	h.audit = audit.New(h.logger.Named("audit"))
	if err := h.resolvePlaceholders(); err != nil {
		return err
	}
	h.setDefaults()
	if err := h.Validate(); err != nil {
		return err
	}
	m, err := telemetry.Register(ctx.GetMetricsRegistry())
	if err != nil {
		return fmt.Errorf("registering metrics: %v", err)
	}
	h.metrics = m

	up, err := h.loadUpstream()
	if err != nil {
		return err
	}
	if h.verifier, err = h.loadVerifier(); err != nil {
		return err
	}
	h.gw, err = gateway.New(gateway.Config{
		Client:              up.client,
		Shared:              up.shared,
		ExternalIDAuthority: h.ExternalIDAuthority,
		DivisionID:          h.Division,
		OnDuplicate:         h.OnDuplicate,
		Groups:              h.gatewayGroups(),
		Audit:               h.audit,
		Logger:              h.logger,
		Storage:             ctx.Storage(),
		OutboxPrefix:        "scim_genesys/outbox/" + shortHash(h.APIURL, h.ClientID),
		OutboxMaxAge:        time.Duration(h.OutboxMaxAge),
		OnNameLookup:        h.metrics.ObserveNameLookup,
		OnOutboxDone:        h.metrics.ObserveOutboxDone,
	})
	if err != nil {
		return err
	}
	h.gw.Start()
	h.dropOutboxMetrics = h.metrics.AddOutbox(h.gw.OutboxStats)
	h.server = &scim.Server{Backend: h.gw, MaxResults: h.MaxResults, OnDone: h.onDone}
	return nil
}

// resolvePlaceholders expands {env.*} and {file.*}. Secrets must resolve, and
// errors about them never carry the value.
func (h *Handler) resolvePlaceholders() error {
	repl := caddy.NewReplacer()
	for _, s := range []struct {
		name string
		v    *string
	}{{"client_id", &h.ClientID}, {"client_secret", &h.ClientSecret}} {
		out, err := repl.ReplaceOrErr(*s.v, true, true)
		if err != nil {
			return fmt.Errorf("%s: a placeholder did not resolve to a value (value redacted)", s.name)
		}
		*s.v = out
	}
	for _, v := range []*string{&h.Region, &h.APIURL, &h.LoginURL, &h.Division, &h.JWKSURL, &h.Issuer, &h.ExternalIDAuthority} {
		*v = repl.ReplaceKnown(*v, "")
	}
	return nil
}

func (h *Handler) setDefaults() {
	if h.BasePath == "" {
		h.BasePath = defaultBasePath
	}
	h.BasePath = strings.TrimRight(h.BasePath, "/")
	if h.ExternalIDAuthority == "" {
		h.ExternalIDAuthority = defaultAuthority
	}
	if h.OnDuplicate == "" {
		h.OnDuplicate = gateway.ReturnExisting
	}
	if h.MaxResults == 0 {
		h.MaxResults = defaultMaxResults
	}
	if len(h.AllowRoles) == 0 {
		h.AllowRoles = defaultAllowRoles
	}
	if h.ClockSkew == 0 {
		h.ClockSkew = caddy.Duration(defaultClockSkew)
	}
	if h.Timeout == 0 {
		h.Timeout = caddy.Duration(defaultTimeout)
	}
	if h.MaxRetries == nil {
		n := defaultMaxRetries
		h.MaxRetries = &n
	}
	if h.MaxRetryWait == 0 {
		h.MaxRetryWait = caddy.Duration(defaultMaxRetryWait)
	}
	if h.RateLimit == nil {
		h.RateLimit = &RateLimit{Requests: defaultRate, Window: caddy.Duration(defaultRateWindow)}
	}
	if h.MaxConcurrency == 0 {
		h.MaxConcurrency = defaultConcurrency
	}
	if h.OutboxMaxAge == 0 {
		h.OutboxMaxAge = caddy.Duration(defaultOutboxMaxAge)
	}
	if h.APIURL == "" && h.Region != "" {
		if api, login, err := genesys.Hosts(h.Region); err == nil {
			h.APIURL = api
			if h.LoginURL == "" {
				h.LoginURL = login
			}
		}
	}
	h.APIURL = strings.TrimRight(h.APIURL, "/")
	if h.LoginURL == "" && h.APIURL != "" {
		h.LoginURL = genesys.LoginURLFor(h.APIURL)
	}
	h.LoginURL = strings.TrimRight(h.LoginURL, "/")
}

// Validate checks the configuration; it changes nothing.
func (h *Handler) Validate() error {
	if h.APIURL == "" {
		if h.Region == "" {
			return errors.New("one of region or api_url is required")
		}
		if _, _, err := genesys.Hosts(h.Region); err != nil {
			return fmt.Errorf("region: %v", err)
		}
	}
	for _, u := range []struct{ name, v string }{{"api_url", h.APIURL}, {"login_url", h.LoginURL}, {"jwks_url", h.JWKSURL}} {
		if u.v != "" && !strings.HasPrefix(u.v, "https://") && !strings.HasPrefix(u.v, "http://") {
			return fmt.Errorf("%s: %q is not an http(s) URL", u.name, u.v)
		}
	}
	switch {
	case h.ClientID == "":
		return errors.New("client_id is required")
	case h.ClientSecret == "":
		return errors.New("client_secret is required")
	case h.JWKSURL == "":
		return errors.New("jwks_url is required")
	case h.OnDuplicate != gateway.ReturnExisting && h.OnDuplicate != gateway.Conflict:
		return fmt.Errorf("on_duplicate: %q is not return_existing or conflict", h.OnDuplicate)
	case h.MaxResults < 1:
		return fmt.Errorf("max_results: %d is below 1", h.MaxResults)
	case h.MaxRetries != nil && *h.MaxRetries < 0:
		return fmt.Errorf("max_retries: %d is negative", *h.MaxRetries)
	case h.RateLimit != nil && (h.RateLimit.Requests < 1 || h.RateLimit.Window <= 0):
		return errors.New("rate_limit: requests and window must be positive")
	case h.MaxConcurrency < 0:
		return fmt.Errorf("max_concurrency: %d is negative", h.MaxConcurrency)
	}
	for _, a := range h.Algorithms {
		if !supportedAlgorithm(a) {
			return fmt.Errorf("algorithms: %q is not supported", a)
		}
	}
	seen := map[string]bool{}
	for _, g := range h.Groups {
		k := strings.ToLower(g.Name)
		if k == "" || seen[k] {
			return fmt.Errorf("groups: empty or duplicate group name %q", g.Name)
		}
		seen[k] = true
		for _, p := range append(append([]Proficiency{}, g.Skills...), g.Languages...) {
			if p.Name == "" || p.Proficiency < 0 || p.Proficiency > 5 {
				return fmt.Errorf("group %q: bad skill or language %q (proficiency %v)", g.Name, p.Name, p.Proficiency)
			}
		}
	}
	return nil
}

// loadUpstream returns the pooled Genesys client for these settings.
func (h *Handler) loadUpstream() (*pooledUpstream, error) {
	key := "upstream:" + shortHash(h.APIURL, h.LoginURL, h.ClientID, h.ClientSecret,
		time.Duration(h.Timeout).String(), fmt.Sprint(*h.MaxRetries), time.Duration(h.MaxRetryWait).String(),
		fmt.Sprint(h.RateLimit.Requests), time.Duration(h.RateLimit.Window).String(), fmt.Sprint(h.MaxConcurrency))
	// The client reads MaxRetries 0 as "the default"; the Caddyfile's
	// max_retries 0 means no retry at all.
	retries := *h.MaxRetries
	if retries == 0 {
		retries = -1
	}
	v, _, err := upstreams.LoadOrNew(key, func() (caddy.Destructor, error) {
		c, err := genesys.New(genesys.Config{
			APIURL: h.APIURL, LoginURL: h.LoginURL,
			ClientID: h.ClientID, ClientSecret: h.ClientSecret,
			Timeout: time.Duration(h.Timeout), MaxRetries: retries,
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

// loadVerifier returns the pooled JWKS verifier for these settings.
func (h *Handler) loadVerifier() (*pooledVerifier, error) {
	logger := h.logger
	cfg := callerauth.Config{
		JWKSURL: h.JWKSURL, Issuer: h.Issuer, Audiences: h.Audience,
		Algorithms: h.Algorithms, RoleClaim: h.RoleClaim, ClockSkew: time.Duration(h.ClockSkew),
		// A JWKS outage must be visible to operators (caddy-jwt's #79).
		OnFetchError: func(err error) { logger.Warn("fetching the JWKS failed", zap.Error(err)) },
	}
	key := "verifier:" + shortHash(cfg.JWKSURL, cfg.Issuer, strings.Join(cfg.Audiences, " "),
		strings.Join(cfg.Algorithms, " "), cfg.RoleClaim, cfg.ClockSkew.String())
	v, _, err := verifiers.LoadOrNew(key, func() (caddy.Destructor, error) {
		v, err := callerauth.NewVerifier(cfg)
		if err != nil {
			return nil, err
		}
		return &pooledVerifier{v: v}, nil
	})
	if err != nil {
		return nil, err
	}
	h.poolKeys = append(h.poolKeys, key)
	return v.(*pooledVerifier), nil
}

func (h *Handler) gatewayGroups() []gateway.GroupRouting {
	out := make([]gateway.GroupRouting, 0, len(h.Groups))
	conv := func(ps []Proficiency) []gateway.Assignment {
		a := make([]gateway.Assignment, 0, len(ps))
		for _, p := range ps {
			a = append(a, gateway.Assignment{Name: p.Name, Proficiency: p.Proficiency})
		}
		return a
	}
	for _, g := range h.Groups {
		out = append(out, gateway.GroupRouting{Name: g.Name, Skills: conv(g.Skills),
			Languages: conv(g.Languages), Queues: g.Queues})
	}
	return out
}

// Cleanup releases everything Provision acquired, even after a failed
// Provision.
func (h *Handler) Cleanup() error {
	if h.dropOutboxMetrics != nil {
		h.dropOutboxMetrics()
	}
	if h.gw != nil {
		h.gw.Close()
	}
	for _, k := range h.poolKeys {
		pool := upstreams
		if strings.HasPrefix(k, "verifier:") {
			pool = verifiers
		}
		if _, err := pool.Delete(k); err != nil {
			h.logger.Error("releasing pooled state", zap.Error(err))
		}
	}
	h.poolKeys = nil
	return nil
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

// ServeHTTP serves requests under BasePath and passes the rest on.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	rel, ok := underBase(r.URL.Path, h.BasePath)
	if !ok {
		return next.ServeHTTP(w, r)
	}
	req := &audit.Request{
		Operation: scim.OperationFor(r.Method, rel),
		Start:     time.Now(),
	}
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		req.ID, _ = repl.GetString("http.request.uuid")
	}
	req.ClientIP, _ = caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	ctx := audit.NewContext(r.Context(), req)

	h.verifier.start.Do(h.verifier.v.Start)
	p, err := h.verifier.v.Verify(ctx, r.Header.Get("Authorization"))
	if err != nil {
		status, challenge := callerauth.Challenge(err)
		detail := "A valid bearer token is required."
		var retry time.Duration
		if status == http.StatusServiceUnavailable {
			detail, retry = "The identity provider's signing keys are not available yet; retry shortly.", 10*time.Second
		}
		if challenge != "" {
			w.Header().Set("WWW-Authenticate", challenge)
		}
		h.audit.Record(ctx, audit.Event{Name: audit.AuthFail, Outcome: audit.Denied, Status: status, Error: err.Error()})
		h.reply(w, req.Operation, &scim.Error{Status: status, Detail: detail, RetryAfter: retry})
		return nil
	}
	req.Actor, req.Roles = p.Subject, p.Roles
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if h.policy().Decide(p.Roles, write) != callerauth.Allow {
		reason := "no allowed role"
		if write && h.policy().Decide(p.Roles, false) == callerauth.Allow {
			reason = "read-only role on a write"
		}
		h.audit.Record(ctx, audit.Event{Name: audit.RBACDeny, Outcome: audit.Denied, Status: http.StatusForbidden, Error: reason})
		h.reply(w, req.Operation, &scim.Error{Status: http.StatusForbidden, Detail: "The token's roles do not permit this operation."})
		return nil
	}
	h.server.Serve(w, r.WithContext(ctx), rel, baseURL(r, h.BasePath))
	return nil
}

func (h *Handler) policy() callerauth.Policy {
	return callerauth.Policy{AllowRoles: h.AllowRoles, ReadRoles: h.ReadRoles}
}

// reply writes an error the handler itself decided (before the SCIM layer).
func (h *Handler) reply(w http.ResponseWriter, op string, e *scim.Error) {
	scim.WriteError(w, e)
	h.metrics.ObserveRequest(op, e.Status)
}

// onDone is told about every request the SCIM layer answered: it counts it,
// and audits the failures that never reached the gateway (bad input caught
// by the protocol layer), which would otherwise leave no audit entry.
func (h *Handler) onDone(ctx context.Context, o scim.Outcome) {
	h.metrics.ObserveRequest(o.Operation, o.Status)
	if o.Err == nil || o.BackendCalled {
		return
	}
	ev := map[string]string{
		"create": audit.UserCreateError, "list": audit.UserListError, "read": audit.UserRead,
		"replace": audit.UserUpdated, "patch": audit.UserUpdated, "delete": audit.UserDeleted,
	}[o.Operation]
	if ev != "" {
		h.audit.Record(ctx, audit.Event{Name: ev, Outcome: audit.Failed, Status: o.Status, Error: o.Err.Detail})
	}
}

// underBase reports whether path is base itself or below it at a segment
// boundary, and returns the rest.
func underBase(path, base string) (string, bool) {
	if !strings.HasPrefix(path, base) {
		return "", false
	}
	rel := path[len(base):]
	if rel != "" && rel[0] != '/' {
		return "", false
	}
	return rel, true
}

// baseURL is the absolute URL of base as the client sees it: the scheme and
// host Caddy saw, or the forwarded ones when Caddy's trusted_proxies vouch
// for the peer.
func baseURL(r *http.Request, base string) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool); trusted {
		if p := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); p == "http" || p == "https" {
			scheme = p
		}
		if fh := firstValue(r.Header.Get("X-Forwarded-Host")); fh != "" && !strings.ContainsAny(fh, "/\\ @") {
			host = fh
		}
	}
	return scheme + "://" + host + base
}

func firstValue(v string) string {
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
