package genesystest

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Faults are random faults applied to API calls (not to /oauth/token). Each
// call draws once: with probability Rate429 it is answered 429, else with
// Rate503 it is answered 503, else with RateReset its connection is reset.
// Latency is added before every API call. With a non-zero Seed the draws are
// deterministic for a given sequence of calls.
type Faults struct {
	Rate429    float64
	RetryAfter int // seconds sent with injected 429s; default 1
	Rate503    float64
	RateReset  float64
	Latency    time.Duration
	Seed       uint64
}

// targeted fails or hangs the next n calls of one endpoint, after letting
// skip of them through.
type targeted struct {
	rt     *route
	skip   int
	n      int
	status int // 0: hang
}

type faultState struct {
	mu        sync.Mutex
	f         Faults
	rng       *rand.Rand
	targets   []*targeted
	conflicts map[string][]int // user id ("" = any) -> statuses of pending injected version conflicts
	bumps     map[string]int   // user id ("" = any) -> pending concurrent writes before a PATCH
}

func (s *faultState) init() {
	s.conflicts = make(map[string][]int)
	s.bumps = make(map[string]int)
}

// SetFaults replaces the random fault rates (zero Faults turns them off).
func (e *Emulator) SetFaults(f Faults) {
	if f.RetryAfter <= 0 {
		f.RetryAfter = 1
	}
	seed := f.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	e.faults.mu.Lock()
	e.faults.f = f
	e.faults.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	e.faults.mu.Unlock()
}

// FailNext answers the next n calls of endpoint (e.g.
// "PATCH /api/v2/users/{id}/routingskills/bulk") with status and a Genesys
// error body (a 429 also carries Retry-After). It panics on an unknown
// endpoint (see Endpoints).
func (e *Emulator) FailNext(endpoint string, n, status int) {
	e.addTarget(&targeted{rt: mustRoute(endpoint), n: n, status: status})
}

// FailNextAfter is FailNext for the n calls that follow the next skip calls
// of endpoint (to fail the second of two PATCHes a write makes).
func (e *Emulator) FailNextAfter(endpoint string, skip, n, status int) {
	e.addTarget(&targeted{rt: mustRoute(endpoint), skip: skip, n: n, status: status})
}

// HangNext makes the next n calls of endpoint hang until the client gives up
// (or the emulator closes, or Config.MaxHang passes: then 504).
func (e *Emulator) HangNext(endpoint string, n int) {
	e.addTarget(&targeted{rt: mustRoute(endpoint), n: n})
}

func (e *Emulator) addTarget(t *targeted) {
	if t.n <= 0 {
		return
	}
	e.faults.mu.Lock()
	e.faults.targets = append(e.faults.targets, t)
	e.faults.mu.Unlock()
}

// ConflictNextPatch makes the next PATCH /api/v2/users/{id} of userID (any
// user when "") answer a version conflict (409 general.conflict), as if
// another writer had just updated the user: its version is bumped, so a
// client that retries without re-reading fails again.
func (e *Emulator) ConflictNextPatch(userID string) {
	e.ConflictNextPatchStatus(userID, http.StatusConflict)
}

// ConflictNextPatchStatus is ConflictNextPatch answered with status: 409,
// or one of the other statuses Genesys's directory answers a version
// mismatch with (the Terraform provider's util.IsVersionMismatch): 408, or
// 400. The body is the same in all three (code general.conflict, a message
// saying the version does not match). It panics on any other status.
func (e *Emulator) ConflictNextPatchStatus(userID string, status int) {
	if status != http.StatusConflict && status != http.StatusRequestTimeout && status != http.StatusBadRequest {
		panic("emulator: a version conflict is answered 409, 408 or 400")
	}
	e.faults.mu.Lock()
	e.faults.conflicts[userID] = append(e.faults.conflicts[userID], status)
	e.faults.mu.Unlock()
}

// takeConflict consumes an injected version conflict for userID and
// returns its status.
func (e *Emulator) takeConflict(userID string) (int, bool) {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	for _, k := range [2]string{userID, ""} {
		if q := e.faults.conflicts[k]; len(q) > 0 {
			e.faults.conflicts[k] = q[1:]
			return q[0], true
		}
	}
	return 0, false
}

// BumpVersionBeforeNextPatch simulates a concurrent modification: right
// before the next PATCH /api/v2/users/{id} of userID (any user when "") is
// applied, the user gets a new version that changes nothing else. Unlike
// ConflictNextPatch nothing is answered for it: the PATCH goes through the
// real version check, so a client that sent the version it had read sees a
// genuine stale-version conflict (and one that sent no version check at
// all would overwrite the other write). A PATCH refused for its shape does
// not consume it.
func (e *Emulator) BumpVersionBeforeNextPatch(userID string) {
	e.faults.mu.Lock()
	e.faults.bumps[userID]++
	e.faults.mu.Unlock()
}

// takeBump consumes a pending concurrent write for userID.
func (e *Emulator) takeBump(userID string) bool {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	for _, k := range [2]string{userID, ""} {
		if e.faults.bumps[k] > 0 {
			e.faults.bumps[k]--
			return true
		}
	}
	return false
}

// ClearFaults removes random faults, targeted failures and hangs, injected
// conflicts and pending concurrent writes. It does not change the outage
// switch or search lag.
func (e *Emulator) ClearFaults() {
	e.faults.mu.Lock()
	e.faults.f, e.faults.rng, e.faults.targets = Faults{}, nil, nil
	clear(e.faults.conflicts)
	clear(e.faults.bumps)
	e.faults.mu.Unlock()
}

// SetDown switches a total outage on or off: while down, every request
// (the token endpoint included) is answered 503.
func (e *Emulator) SetDown(down bool) { e.down.Store(down) }

// SetFast switches fast mode: no rate limit, no search lag, no random or
// targeted faults (they stay configured and apply again when it is off).
func (e *Emulator) SetFast(fast bool) { e.fast.Store(fast) }

// SetSearchLag sets how long writes take to become visible to search: user
// writes (create, patch, delete, division moves) to POST
// /api/v2/users/search, group writes (create, update, delete, membership
// changes, administrator changes) to POST /api/v2/groups/search. Direct
// reads and listings are always immediately consistent.
func (e *Emulator) SetSearchLag(d time.Duration) { e.lag.Store(int64(d)) }

// faultAction is what injectFaults decided for one call.
type faultAction int

const (
	faultNone faultAction = iota
	faultStatus
	faultHang
	fault429
	fault503
	faultReset
)

// decideFault consumes a targeted fault for rt, or draws a random one.
func (s *faultState) decide(rt *route, isToken bool) (act faultAction, status, retryAfter int, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range s.targets {
		if t.rt != rt {
			continue
		}
		if t.skip > 0 {
			t.skip--
			return faultNone, 0, 0, 0
		}
		t.n--
		if t.n <= 0 {
			s.targets = append(s.targets[:i], s.targets[i+1:]...)
		}
		if t.status == 0 {
			return faultHang, 0, 0, 0
		}
		return faultStatus, t.status, max(s.f.RetryAfter, 1), 0
	}
	if isToken || s.rng == nil {
		return faultNone, 0, 0, 0
	}
	f := s.f
	x := s.rng.Float64()
	switch {
	case x < f.Rate429:
		return fault429, 0, f.RetryAfter, f.Latency
	case x < f.Rate429+f.Rate503:
		return fault503, 0, 0, f.Latency
	case x < f.Rate429+f.Rate503+f.RateReset:
		return faultReset, 0, 0, f.Latency
	}
	return faultNone, 0, 0, f.Latency
}

// injectFaults applies the configured faults to c. It returns false when it
// has answered (or dropped) the call.
func (e *Emulator) injectFaults(c *call, isToken bool) bool {
	if e.fast.Load() {
		return true
	}
	act, status, retryAfter, latency := e.faults.decide(c.rt, isToken)
	if latency > 0 && !e.wait(c, latency) {
		c.abort = true // the client left or the emulator closed: answer nothing
		return false
	}
	switch act {
	case faultStatus:
		if status == http.StatusTooManyRequests {
			c.tooManyRequests(time.Duration(retryAfter) * time.Second)
		} else {
			c.fail(status, statusCode(status), "Injected failure")
		}
	case faultHang:
		if e.wait(c, e.cfg.MaxHang) {
			c.fail(http.StatusGatewayTimeout, "gateway.timeout", "The request timed out")
		} else {
			c.abort = true
		}
	case fault429:
		c.tooManyRequests(time.Duration(retryAfter) * time.Second)
	case fault503:
		c.fail(http.StatusServiceUnavailable, "service.unavailable", "The service is currently unavailable")
	case faultReset:
		resetConnection(c)
	default:
		return true
	}
	return false
}

// wait sleeps d unless the client goes away or the emulator closes first;
// it reports whether the full time passed.
func (e *Emulator) wait(c *call, d time.Duration) bool {
	bufferBody(c)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.r.Context().Done():
	case <-e.closed:
	}
	return false
}

// bufferBody reads the request body into memory (up to the handlers' limit;
// a longer one is refused by them as before) so a wait can see the client
// leave: net/http notices a closed connection only once the body has been
// read, and a real server that has received the whole request sees it too.
func bufferBody(c *call) {
	if c.r.Body == nil || c.r.Body == http.NoBody {
		return
	}
	b, _ := io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	rest := c.r.Body
	c.r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), rest), rest}
}

// resetConnection drops the connection without an answer: with a TCP RST
// when the connection can be hijacked, else ServeHTTP aborts the handler.
func resetConnection(c *call) {
	c.status = 0
	hj, ok := c.w.(http.Hijacker)
	if !ok {
		c.abort = true
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		c.abort = true
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck // best effort: a FIN is fine too
	}
	conn.Close()
	c.hasOut = false
}

// statusCode is the Genesys error code used for an injected status.
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad.request"
	case http.StatusUnauthorized:
		return "bad.credentials"
	case http.StatusNotFound:
		return "not.found"
	case http.StatusRequestTimeout:
		return "request.timeout"
	case http.StatusConflict:
		return "general.conflict"
	case http.StatusTooManyRequests:
		return "too.many.requests.retry.after"
	case http.StatusServiceUnavailable:
		return "service.unavailable"
	case http.StatusGatewayTimeout:
		return "gateway.timeout"
	}
	return "internal.server.error"
}
