// Package harness boots the whole system for black-box tests: the Genesys
// Cloud emulator, the test identity provider and a real Caddy serving
// scim_genesys against both, loaded from a Caddyfile. Caddy is
// process-global, so one test package runs one Stack at a time (never in
// parallel); separate test packages run in separate processes.
//
// Every Stack is also a log-hygiene check: it remembers each token, password
// and client secret the test sent and fails the test if any appears in what
// Caddy logged (debug level, access logs, audit).
package harness

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/caddyscim/caddyscim"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/idptest"
)

// Caddy is process-global: the tests in this package boot one Caddy at a
// time and never run in parallel.

const (
	ClientID     = "scim-gateway"
	ClientSecret = "s3cr3t+/=with-symbols"
	Audience     = "scim-gateway"
)

// Stack is one running system: the Genesys emulator, the identity provider
// and a real Caddy serving scim_genesys against both.
type Stack struct {
	T           testing.TB
	Emu         *genesystest.Emulator
	APIURL      string
	IdP         *idptest.IdP
	JWKSURL     string
	Site        string // http://127.0.0.1:port
	Base        string // site + /scim/v2
	LogFile     string // everything Caddy logged (debug level, JSON)
	Storage     string
	CaddyConfig string
	Client      *http.Client

	// secrets are every token, password and client secret this test sent;
	// none may appear in anything Caddy logged (issue 8 hygiene).
	secretsMu sync.Mutex
	secrets   map[string]bool

	reloadedAt time.Time // last Load, for Do's retry around a reload
}

type Options struct {
	Emulator genesystest.Config // ClientID/Secret and seeds default when empty
	Extra    string             // more scim_genesys options, one per line
	// IdPDown makes the JWKS answer 503 from the start.
	IdPDown bool
	// Groups replaces DefaultGroups when set (the group blocks to map).
	Groups string
}

// DefaultGroups are the group blocks every stack maps; the seeds match.
const DefaultGroups = `
		group "CC Billing" {
			skills "Billing:4" "Payments"
			languages "English:5"
			queues "Billing"
		}
		group "CC Spanish" {
			skills "Support:2"
			languages "Spanish:4" "English:2"
			queues "Spanish Support" "General Support"
		}`

func New(t testing.TB, o Options) *Stack {
	t.Helper()
	cfg := o.Emulator
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = ClientID, ClientSecret
	}
	if cfg.Skills == nil {
		cfg.Skills = []string{"Billing", "Payments", "Support", "Escalations"}
		cfg.Languages = []string{"English", "Spanish"}
		cfg.Queues = []string{"Billing", "Spanish Support", "General Support", "Escalations"}
	}
	s := &Stack{T: t, Emu: genesystest.New(cfg), Client: &http.Client{Timeout: 60 * time.Second},
		secrets: map[string]bool{}}
	s.Remember(cfg.ClientSecret)
	// Registered first, so it runs last: after Caddy stopped and flushed.
	t.Cleanup(s.checkLogHygiene)
	var err error
	if s.APIURL, err = s.Emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Emu.Close)
	if s.IdP, err = idptest.New(); err != nil {
		t.Fatal(err)
	}
	if s.JWKSURL, err = s.IdP.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.IdP.Close)
	if o.IdPDown {
		s.IdP.SetDown(true)
	}
	dir := t.TempDir()
	s.LogFile = filepath.Join(dir, "caddy.log")
	s.Storage = filepath.Join(dir, "storage")
	port := FreePort(t)
	s.Site = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.Base = s.Site + "/scim/v2"
	t.Setenv("TEST_GENESYS_SECRET", cfg.ClientSecret)
	s.CaddyConfig = Caddyfile(Site{Storage: s.Storage, LogFile: s.LogFile, Address: s.Site,
		APIURL: s.APIURL, ClientID: cfg.ClientID, JWKSURL: s.JWKSURL, Issuer: s.IdP.Issuer(),
		Options: "read_roles scim_auditor\n" + cmp.Or(o.Groups, DefaultGroups) + "\n" + o.Extra})
	s.Load(s.CaddyConfig)
	t.Cleanup(func() {
		if err := caddy.Stop(); err != nil {
			t.Logf("stopping caddy: %v", err)
		}
	})
	return s
}

// Site describes one Caddy configured by Caddyfile.
type Site struct {
	Storage, LogFile string // storage folder; the file everything is logged to
	Address          string // e.g. http://127.0.0.1:port
	APIURL, ClientID string // the Genesys emulator (the secret is {env.TEST_GENESYS_SECRET})
	JWKSURL, Issuer  string
	Options          string // more scim_genesys options, one per line
}

// Caddyfile is the configuration every test Caddy runs: admin off, its own
// storage, everything logged as JSON at debug level with access logs on (for
// the log-hygiene check), scim_genesys against the emulator and the test
// issuer, and Caddy's metrics handler at /metrics. Processes started from
// the bundled binary use it too.
func Caddyfile(c Site) string {
	return fmt.Sprintf(`{
	admin off
	persist_config off
	storage file_system %[1]s
	log {
		output file %[2]s
		format json
		level DEBUG
	}
}
%[3]s {
	log
	scim_genesys {
		api_url %[4]s
		client_id %[5]s
		client_secret {env.TEST_GENESYS_SECRET}
		jwks_url %[6]s
		issuer %[7]s
		audience %[8]s
		max_retry_wait 5s
		%[9]s
	}
	metrics /metrics
}
`, c.Storage, c.LogFile, c.Address, c.APIURL, c.ClientID, c.JWKSURL, c.Issuer, Audience, c.Options)
}

// Load adapts a Caddyfile and (re)loads Caddy with it.
func (s *Stack) Load(caddyfile string) {
	s.T.Helper()
	cfgJSON, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		s.T.Fatalf("adapting: %v\n%s", err, caddyfile)
	}
	if err := caddy.Load(cfgJSON, true); err != nil {
		s.T.Fatalf("loading caddy: %v", err)
	}
	// Keep-alive connections belong to the previous server, which is
	// shutting down: start afresh as a real client would after a reload.
	if s.Client != nil {
		s.Client.CloseIdleConnections()
	}
	s.reloadedAt = time.Now()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.Site, "http://"), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.T.Fatalf("caddy did not start listening on %s: %v", s.Site, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Restart stops Caddy and starts it again with the same configuration: the
// state pooled across reloads (tokens, caches) is gone, as after a process
// restart; storage stays.
func (s *Stack) Restart() {
	s.T.Helper()
	if err := caddy.Stop(); err != nil {
		s.T.Fatal(err)
	}
	s.Load(s.CaddyConfig)
}

// Eventually polls cond until it holds, failing the test with what after
// the timeout: for what the gateway completes in the background (the
// outbox, routing that follows membership).
func Eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Token mints a valid token with the given roles.
func (s *Stack) Token(roles ...string) string {
	return s.IdP.Mint(idptest.Claims{Subject: "provisioner@test", Audience: []string{Audience}, Roles: roles})
}

// Writer is a token allowed to do everything.
func (s *Stack) Writer() string { return s.Token("scim_provisioner") }

// Response is an answer with its body decoded when it is JSON.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// Do sends a request to the gateway. path is below base_path; body may be a
// string or anything JSON-encodable; headers are "Name: value".
func (s *Stack) Do(method, path, token string, body any, headers ...string) Response {
	s.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.T.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = s.Base + path
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, rd)
	if err != nil {
		s.T.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	s.rememberSent(req.Header.Get("Authorization"), body)
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	s.rememberSent(req.Header.Get("Authorization"), nil)
	resp, err := s.Client.Do(req)
	if err != nil && time.Since(s.reloadedAt) < 2*time.Second && (rd == nil || req.GetBody != nil) {
		// During a reload the previous server may accept a connection and
		// close it as it stops (Caddy's behaviour, not the gateway's); a
		// client retries that once.
		retry := req.Clone(req.Context())
		if req.GetBody != nil {
			retry.Body, _ = req.GetBody()
		}
		resp, err = s.Client.Do(retry)
	}
	if err != nil {
		s.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.T.Fatal(err)
	}
	r := Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			s.T.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

// Expect fails the test unless r has the status.
func (r Response) Expect(t *testing.T, status int) Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Raw)
	}
	return r
}

// ExpectSCIMError checks an RFC 7644 §3.12 error body.
func (r Response) ExpectSCIMError(t *testing.T, status int, scimType string) Response {
	t.Helper()
	r.Expect(t, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		t.Fatalf("error Content-Type %q", ct)
	}
	if s, _ := r.Body["status"].(string); s != fmt.Sprint(status) {
		t.Fatalf("error status field %#v, want the string %q; body %s", r.Body["status"], fmt.Sprint(status), r.Raw)
	}
	schemas, _ := r.Body["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Fatalf("error schemas %v", r.Body["schemas"])
	}
	if got, _ := r.Body["scimType"].(string); got != scimType {
		t.Fatalf("scimType %q, want %q; body %s", got, scimType, r.Raw)
	}
	if d, _ := r.Body["detail"].(string); d == "" {
		t.Fatalf("error without detail: %s", r.Raw)
	}
	return r
}

// Str reads a string at a dotted path of a decoded body.
func Str(m map[string]any, path string) string {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[k]
	}
	s, _ := cur.(string)
	return s
}

// NoRejections fails if the emulator saw a request the real API would refuse.
func (s *Stack) NoRejections() {
	s.T.Helper()
	if rj := s.Emu.Rejections(); len(rj) > 0 {
		s.T.Fatalf("the emulator rejected %d requests the real API would refuse: %+v", len(rj), rj)
	}
}

// Logged returns everything Caddy logged so far.
func (s *Stack) Logged() []byte {
	b, err := os.ReadFile(s.LogFile)
	if err != nil && !os.IsNotExist(err) {
		s.T.Fatal(err)
	}
	return b
}

// AuditEntries returns the audit entries logged so far.
func (s *Stack) AuditEntries() []map[string]any {
	var out []map[string]any
	for _, line := range bytes.Split(s.Logged(), []byte("\n")) {
		if !bytes.Contains(line, []byte(`"http.handlers.scim_genesys.audit"`)) {
			continue
		}
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func (s *Stack) Remember(secret string) {
	if len(secret) < 8 { // too short to scan for without false alarms
		return
	}
	s.secretsMu.Lock()
	s.secrets[secret] = true
	s.secretsMu.Unlock()
}

// rememberSent records the credential of an Authorization header and any
// password in a JSON body.
func (s *Stack) rememberSent(authorization string, body any) {
	if _, cred, ok := strings.Cut(authorization, " "); ok {
		s.Remember(strings.TrimSpace(cred))
	} else {
		s.Remember(authorization)
	}
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	case nil:
		return
	default:
		raw, _ = json.Marshal(b)
	}
	for _, m := range passwordRE.FindAllSubmatch(raw, -1) {
		s.Remember(string(m[1]))
	}
}

var passwordRE = regexp.MustCompile(`(?i)"password"\s*:\s*"([^"]+)"`)

// checkLogHygiene scans every byte Caddy logged (debug level, access logs,
// audit, errors) for the secrets this test sent.
func (s *Stack) checkLogHygiene() {
	logged := s.Logged()
	if len(logged) == 0 {
		return
	}
	s.secretsMu.Lock()
	defer s.secretsMu.Unlock()
	for secret := range s.secrets {
		if bytes.Contains(logged, []byte(secret)) {
			s.T.Errorf("a secret this test sent (%d bytes, starting %q) appears in Caddy's log", len(secret), secret[:4])
		}
	}
}
