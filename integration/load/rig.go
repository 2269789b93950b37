package load

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/caddyscim/caddyscim"
	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/idptest"
)

// overheadRig is one Caddy with two sites in front of the same emulator in
// fast mode: scim_genesys, and a plain reverse_proxy to the emulator's user
// list (the floor for any one-hop gateway). It takes a testing.TB, unlike
// harness.New, so that the benchmark can boot it too.
type overheadRig struct {
	Emu      *genesystest.Emulator
	SCIMURL  string // GET /scim/v2/Users?count=100 on the scim_genesys site
	FloorURL string // GET /api/v2/users?pageSize=100 on the proxy site
	Token    string // a caller JWT with the provisioner role
	logFile  string
	secrets  []string // must not appear in Caddy's log
}

// overheadCaddyfile is the two-site config. Logging is at INFO (the audit
// entries the gateway writes per request are part of its cost); neither
// site has an access log, so both pay the same for Caddy's own logging. The
// gateway is unpaced: the emulator in fast mode has no limit either.
const overheadCaddyfile = `{
	admin off
	persist_config off
	storage file_system %[1]s
	log {
		output file %[2]s
		format json
		level INFO
	}
}
%[3]s {
	scim_genesys {
		api_url %[5]s
		client_id %[6]s
		client_secret {env.LOAD_GENESYS_SECRET}
		jwks_url %[7]s
		issuer %[8]s
		audience %[9]s
		%[10]s
		%[11]s
	}
}
%[4]s {
	reverse_proxy %[5]s {
		header_up Authorization "Bearer {env.LOAD_FLOOR_TOKEN}"
	}
}
`

// unpaced lifts the gateway's outbound pacing (default 300 calls a minute)
// and concurrency cap far above what two cores can use, for the scenarios
// that measure per-request work against an emulator without a limit.
const unpaced = "rate_limit 6000000 1m\n\t\tmax_concurrency 256"

// newOverheadRig boots the emulator (fast mode) seeded with users, the
// identity provider and Caddy with overheadCaddyfile.
func newOverheadRig(tb testing.TB, users int) *overheadRig {
	tb.Helper()
	emu := genesystest.New(genesystest.Config{
		ClientID: harness.ClientID, ClientSecret: harness.ClientSecret, Fast: true,
		Skills:    []string{"Billing", "Payments", "Support"},
		Languages: []string{"English", "Spanish"},
		Queues:    []string{"Billing", "Spanish Support", "General Support"},
	})
	apiURL, err := emu.Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(emu.Close)
	seedUsers(tb, emu, users)
	p, err := idptest.New()
	if err != nil {
		tb.Fatal(err)
	}
	jwksURL, err := p.Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)

	dir := tb.TempDir()
	r := &overheadRig{Emu: emu, logFile: filepath.Join(dir, "caddy.log"),
		Token: longToken(p, "scim_provisioner")}
	floorToken := emu.Token()
	r.secrets = []string{r.Token, floorToken, harness.ClientSecret}
	tb.Setenv("LOAD_GENESYS_SECRET", harness.ClientSecret)
	tb.Setenv("LOAD_FLOOR_TOKEN", floorToken)
	scimSite, floorSite := "http://"+freeAddr(tb), "http://"+freeAddr(tb)
	r.SCIMURL = scimSite + "/scim/v2/Users?count=100"
	r.FloorURL = floorSite + "/api/v2/users?pageSize=100"
	cfg := fmt.Sprintf(overheadCaddyfile, filepath.Join(dir, "storage"), r.logFile, scimSite, floorSite,
		apiURL, harness.ClientID, jwksURL, p.Issuer(), harness.Audience, unpaced, harness.DefaultGroups)
	loadCaddy(tb, cfg, scimSite, floorSite)
	tb.Cleanup(r.checkLog(tb))
	return r
}

// checkLog returns the cleanup that fails the test if a secret reached
// Caddy's log or the emulator saw a request the real API refuses. It runs
// after caddy.Stop (cleanups run last-registered first).
func (r *overheadRig) checkLog(tb testing.TB) func() {
	return func() {
		if rj := r.Emu.Rejections(); len(rj) > 0 {
			tb.Errorf("the emulator rejected %d requests the real API would refuse, first %+v", len(rj), rj[0])
		}
		logged, err := os.ReadFile(r.logFile)
		if err != nil && !os.IsNotExist(err) {
			tb.Error(err)
		}
		for _, s := range r.secrets {
			if bytes.Contains(logged, []byte(s)) {
				tb.Errorf("a secret (%d bytes) appears in Caddy's log", len(s))
			}
		}
	}
}

// loadCaddy adapts and loads a Caddyfile, waits until every site listens,
// and stops Caddy at cleanup.
func loadCaddy(tb testing.TB, caddyfile string, sites ...string) {
	tb.Helper()
	cfgJSON, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		tb.Fatalf("adapting: %v\n%s", err, caddyfile)
	}
	if err := caddy.Load(cfgJSON, true); err != nil {
		tb.Fatalf("loading caddy: %v", err)
	}
	tb.Cleanup(func() {
		if err := caddy.Stop(); err != nil {
			tb.Logf("stopping caddy: %v", err)
		}
	})
	for _, site := range sites {
		waitListening(tb, strings.TrimPrefix(site, "http://"))
	}
}

// waitListening waits (at most 5 s) until addr accepts connections.
func waitListening(tb testing.TB, addr string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("caddy did not start listening on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freeAddr returns a free 127.0.0.1 address (harness.FreePort needs a
// *testing.T; the benchmark has a *testing.B).
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// seedUsers creates n users directly in the emulator.
func seedUsers(tb testing.TB, emu *genesystest.Emulator, n int) {
	tb.Helper()
	for i := range n {
		if _, err := emu.SeedUser(genesystest.UserSeed{
			Name: fmt.Sprintf("Seed User %04d", i), Email: fmt.Sprintf("seed.%04d@example.com", i),
			Title: "Agent", Department: "Support",
		}); err != nil {
			tb.Fatal(err)
		}
	}
}

// tokenLifetime outlives the longest scenario (the default is 10 minutes).
const tokenLifetime = 2 * time.Hour

// longToken mints a caller token with roles that outlives the run.
func longToken(p *idptest.IdP, roles ...string) string {
	now := time.Now()
	return p.Mint(idptest.Claims{Subject: "load@test", Audience: []string{harness.Audience}, Roles: roles,
		IssuedAt: now, ExpiresAt: now.Add(tokenLifetime)})
}
