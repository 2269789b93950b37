package genesys

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

func Test429HonoursRetryAfter(t *testing.T) {
	start := newFakeClock().Now()
	tests := []struct {
		name       string
		retryAfter string
		want       time.Duration
	}{
		{"seconds", "2", 2 * time.Second},
		{"fractional seconds", "1.5", 1500 * time.Millisecond},
		{"http date", start.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, sequence(tooMany(tt.retryAfter), okJSON(userJSON)))
			obs := &recordingObserver{}
			c := f.client(func(cfg *Config) { cfg.Observer = obs })
			clk := withFakeClock(c)
			if _, err := c.GetUser(context.Background(), "u1", ""); err != nil {
				t.Fatalf("GetUser: %v", err)
			}
			if s := clk.Sleeps(); len(s) != 1 || s[0] != tt.want {
				t.Errorf("waited %v, want [%v]", s, tt.want)
			}
			if len(f.Requests()) != 2 {
				t.Errorf("%d requests, want 2", len(f.Requests()))
			}
			if len(obs.rateLimited) != 1 || obs.rateLimited[0] != tt.want {
				t.Errorf("rate limit observed %v, want [%v]", obs.rateLimited, tt.want)
			}
		})
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := newFakeClock().Now()
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-3", 0},
		{"abc", 0},
		{"42", 42 * time.Second},
		{" 3 ", 3 * time.Second},
		{"99999999999", maxRetryAfterSeconds * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		if got := retryAfter(h, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

// A wait beyond MaxRetryWait is not slept: RetryAfterError at once, and the
// next call (any endpoint) is refused without being sent while the wait
// lasts.
func Test429BeyondMaxRetryWait(t *testing.T) {
	f := newFakeGenesys(t, tooMany("120"))
	c := f.client(func(cfg *Config) { cfg.MaxRetryWait = time.Minute })
	clk := withFakeClock(c)
	_, err := c.GetUser(context.Background(), "u1", "")
	var ra *RetryAfterError
	if !errors.As(err, &ra) || ra.Wait != 2*time.Minute || ra.Endpoint != "GET /api/v2/users/{id}" {
		t.Fatalf("err = %v, want RetryAfterError 2m", err)
	}
	if len(clk.Sleeps()) != 0 || len(f.Requests()) != 1 {
		t.Errorf("slept %v and sent %d requests; want no sleep, 1 request", clk.Sleeps(), len(f.Requests()))
	}
	clk.Advance(30 * time.Second)
	_, err = c.GetUsersByID(context.Background(), []string{"u2"})
	if !errors.As(err, &ra) || ra.Wait != 90*time.Second {
		t.Fatalf("second call err = %v, want RetryAfterError 90s", err)
	}
	if len(f.Requests()) != 1 {
		t.Errorf("second call was sent during the wait")
	}
}

func Test429RetriesRunOut(t *testing.T) {
	f := newFakeGenesys(t, tooMany("1"))
	c := f.client(func(cfg *Config) { cfg.MaxRetries = new(2) })
	clk := withFakeClock(c)
	_, err := c.SearchUsers(context.Background(), SearchRequest{PageSize: 1})
	var ra *RetryAfterError
	if !errors.As(err, &ra) || ra.Wait != time.Second {
		t.Fatalf("err = %v, want RetryAfterError 1s", err)
	}
	if len(f.Requests()) != 3 || len(clk.Sleeps()) != 2 {
		t.Errorf("%d requests, sleeps %v; want 3 and 2 waits (the last 429 is not slept)", len(f.Requests()), clk.Sleeps())
	}
}

// One call's 429 holds back a concurrent call on the same client until the
// Retry-After has passed. Real clock: only a lower bound is asserted.
func Test429MakesConcurrentCallsWait(t *testing.T) {
	var (
		mu       sync.Mutex
		limited  time.Time
		arrivedB time.Time
		sent429  = make(chan struct{})
		once     sync.Once
	)
	f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/users/a":
			first := false
			once.Do(func() { first = true })
			if first {
				mu.Lock()
				limited = time.Now()
				mu.Unlock()
				w.Header().Set("Retry-After", "1")
				writeError(w, 429, "too.many.requests.retry.after")
				return
			}
		case "/api/v2/users/b":
			mu.Lock()
			arrivedB = time.Now()
			mu.Unlock()
		}
		writeJSON(w, 200, userJSON)
	})
	obs := &observerFunc{rateLimited: func() { close(sent429) }}
	c := f.client(func(cfg *Config) { cfg.Observer = obs })

	errA := make(chan error, 1)
	go func() { _, err := c.GetUser(context.Background(), "a", ""); errA <- err }()
	<-sent429 // A has been told to wait
	if _, err := c.GetUser(context.Background(), "b", ""); err != nil {
		t.Fatalf("B: %v", err)
	}
	if err := <-errA; err != nil {
		t.Fatalf("A: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if waited := arrivedB.Sub(limited); waited < time.Second {
		t.Errorf("B reached Genesys %v after A's 429 with Retry-After 1s", waited)
	}
}

// observerFunc calls rateLimited on the first 429 only.
type observerFunc struct {
	nopObserver
	once        sync.Once
	rateLimited func()
}

func (o *observerFunc) ObserveRateLimited(context.Context, time.Duration) { o.once.Do(o.rateLimited) }

func TestRepeatableCallsBackOffOn5xxAndConnectionErrors(t *testing.T) {
	tests := []struct {
		name string
		fail http.HandlerFunc
	}{
		{"502", status(502, "bad.gateway")},
		{"503", status(503, "service.unavailable")},
		{"504", status(504, "gateway.timeout")},
		{"dropped connection", dropConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, sequence(tt.fail, tt.fail, okJSON(userJSON)))
			obs := &recordingObserver{}
			// Fresh connections: net/http silently repeats a GET once when a
			// reused keep-alive connection drops, which would hide attempts.
			c := f.client(func(cfg *Config) { cfg.Observer = obs; cfg.HTTPClient = noKeepAlive() })
			clk := withFakeClock(c)
			u, err := c.GetUser(context.Background(), "u1", "")
			if err != nil || u.ID != "u1" {
				t.Fatalf("GetUser = %v, %v", u, err)
			}
			if len(f.Requests()) != 3 {
				t.Errorf("%d requests, want 3", len(f.Requests()))
			}
			s := clk.Sleeps()
			if len(s) != 2 || s[0] < 100*time.Millisecond || s[0] > 200*time.Millisecond || s[1] < 200*time.Millisecond || s[1] > 400*time.Millisecond {
				t.Errorf("backoff %v, want ~[100-200ms 200-400ms]", s)
			}
			calls := obs.Calls()
			if len(calls) != 3 || calls[0].Retry || !calls[1].Retry || !calls[2].Retry || calls[2].Status != 200 {
				t.Errorf("observed calls %+v", calls)
			}
		})
	}
}

func noKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestBackoffBounds(t *testing.T) {
	for n := 1; n <= 40; n++ {
		d := min(backoffBase<<min(n-1, 15), backoffCap)
		for range 20 {
			if got := backoff(n); got < d/2 || got > d {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, got, d/2, d)
			}
		}
	}
}

func TestRepeatableCallsGiveUp(t *testing.T) {
	t.Run("5xx through the budget", func(t *testing.T) {
		f := newFakeGenesys(t, status(503, "service.unavailable"))
		c := f.client(func(cfg *Config) { cfg.MaxRetries = new(2) })
		withFakeClock(c)
		_, err := c.GetUser(context.Background(), "u1", "")
		var ue *UnavailableError
		if !errors.As(err, &ue) || ue.Endpoint != "GET /api/v2/users/{id}" || len(f.Requests()) != 3 {
			t.Fatalf("err = %v after %d requests, want UnavailableError after 3", err, len(f.Requests()))
		}
		if e, ok := AsAPIError(err); !ok || e.Status != 503 {
			t.Errorf("the last answer is not in the chain: %v", err)
		}
	})
	t.Run("500 is not retried", func(t *testing.T) {
		f := newFakeGenesys(t, status(500, "internal.server.error"))
		c := f.client()
		withFakeClock(c)
		_, err := c.GetUser(context.Background(), "u1", "")
		if e, ok := AsAPIError(err); !ok || e.Status != 500 || len(f.Requests()) != 1 {
			t.Fatalf("err = %v after %d requests", err, len(f.Requests()))
		}
	})
}

// A create that may have reached Genesys is never sent again: the request
// count on the server is the proof.
func TestCreateIsNotRepeatedWhenTheOutcomeIsUnknown(t *testing.T) {
	tests := []struct {
		name string
		fail http.HandlerFunc
	}{
		{"503", status(503, "service.unavailable")},
		{"502", status(502, "bad.gateway")},
		{"500", status(500, "internal.server.error")},
		{"408", status(408, "request.timeout")},
		{"dropped connection", dropConnection},
		{"timeout", hang},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, sequence(tt.fail, okJSON(userJSON)))
			c := f.client(func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond })
			_, err := c.CreateUser(context.Background(), CreateUser{Name: "A", Email: "a@example.com"})
			if !errors.Is(err, ErrOutcomeUnknown) {
				t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
			}
			if n := len(f.Requests()); n != 1 {
				t.Errorf("create sent %d times", n)
			}
		})
	}
}

func TestCreateRepeatedWhenGenesysDidNotAct(t *testing.T) {
	for name, first := range map[string]http.HandlerFunc{"429": tooMany("1"), "401": status(401, "bad.credentials")} {
		t.Run(name, func(t *testing.T) {
			f := newFakeGenesys(t, sequence(first, okJSON(userJSON)))
			c := f.client()
			withFakeClock(c)
			u, err := c.CreateUser(context.Background(), CreateUser{Name: "A", Email: "a@example.com"})
			if err != nil || u.ID != "u1" || len(f.Requests()) != 2 {
				t.Fatalf("CreateUser = %v, %v after %d requests; want success after 2", u, err, len(f.Requests()))
			}
		})
	}
}

// The caller's context ends every wait and aborts the request in flight.
func TestCallerCancellation(t *testing.T) {
	tests := []struct {
		name string
		api  http.HandlerFunc
		mod  func(*Config)
		warm bool // make one call first (to use up the pacing burst)
	}{
		{"in flight", hang, nil, false},
		{"429 wait", tooMany("30"), nil, false},
		{"backoff", status(503, "x"), func(c *Config) { c.MaxRetries = new(40) }, false},
		{"pacing", okJSON(userJSON), func(c *Config) { c.RateLimit, c.RateWindow = 1, time.Hour }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, tt.api)
			c := f.client(func(cfg *Config) {
				if tt.mod != nil {
					tt.mod(cfg)
				}
			})
			if tt.warm {
				if _, err := c.GetUser(context.Background(), "u1", ""); err != nil {
					t.Fatal(err)
				}
			}
			sent := len(f.Requests())
			ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := c.GetUser(ctx, "u1", "")
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want the caller's deadline", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("returned after %v", d)
			}
			if tt.warm && len(f.Requests()) != sent {
				t.Errorf("a paced call was sent after its caller gave up")
			}
		})
	}
}
