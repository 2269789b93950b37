package genesys

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The Basic header carries base64 of the raw "id:secret", so a secret with
// + / = arrives intact; the fake refuses anything else with 401.
func TestTokenBasicHeaderCarriesRawSecret(t *testing.T) {
	var gotAuth string
	f := newFakeGenesys(t, okJSON(userJSON))
	f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		gotAuth = r.Header.Get("Authorization")
		id, secret, ok := r.BasicAuth()
		if !ok || id != testClientID || secret != testClientSecret {
			t.Errorf("Basic credentials arrived as %q / %q", id, secret)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if strings.Contains(string(body), "client_id") || strings.Contains(string(body), "client_secret") {
			t.Errorf("credentials must not be in the body: %q", body)
		}
		return false // the default handler checks the exact header and body
	}
	c := f.client()
	if _, err := c.GetUser(context.Background(), "u1", ""); err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if strings.Contains(gotAuth, "%") {
		t.Errorf("Basic header was URL-encoded before base64: %q", gotAuth)
	}
	if reqs := f.Requests(); len(reqs) != 1 || reqs[0].Auth != "Bearer tok-1" {
		t.Errorf("API requests = %+v, want one with Bearer tok-1", reqs)
	}
}

func TestTokenOneRequestForManyCallers(t *testing.T) {
	f := newFakeGenesys(t, okJSON(userJSON))
	f.tokenDelay = make(chan struct{})
	obs := &recordingObserver{}
	c := f.client(func(cfg *Config) { cfg.Observer = obs; cfg.MaxConcurrency = 50 })

	const callers = 50
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetUser(context.Background(), "u1", "")
			errs <- err
		}()
	}
	// Hold the first token request until the others have had every chance
	// to start their own.
	for f.tokenCalls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(f.tokenDelay)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("GetUser: %v", err)
		}
	}
	if n := f.tokenCalls.Load(); n != 1 {
		t.Errorf("%d token requests for %d concurrent callers, want 1", n, callers)
	}
	if len(f.Requests()) != callers {
		t.Errorf("%d API requests, want %d", len(f.Requests()), callers)
	}
	if len(obs.refreshes) != 1 || obs.refreshes[0] != nil {
		t.Errorf("token refreshes observed = %v, want one success", obs.refreshes)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	f := newFakeGenesys(t, okJSON(userJSON))
	f.expiresIn.Store(90) // replaced 30 s early: after 60 s
	c := f.client()
	clk := withFakeClock(c)
	ctx := context.Background()

	steps := []struct {
		advance    time.Duration
		wantTokens int32
		wantBearer string
	}{
		{0, 1, "Bearer tok-1"},
		{59 * time.Second, 1, "Bearer tok-1"},
		{time.Second, 2, "Bearer tok-2"}, // at 60 s: 30 s before expires_in
		{30 * time.Second, 2, "Bearer tok-2"},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if _, err := c.GetUser(ctx, "u1", ""); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		reqs := f.Requests()
		if got := f.tokenCalls.Load(); got != s.wantTokens || reqs[len(reqs)-1].Auth != s.wantBearer {
			t.Errorf("step %d: %d token requests, sent %q; want %d, %q", i, got, reqs[len(reqs)-1].Auth, s.wantTokens, s.wantBearer)
		}
	}
}

func TestTokenRefusedIsCredentialsError(t *testing.T) {
	tests := []struct {
		status     int
		body       string
		wantReason string
	}{
		{401, `{"error":"invalid_client","description":"x"}`, "invalid_client"},
		{400, `{"error":"invalid_grant"}`, "invalid_grant"},
		{400, `not json`, "refused"},
	}
	for _, tt := range tests {
		f := newFakeGenesys(t, okJSON(userJSON))
		f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(tt.status)
			_, _ = io.WriteString(w, tt.body)
			return true
		}
		obs := &recordingObserver{}
		c := f.client(func(cfg *Config) { cfg.Observer = obs })
		_, err := c.GetUser(context.Background(), "u1", "")
		var ce *CredentialsError
		if !errors.As(err, &ce) || ce.Status != tt.status || ce.Reason != tt.wantReason {
			t.Errorf("%d %s: err = %v, want CredentialsError{%d %s}", tt.status, tt.body, err, tt.status, tt.wantReason)
		}
		if err != nil && strings.Contains(err.Error(), testClientSecret) {
			t.Errorf("error leaks the secret: %v", err)
		}
		if len(f.Requests()) != 0 {
			t.Errorf("API called without a token")
		}
		if f.tokenCalls.Load() != 1 {
			t.Errorf("refused credentials were retried: %d token requests", f.tokenCalls.Load())
		}
		if len(obs.refreshes) != 1 || obs.refreshes[0] == nil {
			t.Errorf("failed refresh not observed: %v", obs.refreshes)
		}
	}
}

// A token endpoint that is down is retried with backoff: nothing reached the
// API, so even a create may go ahead afterwards.
func TestTokenEndpointOutageRetried(t *testing.T) {
	f := newFakeGenesys(t, okJSON(userJSON))
	f.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		if f.tokenCalls.Load() == 1 {
			w.WriteHeader(503)
			return true
		}
		return false
	}
	c := f.client()
	clk := withFakeClock(c)
	if _, err := c.CreateUser(context.Background(), CreateUser{Name: "A", Email: "a@example.com"}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if f.tokenCalls.Load() != 2 || len(f.Requests()) != 1 || len(clk.Sleeps()) != 1 {
		t.Errorf("token calls %d, API calls %d, sleeps %v; want 2, 1, one backoff", f.tokenCalls.Load(), len(f.Requests()), clk.Sleeps())
	}
}

func TestAPI401RefetchesOnce(t *testing.T) {
	t.Run("then succeeds", func(t *testing.T) {
		f := newFakeGenesys(t, sequence(status(401, "bad.credentials"), okJSON(userJSON)))
		c := f.client()
		if _, err := c.GetUser(context.Background(), "u1", ""); err != nil {
			t.Fatalf("GetUser: %v", err)
		}
		reqs := f.Requests()
		if f.tokenCalls.Load() != 2 || len(reqs) != 2 || reqs[0].Auth != "Bearer tok-1" || reqs[1].Auth != "Bearer tok-2" {
			t.Errorf("token calls %d, requests %+v; want a refetch and a retry with tok-2", f.tokenCalls.Load(), reqs)
		}
	})
	t.Run("fresh token refused", func(t *testing.T) {
		f := newFakeGenesys(t, status(401, "bad.credentials"))
		c := f.client()
		_, err := c.CreateUser(context.Background(), CreateUser{Name: "A", Email: "a@example.com"})
		var ce *CredentialsError
		if !errors.As(err, &ce) || ce.Status != 401 {
			t.Fatalf("err = %v, want CredentialsError 401", err)
		}
		if f.tokenCalls.Load() != 2 || len(f.Requests()) != 2 {
			t.Errorf("token calls %d, API calls %d; want exactly 2 and 2", f.tokenCalls.Load(), len(f.Requests()))
		}
	})
}
