package integration

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// TestGatewayCredentialsRefused: Genesys refusing the gateway's own client
// credentials is a 502 for the caller (its token was fine), never a 401, and
// the audit says why.
func TestGatewayCredentialsRefused(t *testing.T) {
	s := harness.New(t, harness.Options{Emulator: genesystest.Config{ClientID: harness.ClientID, ClientSecret: "the-real-secret"}})
	// The stack was configured with the emulator's secret; load a wrong one.
	s.Load(strings.Replace(s.CaddyConfig, "client_secret {env.TEST_GENESYS_SECRET}", "client_secret not-the-secret", 1))
	r := s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"x@example.com"}`)
	r.ExpectSCIMError(t, http.StatusBadGateway, "")
	if strings.Contains(string(r.Raw), "not-the-secret") || strings.Contains(string(r.Raw), s.APIURL) {
		t.Fatalf("the error leaks configuration: %s", r.Raw)
	}
	found := false
	for _, e := range s.AuditEntries() {
		if e["event"] == "SCIM_USER_CREATE_ERROR" && strings.Contains(strings.ToLower(e["error"].(string)), "credential") {
			found = true
		}
	}
	if !found {
		t.Fatal("no SCIM_USER_CREATE_ERROR entry saying the credentials were refused")
	}
	s.Remember("not-the-secret")
}

// TestRateLimitBeyondBudgetReachesCaller: a Retry-After longer than
// max_retry_wait is answered 429 with Retry-After at once.
func TestRateLimitBeyondBudgetReachesCaller(t *testing.T) {
	s := harness.New(t, harness.Options{})
	s.Emu.SetFaults(genesystest.Faults{Rate429: 1, RetryAfter: 120})
	start := time.Now()
	r := s.Do(http.MethodGet, "/Users", s.Writer(), nil)
	r.ExpectSCIMError(t, http.StatusTooManyRequests, "")
	ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || ra < 60 || ra > 120 {
		t.Fatalf("Retry-After %q, want the upstream's wait (about 120 s)", r.Header.Get("Retry-After"))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("answered after %v: it waited instead of answering at once", d)
	}
}

// TestGenesysDown: an outage is a 503 SCIM error with Retry-After, within
// the retry budget, and nothing is created twice when it comes back.
func TestGenesysDown(t *testing.T) {
	s := harness.New(t, harness.Options{Extra: "timeout 2s\n max_retries 1"})
	s.Emu.SetDown(true)
	r := s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"down@example.com"}`)
	r.ExpectSCIMError(t, http.StatusServiceUnavailable, "")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	s.Emu.SetDown(false)
	s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"down@example.com"}`).Expect(t, http.StatusCreated)
	if n := len(s.Emu.Users()); n != 1 {
		t.Fatalf("%d users after the outage, want 1", n)
	}
	s.NoRejections()
}

// TestReloadKeepsStateAndLeaksNothing: reloading with unchanged upstream
// settings keeps the Genesys token (no new token request), and repeated
// reloads do not accumulate goroutines.
func TestReloadKeepsStateAndLeaksNothing(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	s.Do(http.MethodPost, "/Users", w, `{"userName":"reload@example.com","groups":[{"display":"CC Billing"}]}`).Expect(t, http.StatusCreated)
	tokens := s.Emu.TokensIssued()
	lookups := s.Emu.Calls("GET /api/v2/routing/skills")
	base := runtime.NumGoroutine()
	for i := 0; i < 5; i++ {
		// A change outside the upstream settings: the pooled client stays.
		s.Load(strings.Replace(s.CaddyConfig, "read_roles scim_auditor", "read_roles scim_auditor viewer"+strconv.Itoa(i), 1))
		s.Do(http.MethodGet, "/Users", w, nil).Expect(t, http.StatusOK)
	}
	s.Do(http.MethodPost, "/Users", w, `{"userName":"reload2@example.com","groups":[{"display":"CC Billing"}]}`).Expect(t, http.StatusCreated)
	if n := s.Emu.TokensIssued(); n != tokens {
		t.Fatalf("reloads with the same credentials fetched %d new tokens", n-tokens)
	}
	if n := s.Emu.Calls("GET /api/v2/routing/skills"); n != lookups {
		t.Fatalf("reloads dropped the name cache: %d new skill lookups", n-lookups)
	}
	// Old configs' goroutines end after Caddy's grace period.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base+10 {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines grew from %d to %d over 5 reloads", base, runtime.NumGoroutine())
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.NoRejections()
}

// TestReloadWithAnotherAuthorityReadsItsExternalID: the state pooled across
// reloads is keyed by the upstream settings; the external ids it remembers
// are keyed by their authority too, so a reload that changes only
// external_id_authority reads the new authority's id, not the old one's.
func TestReloadWithAnotherAuthorityReadsItsExternalID(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	id := harness.Str(s.Do(http.MethodPost, "/Users", w, `{"userName":"authority@example.com","externalId":"scim-key"}`).
		Expect(t, http.StatusCreated).Body, "id")
	got := s.Do(http.MethodGet, "/Users/"+id, w, nil).Expect(t, http.StatusOK)
	if x := harness.Str(got.Body, "externalId"); x != "scim-key" {
		t.Fatalf("externalId = %q, want scim-key", x)
	}

	// The user holds no key under "hr": after the reload it has none.
	s.Load(strings.Replace(s.CaddyConfig, "read_roles scim_auditor", "read_roles scim_auditor\n\t\texternal_id_authority hr", 1))
	got = s.Do(http.MethodGet, "/Users/"+id, w, nil).Expect(t, http.StatusOK)
	if x := harness.Str(got.Body, "externalId"); x != "" {
		t.Fatalf("after the reload externalId = %q, want none (the user has no key under hr)", x)
	}
	s.Load(s.CaddyConfig)
	got = s.Do(http.MethodGet, "/Users/"+id, w, nil).Expect(t, http.StatusOK)
	if x := harness.Str(got.Body, "externalId"); x != "scim-key" {
		t.Fatalf("back under scim externalId = %q, want scim-key", x)
	}
	s.NoRejections()
}
