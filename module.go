package caddyscim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/callerauth"
	"github.com/caddyscim/caddyscim/internal/gateway"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/outbox"
	"github.com/caddyscim/caddyscim/internal/scim"
	"github.com/caddyscim/caddyscim/internal/telemetry"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// defaultBasePath is where the handler serves SCIM unless base_path says
// otherwise (the path Entra ID and Okta documentation use).
const defaultBasePath = "/scim/v2"

// defaultRequestTimeout bounds a whole SCIM request: long enough for a
// create whose steps meet a few retries, short of the 100 s or so after
// which identity providers give up on a call themselves.
const defaultRequestTimeout = 60 * time.Second

// Handler is the scim_genesys HTTP handler: a SCIM 2.0 service provider for
// Genesys Cloud. Requests under BasePath are authenticated with the caller's
// JWKS-signed bearer token and translated into Genesys Cloud Platform API
// calls; everything else goes to the next handler.
//
// String options accept {env.*} and {file.*} placeholders, resolved once in
// Provision (client_id and client_secret must resolve to a value).
type Handler struct {
	// Path prefix served, matched at a path segment boundary; requests
	// outside it go to the next handler. Default "/scim/v2". "/" is refused:
	// the handler would take every request of the site.
	BasePath string `json:"base_path,omitempty"`

	// Genesys Cloud region domain (mypurecloud.com, mypurecloud.ie,
	// usw2.pure.cloud, ...): API host api.<region>, token host
	// login.<region>. One of region or api_url is required.
	Region string `json:"region,omitempty"`
	// API base URL; overrides Region (a proxy, an emulator).
	APIURL string `json:"api_url,omitempty"`
	// Token host base URL (POST <login_url>/oauth/token). Default: from
	// Region, else APIURL with a leading "api." label replaced by
	// "login.", else APIURL itself.
	LoginURL string `json:"login_url,omitempty"`
	// OAuth client id of the client credentials grant. Required; give it as
	// an {env.*} or {file.*} placeholder.
	ClientID string `json:"client_id,omitempty"`
	// OAuth client secret. Required; resolved in Provision from its
	// placeholder, never logged or echoed in errors.
	ClientSecret string `json:"client_secret,omitempty"`
	// Division id of new users; the Genesys extension's divisionId
	// overrides it per user, and a restored user is moved back to it.
	// Default: Genesys's home division.
	Division string `json:"division,omitempty"`
	// Authority under which a user's externalId is stored in Genesys
	// (POST /api/v2/users/{userId}/externalid). Default "scim".
	ExternalIDAuthority string `json:"external_id_authority,omitempty"`

	// URL of the identity provider's JWKS, which signs callers' tokens.
	// Required.
	JWKSURL string `json:"jwks_url,omitempty"`
	// Required iss claim; not checked when empty.
	Issuer string `json:"issuer,omitempty"`
	// Accepted aud values: a token passes if any of its audiences is
	// listed. Not checked when empty.
	Audience []string `json:"audience,omitempty"`
	// Allowed signature algorithms. Default RS256 RS384 RS512 PS256 ES256
	// ES384 EdDSA; PS384, PS512 and ES512 may be added; none and HMAC are
	// never accepted.
	Algorithms []string `json:"algorithms,omitempty"`
	// gjson path of the caller's roles (realm_access.roles works): an
	// array of strings or one string (split on spaces only for a scope
	// claim, scp or scope). Default: the first of roles, role, scp present.
	RoleClaim string `json:"role_claim,omitempty"`
	// Roles that may do everything. Default scim_provisioner, admin.
	AllowRoles []string `json:"allow_roles,omitempty"`
	// Roles that may only read (GET). Default none.
	ReadRoles []string `json:"read_roles,omitempty"`
	// Leeway for exp, nbf and iat. Default 30s.
	ClockSkew caddy.Duration `json:"clock_skew,omitempty"`

	// What a create whose email an existing user holds answers:
	// "return_existing" (default: 200 with the user, its group routing
	// applied) or "conflict" (409 uniqueness).
	OnDuplicate string `json:"on_duplicate,omitempty"`
	// Largest page served, and the page size when count is absent.
	// Default 100.
	MaxResults int `json:"max_results,omitempty"`
	// Group blocks: the Genesys routing that membership of a SCIM group of
	// that name gives.
	Groups []Group `json:"groups,omitempty"`

	// Longest one upstream call may take. Default 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// Retries of a failed upstream call (429, 502/503/504, connection
	// errors for calls safe to repeat); 0 means none. Default 3.
	MaxRetries *int `json:"max_retries,omitempty"`
	// Longest Genesys Retry-After honoured before the caller gets 429.
	// Default 60s.
	MaxRetryWait caddy.Duration `json:"max_retry_wait,omitempty"`
	// Outbound pacing per OAuth client. Default 300 calls a minute (the
	// Genesys default per token).
	RateLimit *RateLimit `json:"rate_limit,omitempty"`
	// Upstream calls in flight at once. Default 16.
	MaxConcurrency int `json:"max_concurrency,omitempty"`
	// How long unfinished post-create steps keep being retried from the
	// durable outbox before they are given up (audited). Default 24h.
	OutboxMaxAge caddy.Duration `json:"outbox_max_age,omitempty"`
	// Total time one SCIM request may take, upstream calls, retries and
	// waits for pacing included: past it the caller gets 503 with
	// Retry-After, and what a create left undone is completed from the
	// outbox. Default 60s.
	RequestTimeout caddy.Duration `json:"request_timeout,omitempty"`

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
	// Name of the SCIM group (and of its Genesys group), matched
	// case-insensitively.
	Name string `json:"name"`
	// Skills that membership gives, each with a proficiency.
	Skills []Proficiency `json:"skills,omitempty"`
	// Languages that membership gives, each with a proficiency.
	Languages []Proficiency `json:"languages,omitempty"`
	// Names of the queues that membership makes the user a member of.
	Queues []string `json:"queues,omitempty"`
}

// Proficiency is a skill or language by name with a proficiency.
type Proficiency struct {
	// Name of the skill or language in Genesys, exactly (case included).
	Name string `json:"name"`
	// From 0 to 5; across a user's groups the highest wins.
	Proficiency float64 `json:"proficiency"`
}

// RateLimit paces outbound calls: Requests per Window, evenly spread, in
// bursts of at most one second's share.
type RateLimit struct {
	// Calls allowed per window.
	Requests int `json:"requests"`
	// Length of the window.
	Window caddy.Duration `json:"window"`
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.scim_genesys",
		New: func() caddy.Module { return new(Handler) },
	}
}

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
		GroupPrefix:         "scim_genesys/groups/" + shortHash(h.APIURL, h.ClientID),
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
		h.ExternalIDAuthority = gateway.DefaultExternalIDAuthority
	}
	if h.OnDuplicate == "" {
		h.OnDuplicate = gateway.ReturnExisting
	}
	if h.MaxResults == 0 {
		h.MaxResults = scim.DefaultMaxResults
	}
	if len(h.AllowRoles) == 0 {
		h.AllowRoles = callerauth.DefaultAllowRoles
	}
	if h.ClockSkew == 0 {
		h.ClockSkew = caddy.Duration(callerauth.DefaultClockSkew)
	}
	if h.Timeout == 0 {
		h.Timeout = caddy.Duration(genesys.DefaultTimeout)
	}
	if h.MaxRetries == nil {
		n := genesys.DefaultMaxRetries
		h.MaxRetries = &n
	}
	if h.MaxRetryWait == 0 {
		h.MaxRetryWait = caddy.Duration(genesys.DefaultMaxRetryWait)
	}
	if h.RateLimit == nil {
		h.RateLimit = &RateLimit{Requests: genesys.DefaultRateLimit, Window: caddy.Duration(genesys.DefaultRateWindow)}
	}
	if h.MaxConcurrency == 0 {
		h.MaxConcurrency = genesys.DefaultMaxConcurrency
	}
	if h.OutboxMaxAge == 0 {
		h.OutboxMaxAge = caddy.Duration(outbox.DefaultMaxAge)
	}
	if h.RequestTimeout == 0 {
		h.RequestTimeout = caddy.Duration(defaultRequestTimeout)
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
	if h.BasePath == "" || !strings.HasPrefix(h.BasePath, "/") {
		return fmt.Errorf("base_path: %q must be a path below / (the handler would take every request of the site)", h.BasePath)
	}
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
	case h.MaxResults < 1:
		return fmt.Errorf("max_results: %d is below 1", h.MaxResults)
	case h.MaxRetries != nil && *h.MaxRetries < 0:
		return fmt.Errorf("max_retries: %d is negative", *h.MaxRetries)
	case h.RateLimit != nil && (h.RateLimit.Requests < 1 || h.RateLimit.Window <= 0):
		return errors.New("rate_limit: requests and window must be positive")
	case h.MaxConcurrency < 0:
		return fmt.Errorf("max_concurrency: %d is negative", h.MaxConcurrency)
	}
	for _, d := range []struct {
		name string
		v    caddy.Duration
	}{{"clock_skew", h.ClockSkew}, {"timeout", h.Timeout}, {"max_retry_wait", h.MaxRetryWait},
		{"outbox_max_age", h.OutboxMaxAge}, {"request_timeout", h.RequestTimeout}} {
		if d.v < 0 {
			return fmt.Errorf("%s: %s is negative", d.name, time.Duration(d.v))
		}
	}
	if err := gateway.CheckDuplicatePolicy(h.OnDuplicate); err != nil {
		return err
	}
	for _, a := range h.Algorithms {
		if err := callerauth.CheckAlgorithm(a); err != nil {
			return fmt.Errorf("algorithms: %v", err)
		}
	}
	if err := gateway.CheckGroups(h.gatewayGroups()); err != nil {
		return fmt.Errorf("groups: %v", err)
	}
	return nil
}

// gatewayGroups is the group blocks as the gateway takes them.
func (h *Handler) gatewayGroups() []gateway.GroupRouting {
	out := make([]gateway.GroupRouting, 0, len(h.Groups))
	for _, g := range h.Groups {
		out = append(out, g.routing())
	}
	return out
}

// routing is g as the gateway takes it.
func (g Group) routing() gateway.GroupRouting {
	conv := func(ps []Proficiency) []gateway.Assignment {
		a := make([]gateway.Assignment, 0, len(ps))
		for _, p := range ps {
			a = append(a, gateway.Assignment{Name: p.Name, Proficiency: p.Proficiency})
		}
		return a
	}
	return gateway.GroupRouting{Name: g.Name, Skills: conv(g.Skills), Languages: conv(g.Languages), Queues: g.Queues}
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

// ServeHTTP serves requests under BasePath and passes the rest on.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	rel, ok := underBase(r.URL.Path, h.BasePath)
	if !ok {
		return next.ServeHTTP(w, r)
	}
	op := scim.OperationFor(r.Method, rel)
	req := &audit.Request{Operation: string(op), Start: time.Now()}
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		req.ID, _ = repl.GetString("http.request.uuid")
	}
	req.ClientIP, _ = caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(h.RequestTimeout))
	defer cancel()
	// One pacing flow per request: its upstream calls take turns with the
	// other requests' (genesys.WithFlow).
	ctx = audit.NewContext(genesys.WithFlow(ctx), req)

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
		h.reply(w, op, &scim.Error{Status: status, Detail: detail, RetryAfter: retry})
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
		h.reply(w, op, &scim.Error{Status: http.StatusForbidden, Detail: "The token's roles do not permit this operation."})
		return nil
	}
	h.server.Serve(w, r.WithContext(ctx), rel, baseURL(r, h.BasePath))
	return nil
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
