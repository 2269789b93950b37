package genesystest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// fakeClock is a settable clock for token expiry, rate windows and lag.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	clientID     = "client-id"
	clientSecret = "s3cr+t/with=chars"
)

// env is a started emulator with a token, a fake clock and a client.
type env struct {
	t     *testing.T
	emu   *genesystest.Emulator
	url   string
	tok   string
	clock *fakeClock
	hc    *http.Client
}

func newEnv(t *testing.T, cfg genesystest.Config) *env {
	t.Helper()
	clock := newClock()
	cfg.ClientID, cfg.ClientSecret = clientID, clientSecret
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Skills == nil {
		cfg.Skills = []string{"Billing", "Bill Pay", "Sales"}
	}
	if cfg.Languages == nil {
		cfg.Languages = []string{"English", "Spanish"}
	}
	if cfg.Queues == nil {
		cfg.Queues = []string{"Support", "Support Tier 2", "Sales"}
	}
	e := genesystest.New(cfg)
	base, err := e.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return &env{t: t, emu: e, url: base, tok: e.Token(), clock: clock, hc: hc}
}

// response is what a call returned.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// code is the Genesys error code of the body ("" when none).
func (r response) code() string {
	var eb struct{ Code string }
	json.Unmarshal(r.body, &eb) //nolint:errcheck // "" on failure
	return eb.Code
}

// call sends an API request with the env's token. body is a raw JSON string
// or a value to marshal; nil sends none.
func (v *env) call(method, path string, body any) response {
	v.t.Helper()
	return v.send(method, path, body, "Bearer "+v.tok)
}

func (v *env) send(method, path string, body any, auth string) response {
	v.t.Helper()
	var rd io.Reader
	if body != nil {
		var b []byte
		switch x := body.(type) {
		case string:
			b = []byte(x)
		default:
			var err error
			if b, err = json.Marshal(x); err != nil {
				v.t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, v.url+path, rd)
	if err != nil {
		v.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return v.do(req)
}

func (v *env) do(req *http.Request) response {
	v.t.Helper()
	resp, err := v.hc.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		v.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// mustStatus fails the test unless r has status want.
func mustStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

// createUser creates a user through the API and returns its id.
func (v *env) createUser(name, email string, extra map[string]any) string {
	v.t.Helper()
	body := map[string]any{"name": name, "email": email}
	for k, x := range extra {
		body[k] = x
	}
	r := v.call("POST", "/api/v2/users", body)
	mustStatus(v.t, r, http.StatusOK)
	return r.json(v.t)["id"].(string)
}

// seed creates a user directly.
func (v *env) seed(name, email, state string) genesystest.User {
	v.t.Helper()
	u, err := v.emu.SeedUser(genesystest.UserSeed{Name: name, Email: email, State: state})
	if err != nil {
		v.t.Fatal(err)
	}
	return u
}

// rejections returns the number of rejections recorded so far.
func (v *env) rejections() int { return len(v.emu.Rejections()) }

// expectRejected asserts r is a 4xx shape rejection, recorded as one.
func (v *env) expectRejected(r response, before int, status int) {
	v.t.Helper()
	mustStatus(v.t, r, status)
	rj := v.emu.Rejections()
	if len(rj) != before+1 {
		v.t.Fatalf("rejections %d, want %d (body %s)", len(rj), before+1, r.body)
	}
	if rj[len(rj)-1].Status != status {
		v.t.Fatalf("rejection status %d, want %d", rj[len(rj)-1].Status, status)
	}
	var eb map[string]any
	if json.Unmarshal(r.body, &eb) == nil && !strings.HasPrefix(v.t.Name(), "TestToken") {
		for _, k := range []string{"message", "code", "status", "contextId", "details", "errors"} {
			if _, ok := eb[k]; !ok {
				v.t.Fatalf("error body lacks %q: %s", k, r.body)
			}
		}
	}
}

// expectNotRejected asserts the rejection count did not change.
func (v *env) expectNotRejected(before int) {
	v.t.Helper()
	if n := v.rejections(); n != before {
		v.t.Fatalf("unexpected rejection: %+v", v.emu.Rejections()[before:])
	}
}
