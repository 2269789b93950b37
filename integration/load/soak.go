package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// soakParams sizes the fault soak.
type soakParams struct {
	Users     int
	Workers   int // the client's concurrent provisioning threads
	Faults    genesystest.Faults
	SearchLag time.Duration
	Cycles    int // passes over the users not yet provisioned
	Converge  time.Duration
}

// soakResult is what the fault soak saw.
type soakResult struct {
	Params      soakParams
	Wall        time.Duration
	Provisioned int
	Client      entraStats
	Calls       map[string]int // upstream calls by endpoint
	Injected    map[int]int    // emulator answers by status (0: connection reset)
	Unconverged []string
}

// runSoak provisions Users users (alternating the two mapped groups) with a
// retrying Entra-like client while the emulator injects faults and lags
// search, then lifts the faults and checks the Genesys side.
func runSoak(t *testing.T, p soakParams) soakResult {
	s := harness.New(t, harness.Options{Extra: "rate_limit 3000 1m"})
	token := longToken(s.IdP, "scim_provisioner")
	s.Remember(token)
	s.Emu.SetFaults(p.Faults)
	s.Emu.SetSearchLag(p.SearchLag)
	want := people("soak", p.Users, "CC Billing", "CC Spanish")
	ec := &entraClient{c: newClient(p.Workers), base: s.Base, token: token, maxAttempts: 8,
		minBackoff: 250 * time.Millisecond, maxBackoff: 4 * time.Second, maxWait: time.Minute,
		stats: entraStats{Statuses: map[int]int{}}}
	defer ec.c.CloseIdleConnections()

	start := time.Now()
	done := make([]bool, len(want))
	var mu sync.Mutex
	for range p.Cycles {
		var todo []int
		for i, d := range done {
			if !d {
				todo = append(todo, i)
			}
		}
		if len(todo) == 0 {
			break
		}
		forEach(len(todo), p.Workers, func(k int) {
			i := todo[k]
			if _, ok := ec.provision(context.Background(), want[i]); ok {
				mu.Lock()
				done[i] = true
				mu.Unlock()
			}
		})
	}
	res := soakResult{Params: p, Wall: time.Since(start), Client: ec.stats, Injected: map[int]int{}}
	for _, d := range done {
		if d {
			res.Provisioned++
		}
	}
	for _, r := range s.Emu.Requests() {
		if r.Status == 0 || r.Status == http.StatusTooManyRequests || r.Status >= 500 {
			res.Injected[r.Status]++
		}
	}
	// Lift the faults so the outbox can finish, then check Genesys.
	s.Emu.ClearFaults()
	s.Emu.SetSearchLag(0)
	res.Unconverged = awaitConverged(s.Emu, want, p.Converge)
	res.Calls = s.Emu.CallCounts()
	s.NoRejections()
	return res
}

// check fails t for every way the soak's outcome breaks the targets.
func (r soakResult) check(t *testing.T) {
	t.Helper()
	if r.Provisioned != r.Params.Users {
		t.Errorf("the client provisioned %d of %d users (gave up %d times; refused: %v)",
			r.Provisioned, r.Params.Users, r.Client.GaveUp, r.Client.Refused)
	}
	for _, p := range r.Unconverged {
		t.Errorf("Genesys after the soak: %s", p)
	}
	if r.Client.BadCount > 0 {
		t.Errorf("%d error answers were not SCIM error bodies, e.g. %v", r.Client.BadCount, r.Client.BadErrors)
	}
	if r.Client.Transport > 0 {
		t.Errorf("%d client requests got no answer from Caddy", r.Client.Transport)
	}
}

// report prints the figures as Markdown.
func (r soakResult) report(w io.Writer) {
	p, f := r.Params, r.Params.Faults
	fmt.Fprintf(w, "\n#### Fault soak: %d users (two groups, alternating), %d client threads; faults 429 %.0f%% (Retry-After %ds), 503 %.0f%%, reset %.0f%%; search lag %s\n\n",
		p.Users, p.Workers, 100*f.Rate429, f.RetryAfter, 100*f.Rate503, 100*f.RateReset, p.SearchLag)
	fmt.Fprintln(w, "| figure | value |")
	fmt.Fprintln(w, "|---|---:|")
	fmt.Fprintf(w, "| wall time | %.1f s |\n", r.Wall.Seconds())
	fmt.Fprintf(w, "| users the client provisioned | %d / %d |\n", r.Provisioned, p.Users)
	fmt.Fprintf(w, "| users wrong in Genesys afterwards | %d |\n", len(r.Unconverged))
	fmt.Fprintf(w, "| client POSTs / userName lookups | %d / %d |\n", r.Client.Posts, r.Client.Lookups)
	fmt.Fprintf(w, "| client answers by status (POSTs and lookups) | %v |\n", statusList(r.Client.Statuses))
	fmt.Fprintf(w, "| error answers that were not SCIM errors | %d |\n", r.Client.BadCount)
	fmt.Fprintf(w, "| client requests without an answer | %d |\n", r.Client.Transport)
	fmt.Fprintf(w, "| faults Genesys answered (0 = reset) | %v |\n", statusList(r.Injected))
	fmt.Fprintf(w, "\nUpstream calls by endpoint: %s\n", endpointList(r.Calls))
}
