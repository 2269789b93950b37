package load

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// bulkParams sizes the bulk provisioning scenario.
type bulkParams struct {
	Users     int
	Clients   int
	RateLimit int // Genesys calls per minute per token, and the gateway's rate_limit
	Converge  time.Duration
}

// bulkResult is what the bulk scenario measured.
type bulkResult struct {
	Params        bulkParams
	Wall          time.Duration  // first request to last answer
	Statuses      map[int]int    // answers the clients got, by status
	Transport     int            // client requests that got no answer
	BadErrors     []string       // error answers that were not SCIM error bodies
	Calls         map[string]int // upstream calls by endpoint, at the end of the wall time
	APICalls      int            // upstream API calls (the token endpoint excluded) in the wall time
	Genesys429    int            // 429s the emulator answered in the wall time
	QueueBatches  int            // queue-member add calls
	Unconverged   []string       // what was still wrong after Converge
	CallsAfterAll int            // API calls once converged (outbox work included)
}

// floorPerUser is the fewest upstream calls a user in one group can take:
// the check that its externalId is free, create, external id, skills,
// languages, a share of a 100-member queue add per queue, and a share of a
// 50-member join of its group with the read of the group's version before
// it.
func floorPerUser(queues int) float64 { return 5 + float64(queues)/100 + 2.0/50 }

// CallsPerUser is upstream API calls per user in the wall time.
func (r bulkResult) CallsPerUser() float64 { return float64(r.APICalls) / float64(r.Params.Users) }

// Share is the achieved upstream calls/s as a share of the limit.
func (r bulkResult) Share() float64 {
	perSecond := float64(r.Params.RateLimit) / 60
	return float64(r.APICalls) / r.Wall.Seconds() / perSecond
}

// runBulk pushes Users users, each in "CC Billing" (two skills, a language,
// a queue) with an externalId, from Clients concurrent clients, against an
// emulator enforcing RateLimit calls a minute with rate_limit to match.
func runBulk(t *testing.T, p bulkParams) bulkResult {
	s := harness.New(t, harness.Options{
		Emulator: genesystest.Config{RateLimit: p.RateLimit, RateWindow: time.Minute},
		Extra:    fmt.Sprintf("rate_limit %d 1m", p.RateLimit),
	})
	token := longToken(s.IdP, "scim_provisioner")
	s.Remember(token)
	want := people("bulk", p.Users, "CC Billing")
	c := newClient(p.Clients)
	defer c.CloseIdleConnections()

	res := bulkResult{Params: p, Statuses: map[int]int{}}
	var mu sync.Mutex
	start := time.Now()
	forEach(len(want), p.Clients, func(i int) {
		rp, err := send(context.Background(), c, http.MethodPost, s.Base+"/Users", token, want[i].createBody())
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.Transport++
			return
		}
		res.Statuses[rp.Status]++
		if rp.Status >= 400 {
			if prob := scimErrorProblem(rp); prob != "" && len(res.BadErrors) < 20 {
				res.BadErrors = append(res.BadErrors, prob)
			}
		}
	})
	res.Wall = time.Since(start)
	res.Calls = s.Emu.CallCounts()
	res.APICalls = apiCalls(res.Calls)
	res.QueueBatches = res.Calls["POST /api/v2/routing/queues/{id}/members"]
	for _, r := range s.Emu.Requests() {
		if r.Status == http.StatusTooManyRequests {
			res.Genesys429++
		}
	}
	res.Unconverged = awaitConverged(s.Emu, want, p.Converge)
	res.CallsAfterAll = apiCalls(s.Emu.CallCounts())
	s.NoRejections()
	return res
}

// apiCalls sums the calls to every endpoint but the token endpoint (which
// the per-token limit does not count).
func apiCalls(counts map[string]int) int {
	n := 0
	for ep, c := range counts {
		if ep != "POST /oauth/token" {
			n += c
		}
	}
	return n
}

// report prints the figures as Markdown.
func (r bulkResult) report(w io.Writer) {
	p := r.Params
	fmt.Fprintf(w, "\n#### Bulk provisioning: %d users in one group (2 skills, 1 language, 1 queue) with externalId, %d clients, Genesys limit %d/min per token, rate_limit %d 1m\n\n",
		p.Users, p.Clients, p.RateLimit, p.RateLimit)
	fmt.Fprintln(w, "| figure | value |")
	fmt.Fprintln(w, "|---|---:|")
	fmt.Fprintf(w, "| wall time | %.1f s |\n", r.Wall.Seconds())
	fmt.Fprintf(w, "| upstream API calls | %d |\n", r.APICalls)
	fmt.Fprintf(w, "| upstream calls per user (floor %.2f) | %.2f |\n", floorPerUser(1), r.CallsPerUser())
	fmt.Fprintf(w, "| upstream calls/s (limit %.1f/s) | %.2f |\n", float64(p.RateLimit)/60, float64(r.APICalls)/r.Wall.Seconds())
	fmt.Fprintf(w, "| share of the limit used | %.1f%% |\n", 100*r.Share())
	fmt.Fprintf(w, "| 429s Genesys sent | %d |\n", r.Genesys429)
	fmt.Fprintf(w, "| 429s that reached clients | %d |\n", r.Statuses[http.StatusTooManyRequests])
	fmt.Fprintf(w, "| client answers by status | %v |\n", statusList(r.Statuses))
	fmt.Fprintf(w, "| client requests without an answer | %d |\n", r.Transport)
	fmt.Fprintf(w, "| queue-member add calls | %d |\n", r.QueueBatches)
	fmt.Fprintf(w, "| API calls once converged (outbox included) | %d |\n", r.CallsAfterAll)
	fmt.Fprintf(w, "\nUpstream calls by endpoint: %s\n", endpointList(r.Calls))
}

// statusList renders a status histogram in status order.
func statusList(m map[int]int) string {
	out := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out += fmt.Sprintf("%d: %d; ", k, m[k])
	}
	return out
}

// endpointList renders call counts in endpoint order.
func endpointList(m map[string]int) string {
	out := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out += fmt.Sprintf("`%s` %d; ", k, m[k])
	}
	return out
}

// check fails t for every correctness failure; with targets also for the
// issue's efficiency targets (which only a full-size run can meet).
func (r bulkResult) check(t *testing.T, targets bool) {
	t.Helper()
	if n := r.Statuses[http.StatusCreated]; n != r.Params.Users || r.Transport > 0 {
		t.Errorf("%d of %d creates answered 201; answers %v; %d without an answer",
			n, r.Params.Users, statusList(r.Statuses), r.Transport)
	}
	if len(r.BadErrors) > 0 {
		t.Errorf("error answers that are not SCIM errors: %v", r.BadErrors)
	}
	for _, p := range r.Unconverged {
		t.Errorf("Genesys after the bulk load: %s", p)
	}
	if !targets {
		return
	}
	if n := r.Statuses[http.StatusTooManyRequests]; n > 0 {
		t.Errorf("%d 429s reached the clients (Genesys sent %d): the pacing should have kept under the limit", n, r.Genesys429)
	}
	if r.Share() < 0.90 {
		t.Errorf("upstream calls used %.1f%% of the limit, target >= 90%%", 100*r.Share())
	}
	if floor := floorPerUser(1); r.CallsPerUser() > floor*1.05 {
		t.Errorf("%.2f upstream calls per user, floor %.2f (target: within 5%%); by endpoint %s",
			r.CallsPerUser(), floor, endpointList(r.Calls))
	}
}
