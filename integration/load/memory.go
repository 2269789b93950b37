package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// memoryParams sizes the memory scenario.
type memoryParams struct {
	Users          int // seeded
	Clients        int
	First, Total   int    // list requests before the first and the second measurement
	MaxGrowthBytes uint64 // allowed HeapInuse growth between them
}

// memPoint is one measurement after a forced GC.
type memPoint struct {
	Requests  int
	HeapInuse uint64
	RSS       uint64 // VmRSS of the test process; 0 where /proc is missing
}

// memoryResult is what the memory scenario measured.
type memoryResult struct {
	Params        memoryParams
	Before, After memPoint
	Failed        int64
}

// Growth is the HeapInuse growth between the measurements (0 if it shrank).
func (r memoryResult) Growth() uint64 {
	if r.After.HeapInuse < r.Before.HeapInuse {
		return 0
	}
	return r.After.HeapInuse - r.Before.HeapInuse
}

// runMemory sends Total list requests (GET /Users?count=100 over Users
// seeded users) through the in-process Caddy and measures the heap after
// GC at First and at Total requests. The emulator's request log is bounded
// small so its ring is full before the first measurement and does not grow
// with the run.
func runMemory(t *testing.T, p memoryParams) memoryResult {
	s := harness.New(t, harness.Options{Emulator: genesystest.Config{Fast: true, LogLimit: 200}, Extra: unpaced})
	seedUsers(t, s.Emu, p.Users)
	token := longToken(s.IdP, "scim_provisioner")
	s.Remember(token)
	c := newClient(p.Clients)
	defer c.CloseIdleConnections()
	res := memoryResult{Params: p}
	var failed atomic.Int64
	batch := func(n int) {
		forEach(n, p.Clients, func(int) {
			rp, err := send(context.Background(), c, http.MethodGet, s.Base+"/Users?count=100", token, "")
			if err != nil || rp.Status != http.StatusOK || !containsBytes(rp.Body, `"itemsPerPage":100`) {
				failed.Add(1)
			}
		})
	}
	batch(p.First)
	res.Before = measure(p.First)
	batch(p.Total - p.First)
	res.After = measure(p.Total)
	res.Failed = failed.Load()
	s.NoRejections()
	return res
}

// measure forces two GCs (the second frees what the first's finalizers
// released) and reads the heap in use and the process RSS.
func measure(requests int) memPoint {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memPoint{Requests: requests, HeapInuse: m.HeapInuse, RSS: rss()}
}

// rss reads VmRSS from /proc/self/status, in bytes.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// report prints the figures as Markdown.
func (r memoryResult) report(w io.Writer) {
	p := r.Params
	fmt.Fprintf(w, "\n#### Memory: %d list requests (`GET /scim/v2/Users?count=100`, %d users) from %d clients, in-process Caddy\n\n",
		p.Total, p.Users, p.Clients)
	fmt.Fprintln(w, "| after | HeapInuse (after GC) | process RSS |")
	fmt.Fprintln(w, "|---:|---:|---:|")
	for _, m := range []memPoint{r.Before, r.After} {
		fmt.Fprintf(w, "| %d requests | %s | %s |\n", m.Requests, mib(m.HeapInuse), mib(m.RSS))
	}
	fmt.Fprintf(w, "\nHeapInuse growth: %s (bound %s); failed requests: %d\n", mib(r.Growth()), mib(p.MaxGrowthBytes), r.Failed)
}

func mib(b uint64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }

// check fails t when the heap grew beyond the bound or a request failed.
func (r memoryResult) check(t *testing.T) {
	t.Helper()
	if r.Failed > 0 {
		t.Errorf("%d list requests did not answer a full page", r.Failed)
	}
	if r.Growth() > r.Params.MaxGrowthBytes {
		t.Errorf("HeapInuse grew %s between %d and %d requests (from %s to %s), bound %s",
			mib(r.Growth()), r.Before.Requests, r.After.Requests, mib(r.Before.HeapInuse), mib(r.After.HeapInuse), mib(r.Params.MaxGrowthBytes))
	}
}
