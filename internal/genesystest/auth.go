package genesystest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// token is an issued access token and its rate-limit window.
type token struct {
	expires     time.Time
	windowStart time.Time
	count       int
}

type tokenTable struct {
	mu sync.Mutex
	m  map[string]*token
}

func (t *tokenTable) init() { t.m = make(map[string]*token) }

// maxTokenBody bounds the token request body.
const maxTokenBody = 64 << 10

// tokenError is the OAuth error body of the token endpoint (the SDKs' AuthErrorResponse).
type tokenError struct {
	Error            string `json:"error"`
	Description      string `json:"description,omitempty"`
	ErrorDescription string `json:"error_description,omitempty"`
}

func (c *call) tokenFail(status int, code, desc string, shape bool) {
	b, _ := json.Marshal(tokenError{Error: code, Description: desc, ErrorDescription: desc})
	c.writeJSON(status, b)
	if shape {
		c.e.log.reject(Rejection{Time: c.e.now(), Method: c.r.Method, Path: c.r.URL.Path, Endpoint: c.rt.endpoint, Status: status, Code: code, Message: desc})
	}
}

// handleToken is POST /oauth/token: client credentials with HTTP Basic only.
// The credentials are compared raw, as the Genesys SDKs send them (not
// URL-encoded first): a client that form-encodes a secret holding "+", "/"
// or "=" inside the Basic header is refused, as it would be by an
// implementation that does not decode (the real behaviour is unverified;
// strict).
func (e *Emulator) handleToken(c *call) {
	r := c.r
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		c.tokenFail(http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded", true)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTokenBody+1))
	if err != nil || len(body) > maxTokenBody {
		c.tokenFail(http.StatusBadRequest, "invalid_request", "unreadable or oversized body", true)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		c.tokenFail(http.StatusBadRequest, "invalid_request", "malformed form body", true)
		return
	}
	if form.Has("client_id") || form.Has("client_secret") {
		c.tokenFail(http.StatusBadRequest, "invalid_request", "client credentials must be sent with HTTP Basic, not in the body", true)
		return
	}
	if g := form["grant_type"]; len(g) != 1 || g[0] != "client_credentials" {
		c.tokenFail(http.StatusBadRequest, "invalid_request", "grant_type must be client_credentials", true)
		return
	}
	id, secret, ok := basicAuth(r.Header.Get("Authorization"))
	if !ok {
		c.tokenFail(http.StatusBadRequest, "invalid_request", "HTTP Basic client authentication is required", true)
		return
	}
	if subtle.ConstantTimeCompare([]byte(id), []byte(e.cfg.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(e.cfg.ClientSecret)) != 1 {
		c.tokenFail(http.StatusUnauthorized, "invalid_client", "client authentication failed", false)
		return
	}
	tok := e.issue()
	b := make([]byte, 0, 128)
	b = append(b, `{"access_token":`...)
	b = strconv.AppendQuote(b, tok)
	b = append(b, `,"token_type":"bearer","expires_in":`...)
	b = strconv.AppendInt(b, int64(e.cfg.TokenTTL/time.Second), 10)
	b = append(b, '}')
	c.writeJSON(http.StatusOK, b)
}

// basicAuth decodes an HTTP Basic header without any URL-decoding.
func basicAuth(h string) (id, secret string, ok bool) {
	const prefix = "basic "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	id, secret, ok = strings.Cut(string(raw), ":")
	return id, secret, ok
}

// issue creates a token valid for Config.TokenTTL.
func (e *Emulator) issue() string {
	var b [24]byte
	rand.Read(b[:]) //nolint:errcheck // never fails (crypto/rand)
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	e.tokens.mu.Lock()
	e.tokens.m[tok] = &token{expires: e.now().Add(e.cfg.TokenTTL)}
	e.tokens.mu.Unlock()
	return tok
}

// Token issues an access token directly, for tests that call the API
// without the token round trip.
func (e *Emulator) Token() string { return e.issue() }

// RevokeTokens invalidates every issued token: the next API call with any of
// them answers 401, as after a credential rotation.
func (e *Emulator) RevokeTokens() {
	e.tokens.mu.Lock()
	clear(e.tokens.m)
	e.tokens.mu.Unlock()
}

// TokensIssued returns how many tokens are currently valid or expired but
// not revoked (to assert that a client caches its token).
func (e *Emulator) TokensIssued() int {
	e.tokens.mu.Lock()
	defer e.tokens.mu.Unlock()
	return len(e.tokens.m)
}

// authenticate checks the bearer token and applies the per-token rate
// limit. On failure it has answered and returns false. A missing or
// malformed Authorization header is a shape rejection; an unknown, revoked
// or expired token is a normal 401.
func (e *Emulator) authenticate(c *call) bool {
	h := c.r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		e.setRateHeaders(c, nil, time.Time{})
		c.reject(http.StatusUnauthorized, "bad.credentials", "Invalid login credentials.")
		return false
	}
	key := h[len(prefix):]
	now := e.now()
	e.tokens.mu.Lock()
	t := e.tokens.m[key]
	if t == nil || !now.Before(t.expires) {
		e.tokens.mu.Unlock()
		e.setRateHeaders(c, nil, now)
		c.fail(http.StatusUnauthorized, "bad.credentials", "Invalid login credentials.")
		return false
	}
	limited, retry := e.countCall(t, now)
	snapshot := *t
	e.tokens.mu.Unlock()
	c.token = t
	e.setRateHeaders(c, &snapshot, now)
	if limited {
		c.tooManyRequests(retry)
		return false
	}
	return true
}

// newID returns a random GUID-shaped id, like Genesys entity ids.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
