package genesys

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Credentials used by every test: the secret holds the characters that
// x/oauth2 would URL-encode inside the Basic header.
const (
	testClientID     = "client-id+/="
	testClientSecret = "s3cr+et/with==padding"
)

// fakeGenesys is an httptest server with a token endpoint and a pluggable
// API handler. It counts token requests and checks every API call's bearer
// token against the last one issued.
type fakeGenesys struct {
	t   *testing.T
	srv *httptest.Server

	tokenCalls atomic.Int32
	expiresIn  atomic.Int64
	// tokenHook, if set, answers the token request instead of the default.
	tokenHook func(w http.ResponseWriter, r *http.Request) bool
	// tokenDelay, if set, is received from before the token is issued.
	tokenDelay chan struct{}

	api http.HandlerFunc

	mu       sync.Mutex
	requests []recordedRequest
}

type recordedRequest struct {
	Method, Path, RawPath, Query, Auth string
	Body                               []byte
}

func newFakeGenesys(t *testing.T, api http.HandlerFunc) *fakeGenesys {
	t.Helper()
	f := &fakeGenesys{t: t, api: api}
	f.expiresIn.Store(86400)
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGenesys) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token" {
		f.serveToken(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, recordedRequest{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(),
		Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: body})
	f.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	f.api(w, r)
}

func (f *fakeGenesys) serveToken(w http.ResponseWriter, r *http.Request) {
	n := f.tokenCalls.Add(1)
	if f.tokenDelay != nil {
		<-f.tokenDelay
	}
	if f.tokenHook != nil && f.tokenHook(w, r) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(testClientID+":"+testClientSecret))
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != want ||
		string(body) != "grant_type=client_credentials" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_client","description":"bad credentials"}`)
		return
	}
	writeJSON(w, 200, map[string]any{"access_token": fmt.Sprintf("tok-%d", n), "token_type": "bearer", "expires_in": f.expiresIn.Load()})
}

// Requests returns the API requests received so far (token requests apart).
func (f *fakeGenesys) Requests() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedRequest(nil), f.requests...)
}

// client builds a Client against f. Pacing is effectively off unless a test
// sets it; retries are fast because tests that retry use a fake clock.
func (f *fakeGenesys) client(mods ...func(*Config)) *Client {
	f.t.Helper()
	cfg := Config{
		APIURL: f.srv.URL, LoginURL: f.srv.URL,
		ClientID: testClientID, ClientSecret: testClientSecret,
		RateLimit: 1_000_000, RateWindow: time.Second,
		HTTPClient: f.srv.Client(),
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	f.t.Cleanup(c.Close)
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers a Genesys ErrorBody.
func writeError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]any{"status": status, "code": code, "message": "msg for " + code, "contextId": "ctx-1"})
}

// sequence answers the i-th API request with steps[i] (the last step
// repeats), so a test can script "503, then 200".
func sequence(steps ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		steps[min(i, len(steps)-1)](w, r)
	}
}

func status(code int, errCode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeError(w, code, errCode) }
}

func okJSON(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, v) }
}

func tooMany(retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", retryAfter)
		writeError(w, 429, "too.many.requests.retry.after")
	}
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// hang answers only when the client gives up.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// fakeClock runs every wait of the client instantly, recording it, and moves
// time forward by the wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	frozen bool // Sleep records but does not move time (for concurrent callers)
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	if !f.frozen {
		f.now = f.now.Add(d)
	}
	return nil
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// withFakeClock installs a fake clock on c.
func withFakeClock(c *Client) *fakeClock {
	fc := newFakeClock()
	c.clock = fc
	return fc
}

// recordingObserver keeps every event.
type recordingObserver struct {
	mu          sync.Mutex
	calls       []CallInfo
	refreshes   []error
	rateLimited []time.Duration
}

func (o *recordingObserver) ObserveCall(_ context.Context, c CallInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, c)
}

func (o *recordingObserver) ObserveTokenRefresh(_ context.Context, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.refreshes = append(o.refreshes, err)
}

func (o *recordingObserver) ObserveRateLimited(_ context.Context, wait time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rateLimited = append(o.rateLimited, wait)
}

func (o *recordingObserver) Calls() []CallInfo {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]CallInfo(nil), o.calls...)
}

var userJSON = map[string]any{"id": "u1", "name": "Amy Adams", "email": "amy@example.com", "state": "active", "version": 3}
