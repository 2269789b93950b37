package outboxe2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// skillsEndpoint is the only way the gateway assigns skills
// (PATCH .../routingskills/bulk); failing it fails every way.
const skillsEndpoint = "PATCH /api/v2/users/{id}/routingskills/bulk"

// upstreamCall is one request a gateway made to the emulator, with its raw
// path: the emulator's own log keeps only templated paths, and these tests
// need to count calls per user.
type upstreamCall struct {
	Method, Path string
	Status       int  // 0 while in flight, or when the connection was dropped
	Done         bool // the emulator has finished with it
}

// front is the emulator as the gateways see it: it serves the emulator's
// handler unchanged and records every call, so one front can serve several
// Caddy processes and still tell which user each call was for.
type front struct {
	URL string
	emu http.Handler

	mu    sync.Mutex
	calls []upstreamCall
}

// newFront serves emu on a new local port until the test ends.
func newFront(t *testing.T, emu *genesystest.Emulator) *front {
	f := &front{emu: emu.Handler()}
	srv := httptest.NewServer(f)
	f.URL = srv.URL
	t.Cleanup(func() {
		emu.Close() // releases calls left hanging by HangNext, so Close can return
		srv.Close()
	})
	return f
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	i := len(f.calls)
	f.calls = append(f.calls, upstreamCall{Method: r.Method, Path: r.URL.Path})
	f.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	defer func() { // also when the emulator drops the connection (panics)
		f.mu.Lock()
		f.calls[i].Status, f.calls[i].Done = sw.status, true
		f.mu.Unlock()
	}()
	f.emu.ServeHTTP(sw, r)
}

// mark is a position in the call log: calls after it are calls made later.
func (f *front) mark() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// userCalls returns the calls since from whose path names userID and, when
// suffix is not empty, ends with it (e.g. "/routingskills/bulk").
func (f *front) userCalls(userID, method, suffix string, from int) []upstreamCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []upstreamCall
	for _, c := range f.calls[min(from, len(f.calls)):] {
		if !strings.Contains(c.Path+"/", "/"+userID+"/") || (method != "" && c.Method != method) ||
			!strings.HasSuffix(c.Path, suffix) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// skillPatches returns the PATCH .../routingskills/bulk calls for userID
// since from.
func (f *front) skillPatches(userID string, from int) []upstreamCall {
	return f.userCalls(userID, http.MethodPatch, "/routingskills/bulk", from)
}

// statusWriter remembers the status the emulator answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// succeeded counts the calls answered 2xx.
func succeeded(calls []upstreamCall) int {
	n := 0
	for _, c := range calls {
		if c.Status >= 200 && c.Status < 300 {
			n++
		}
	}
	return n
}
