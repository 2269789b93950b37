package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// overheadParams sizes the overhead scenario.
type overheadParams struct {
	Users   int           // seeded in the emulator
	Clients int           // concurrent in-process clients
	Phase   time.Duration // one phase; the run is proxy, scim, proxy, scim
}

// overheadResult is what the overhead scenario measured.
type overheadResult struct {
	Params      overheadParams
	Floor, SCIM sample
	Upstream    map[string]int // emulator calls during the measured phases
}

// Ratio is the gateway's throughput as a share of the proxy's.
func (r overheadResult) Ratio() float64 {
	if r.Floor.RPS() == 0 {
		return 0
	}
	return r.SCIM.RPS() / r.Floor.RPS()
}

// runOverhead measures GET /scim/v2/Users?count=100 through scim_genesys
// against the proxy's GET /api/v2/users?pageSize=100, alternating the two
// (proxy, scim, proxy, scim) in one run to cancel drift.
func runOverhead(t *testing.T, p overheadParams) overheadResult {
	r := newOverheadRig(t, p.Users)
	c := newClient(p.Clients)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	var do [2]func(context.Context) bool
	for i, pt := range r.probes() {
		do[i] = pathCheck(c, pt.url, pt.token, pt.want)
		// Warm up (connections, the gateway's Genesys token, the JWKS,
		// caches) and fail early if the path does not answer a full page.
		if !do[i](ctx) {
			rp, err := send(ctx, c, http.MethodGet, pt.url, pt.token, "")
			t.Fatalf("%s path does not answer a full page: err %v, status %d, body %.300s", pt.name, err, rp.Status, rp.Body)
		}
		runFor(ctx, p.Clients, p.Phase/4, do[i])
	}
	floor, scim := do[0], do[1]
	out := overheadResult{Params: p}
	r.Emu.ResetLog()
	for range 2 {
		out.Floor.merge(runFor(ctx, p.Clients, p.Phase, floor))
		out.SCIM.merge(runFor(ctx, p.Clients, p.Phase, scim))
	}
	out.Upstream = r.Emu.CallCounts()
	return out
}

// probe is one measured path: what to call and what a good answer holds.
type probe struct {
	name, url, token, want string
}

// probes are the floor and the gateway, in the order they alternate. A
// good answer is a full page of 100 users.
func (r *overheadRig) probes() [2]probe {
	return [2]probe{
		{"proxy", r.FloorURL, "", `"pageSize":100`},
		{"scim_genesys", r.SCIMURL, r.Token, `"itemsPerPage":100`},
	}
}

// pathCheck returns a request function for url that counts an answer as
// good when it is 200 and its body holds want (a full page of 100).
func pathCheck(c *http.Client, url, token, want string) func(context.Context) bool {
	return func(ctx context.Context) bool {
		rp, err := send(ctx, c, http.MethodGet, url, token, "")
		return err == nil && rp.Status == http.StatusOK && containsBytes(rp.Body, want)
	}
}

// report prints the figures as Markdown.
func (r overheadResult) report(w io.Writer) {
	p := r.Params
	fmt.Fprintf(w, "\n#### Overhead: %d clients, %d seeded users, phases of %s alternating proxy, scim, proxy, scim\n\n",
		p.Clients, p.Users, p.Phase)
	fmt.Fprintln(w, "| path | requests | errors | req/s | p50 | p99 | CPU per request (whole process) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	row := func(name string, s sample) {
		fmt.Fprintf(w, "| %s | %d | %d | %.0f | %s | %s | %s |\n", name, s.OK, s.Errors, s.RPS(),
			ms(s.Percentile(50)), ms(s.Percentile(99)), ms(s.CPUPerRequest()))
	}
	row("reverse_proxy `GET /api/v2/users?pageSize=100` (floor)", r.Floor)
	row("scim_genesys `GET /scim/v2/Users?count=100` (JWT on)", r.SCIM)
	fmt.Fprintf(w, "\nscim_genesys throughput / proxy throughput: **%.1f%%** (target >= 80%%)\n", 100*r.Ratio())
	fmt.Fprintf(w, "\nEmulator calls during the measured phases (both paths; the proxy's are `GET /api/v2/users`): %s\n",
		endpointList(r.Upstream))
}
