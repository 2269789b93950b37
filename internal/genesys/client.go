// Package genesys is a client for the parts of the Genesys Cloud Platform API
// that user provisioning needs (users, search, external ids, routing skills,
// languages and queues). It knows nothing of SCIM.
//
// It owns everything about talking to Genesys safely: the OAuth client
// credentials token (cached until 30 s before expiry, one refresh for many
// callers, refetched once on a 401), outbound pacing and concurrency limits,
// the shared 429 wait, backoff on 502/503/504 and connection errors for
// repeatable requests only, the per-call timeout, and typed errors.
package genesys

import (
	"context"
	"net/http"
	"time"
)

// Config configures a Client. Zero values take the defaults noted.
type Config struct {
	APIURL       string // e.g. https://api.mypurecloud.com (no trailing slash)
	LoginURL     string // e.g. https://login.mypurecloud.com
	ClientID     string
	ClientSecret string

	Timeout        time.Duration // one upstream call; default 10s
	MaxRetries     int           // default 3; negative means 0
	MaxRetryWait   time.Duration // longest Retry-After honoured; default 60s
	RateLimit      int           // calls per RateWindow; default 300; 0 = default
	RateWindow     time.Duration // default 1m
	MaxConcurrency int           // calls in flight; default 16

	// HTTPClient is used for every request (tests inject one); default a
	// client with sane transport limits and no global timeout (Timeout is
	// applied per call through the context).
	HTTPClient *http.Client
	// Observer, if set, is told about every call (metrics, audit counts).
	Observer Observer
}

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
	cfg Config
	// implementation state lives in the other files of this package
}

// New validates cfg and returns a Client. It makes no network calls.
func New(cfg Config) (*Client, error) {
	panic("genesys.New: not implemented")
}

// Close releases the client's resources (idle connections, timers).
func (c *Client) Close() {}

// CreateUser creates a user (POST /api/v2/users). Never retried blindly: a
// transport error or timeout returns an error wrapping ErrOutcomeUnknown.
func (c *Client) CreateUser(ctx context.Context, u CreateUser) (*User, error) {
	panic("not implemented")
}

// GetUser reads a user (GET /api/v2/users/{id}); state "" is the API default
// (active and inactive users), "deleted" reads a soft-deleted one. expand may
// name skills, languages.
func (c *Client) GetUser(ctx context.Context, id, state string, expand ...string) (*User, error) {
	panic("not implemented")
}

// ListUsers lists users (GET /api/v2/users).
func (c *Client) ListUsers(ctx context.Context, p ListUsersParams) (*UserPage, error) {
	panic("not implemented")
}

// PatchUser patches a user (PATCH /api/v2/users/{id}) with u.Version. It does
// not re-read on a version mismatch: the caller decides (IsVersionMismatch).
func (c *Client) PatchUser(ctx context.Context, id string, u UpdateUser) (*User, error) {
	panic("not implemented")
}

// DeleteUser soft-deletes a user (DELETE /api/v2/users/{id}).
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	panic("not implemented")
}

// SearchUsers runs POST /api/v2/users/search.
func (c *Client) SearchUsers(ctx context.Context, req SearchRequest) (*SearchResponse, error) {
	panic("not implemented")
}

// SetExternalID maps authority/key to the user (POST /api/v2/users/{id}/externalid).
func (c *Client) SetExternalID(ctx context.Context, userID, authority, key string) error {
	panic("not implemented")
}

// DeleteExternalID removes a mapping
// (DELETE /api/v2/users/{id}/externalid/{authority}/{key}).
func (c *Client) DeleteExternalID(ctx context.Context, userID, authority, key string) error {
	panic("not implemented")
}

// GetExternalIDs lists the user's external ids under authority
// (GET /api/v2/users/{id}/externalid/{authority}).
func (c *Client) GetExternalIDs(ctx context.Context, userID, authority string) ([]ExternalID, error) {
	panic("not implemented")
}

// GetUserByExternalID finds the user mapped to authority/key
// (GET /api/v2/users/externalid/{authority}/{key}); not found is an APIError
// for which IsNotFound is true.
func (c *Client) GetUserByExternalID(ctx context.Context, authority, key string) (*User, error) {
	panic("not implemented")
}

// FindSkill returns the skill whose name equals name exactly
// (GET /api/v2/routing/skills?name= is a prefix match; the exact match is
// picked client-side, across pages). Not found: (nil, nil).
func (c *Client) FindSkill(ctx context.Context, name string) (*NamedEntity, error) {
	panic("not implemented")
}

// FindLanguage is FindSkill for GET /api/v2/routing/languages.
func (c *Client) FindLanguage(ctx context.Context, name string) (*NamedEntity, error) {
	panic("not implemented")
}

// FindQueue is FindSkill for GET /api/v2/routing/queues.
func (c *Client) FindQueue(ctx context.Context, name string) (*NamedEntity, error) {
	panic("not implemented")
}

// AddUserSkills adds or updates skills (PATCH /api/v2/users/{id}/routingskills/bulk),
// 50 per call.
func (c *Client) AddUserSkills(ctx context.Context, userID string, skills []Proficiency) error {
	panic("not implemented")
}

// AddUserLanguages adds or updates languages
// (PATCH /api/v2/users/{id}/routinglanguages/bulk), 50 per call.
func (c *Client) AddUserLanguages(ctx context.Context, userID string, langs []Proficiency) error {
	panic("not implemented")
}

// AddQueueMembers adds users to a queue (POST /api/v2/routing/queues/{id}/members),
// 100 per call. Adding an existing member is not an error.
func (c *Client) AddQueueMembers(ctx context.Context, queueID string, userIDs []string) error {
	panic("not implemented")
}
