package genesystest

import "sync"

// Request is one entry of the request log.
type Request struct {
	Method string
	Path   string // templated ("/api/v2/users/{id}"); the raw path for unknown endpoints
	Status int    // 0 when the connection was reset without an answer
}

// Endpoint is "METHOD /templated/path", the key of CallCounts.
func (r Request) Endpoint() string { return r.Method + " " + r.Path }

// maxRejections bounds the rejection list; a gateway that causes this many
// is broken anyway.
const maxRejections = 10000

// requestLog keeps the newest requests in a ring, and every rejection up to
// maxRejections.
type requestLog struct {
	mu         sync.Mutex
	limit      int
	ring       []Request
	next       int // index of the oldest entry once the ring is full
	unknown    int // calls to endpoints that do not exist
	rejections []Rejection
}

func (l *requestLog) add(r Request, unknown bool) {
	l.mu.Lock()
	if unknown {
		l.unknown++
	}
	if len(l.ring) < l.limit {
		l.ring = append(l.ring, r)
	} else {
		l.ring[l.next] = r
		l.next = (l.next + 1) % l.limit
	}
	l.mu.Unlock()
}

func (l *requestLog) reject(rj Rejection) {
	l.mu.Lock()
	if len(l.rejections) < maxRejections {
		l.rejections = append(l.rejections, rj)
	}
	l.mu.Unlock()
}

// Requests returns the request log, oldest first (at most Config.LogLimit
// entries, the newest kept).
func (e *Emulator) Requests() []Request {
	l := &e.log
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Request, 0, len(l.ring))
	out = append(out, l.ring[l.next:]...)
	return append(out, l.ring[:l.next]...)
}

// Rejections returns every request answered 4xx because of its shape (see
// Rejection), oldest first.
func (e *Emulator) Rejections() []Rejection {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return append([]Rejection(nil), e.log.rejections...)
}

// Calls returns how many requests reached endpoint, e.g.
// Calls("PATCH /api/v2/users/{id}"), whatever their answer. It panics on an
// endpoint the emulator does not serve, to catch typos in tests.
func (e *Emulator) Calls(endpoint string) int {
	return int(e.calls[mustRoute(endpoint).idx].Load())
}

// CallCounts returns the number of requests per endpoint (only endpoints
// called at least once); calls to unknown endpoints count under "unknown".
func (e *Emulator) CallCounts() map[string]int {
	m := make(map[string]int)
	for _, rt := range routeTable {
		if n := e.calls[rt.idx].Load(); n > 0 {
			m[rt.endpoint] = int(n)
		}
	}
	e.log.mu.Lock()
	if e.log.unknown > 0 {
		m["unknown"] = e.log.unknown
	}
	e.log.mu.Unlock()
	return m
}

// ResetLog clears the request log, the counts and the rejections.
func (e *Emulator) ResetLog() {
	for i := range e.calls {
		e.calls[i].Store(0)
	}
	e.log.mu.Lock()
	e.log.ring, e.log.next, e.log.unknown, e.log.rejections = nil, 0, 0, nil
	e.log.mu.Unlock()
}
