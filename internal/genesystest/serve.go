package genesystest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// call is one request in flight: what the handlers need and what the
// pipeline records about the answer.
type call struct {
	e      *Emulator
	w      http.ResponseWriter
	r      *http.Request
	rt     *route
	p      [maxParams]string
	token  *token
	corr   string
	status int
	buf    []byte // pooled response buffer
	abort  bool   // drop the connection (see resetConnection)
	out    []byte // the answer's body, written by flush
	hasOut bool   // an answer was recorded (status may still be 0 after a reset)
	hits   []hit  // pooled search scratch
}

var callPool = sync.Pool{New: func() any { return &call{buf: make([]byte, 0, 4096)} }}

// maxLoggedPath bounds the raw path kept for unknown endpoints.
const maxLoggedPath = 200

var (
	hdrJSON = []string{"application/json"}
)

// ServeHTTP runs the pipeline every request goes through: route, outage
// switch, authentication, rate limit, injected faults, then the endpoint.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := callPool.Get().(*call)
	c.e, c.w, c.r, c.status, c.token, c.abort = e, w, r, 0, nil, false
	c.out, c.hasOut = nil, false
	c.buf = c.buf[:0]
	c.corr = e.correlationID()
	w.Header()["Inin-Correlation-Id"] = []string{c.corr}

	c.rt = matchRoute(r.Method, r.URL.EscapedPath(), &c.p)
	e.serve(c)

	// Count and log before the answer leaves: a client that reads the
	// counters right after its response must see its own call.
	endpoint, method := "", r.Method
	if c.rt != nil {
		e.calls[c.rt.idx].Add(1)
		endpoint = c.rt.pattern
	} else {
		endpoint = r.URL.EscapedPath()
		if len(endpoint) > maxLoggedPath {
			endpoint = endpoint[:maxLoggedPath]
		}
	}
	e.log.add(Request{Method: method, Path: endpoint, Status: c.status}, c.rt == nil)
	c.flush()
	abort := c.abort
	c.e, c.w, c.r, c.rt, c.token, c.out = nil, nil, nil, nil, nil, nil
	c.p = [maxParams]string{}
	clear(c.hits)
	c.hits = c.hits[:0]
	if cap(c.buf) <= 1<<20 {
		callPool.Put(c)
	}
	if abort {
		panic(http.ErrAbortHandler) // net/http closes the connection without answering
	}
}

func (e *Emulator) serve(c *call) {
	if c.rt == nil {
		e.setRateHeaders(c, nil, time.Time{})
		c.reject(http.StatusNotFound, "not.found", "No such endpoint: "+c.r.Method+" "+truncate(c.r.URL.EscapedPath(), maxLoggedPath))
		return
	}
	if e.down.Load() {
		e.setRateHeaders(c, nil, time.Time{})
		c.fail(http.StatusServiceUnavailable, "service.unavailable", "The service is currently unavailable")
		return
	}
	isToken := c.rt.pattern == "/oauth/token"
	if !isToken {
		if !e.authenticate(c) {
			return
		}
	}
	if !e.injectFaults(c, isToken) {
		return
	}
	c.rt.handle(e, c)
}

// correlationID is unique per response; it is also the contextId of error
// bodies.
func (e *Emulator) correlationID() string {
	n := e.corrSeq.Add(1)
	var b [40]byte
	out := append(b[:0], e.corrBase...)
	out = strconv.AppendUint(out, n, 10)
	return string(out)
}

// writeJSON records status with body as the JSON answer. Handlers only
// record: flush writes after the handler has returned and released its
// locks, so a slow client never holds up the store. body must not change
// afterwards (it is c.buf or an immutable snap rendering).
func (c *call) writeJSON(status int, body []byte) {
	c.status, c.out, c.hasOut = status, body, true
}

// writeEmpty records status with no body.
func (c *call) writeEmpty(status int) {
	c.status, c.out, c.hasOut = status, nil, true
}

// flush writes the recorded answer, if any.
func (c *call) flush() {
	if !c.hasOut || c.abort {
		return
	}
	h := c.w.Header()
	if c.out != nil {
		h["Content-Type"] = hdrJSON
	}
	if c.status != http.StatusNoContent {
		h["Content-Length"] = []string{strconv.Itoa(len(c.out))}
	}
	c.w.WriteHeader(c.status)
	if len(c.out) > 0 {
		c.w.Write(c.out) //nolint:errcheck // the client may be gone
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
