package integration

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/idptest"
)

const createBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"auth.probe@example.com","name":{"givenName":"Auth","familyName":"Probe"}}`

// TestAuthRefusals: every way of not being a valid caller gets 401 with the
// right RFC 6750 challenge and changes nothing upstream.
func TestAuthRefusals(t *testing.T) {
	s := harness.New(t, harness.Options{})
	now := time.Now()
	valid := idptest.Claims{Subject: "x", Audience: []string{harness.Audience}, Roles: []string{"scim_provisioner"}}
	mint := func(c idptest.Claims, opts ...idptest.MintOption) string { return s.IdP.Mint(c, opts...) }
	with := func(f func(*idptest.Claims)) idptest.Claims { c := valid; f(&c); return c }

	noToken := `Bearer realm="scim"`
	invalid := `Bearer error="invalid_token"`
	for _, tc := range []struct {
		name      string
		header    string // the whole Authorization header; "" sends none
		challenge string
	}{
		{"no header", "", noToken},
		{"basic auth", "Basic c2NpbTpzZWNyZXQ=", noToken},
		{"empty bearer", "Bearer ", noToken},
		{"no scheme", mint(valid), noToken},
		{"garbage", "Bearer not.a.jwt", invalid},
		{"alg none", "Bearer " + mint(valid, idptest.WithAlgNone()), invalid},
		{"HS256 with the RSA public key as secret", "Bearer " + mint(valid, idptest.WithHS256PublicKeyPEM()), invalid},
		{"HS256 with the DER public key as secret", "Bearer " + mint(valid, idptest.WithHS256PublicKeyDER()), invalid},
		{"expired", "Bearer " + mint(with(func(c *idptest.Claims) { c.ExpiresAt = now.Add(-time.Hour); c.IssuedAt = now.Add(-2 * time.Hour) })), invalid},
		{"not yet valid", "Bearer " + mint(with(func(c *idptest.Claims) { c.NotBefore = now.Add(time.Hour) })), invalid},
		{"wrong issuer", "Bearer " + mint(with(func(c *idptest.Claims) { c.Issuer = "https://evil.example.com" })), invalid},
		{"wrong audience", "Bearer " + mint(with(func(c *idptest.Claims) { c.Audience = []string{"another-app"} })), invalid},
		{"tampered payload", "Bearer " + mint(valid, idptest.WithTamperedPayload()), invalid},
		{"unknown kid", "Bearer " + mint(valid, idptest.WithUnknownKid()), invalid},
		{"key not in the JWKS", "Bearer " + mint(valid, idptest.WithForeignKey()), invalid},
		{"missing kid", "Bearer " + mint(valid, idptest.WithoutKid()), invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.header != "" {
				hdr = append(hdr, "Authorization: "+tc.header)
			}
			r := s.Do(http.MethodPost, "/Users", "", createBody, hdr...)
			r.ExpectSCIMError(t, http.StatusUnauthorized, "")
			if got := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, tc.challenge) {
				t.Fatalf("WWW-Authenticate %q, want prefix %q", got, tc.challenge)
			}
		})
	}
	if n := len(s.Emu.Requests()); n != 0 {
		t.Fatalf("refused callers caused %d upstream requests: %+v", n, s.Emu.Requests())
	}
	if len(s.Emu.Users()) != 0 {
		t.Fatal("a refused caller created a user")
	}
	// Each refusal is audited, without the token.
	fails := 0
	for _, e := range s.AuditEntries() {
		if e["event"] == "SCIM_AUTH_FAIL" {
			fails++
			if e["outcome"] != "denied" || e["status"] != float64(401) {
				t.Fatalf("auth failure entry %v", e)
			}
		}
	}
	if fails < 16 {
		t.Fatalf("%d SCIM_AUTH_FAIL entries, want one per refusal (16)", fails)
	}
}

// TestRoles: allow roles do everything, read roles only read, others nothing.
func TestRoles(t *testing.T) {
	s := harness.New(t, harness.Options{})
	reader, nobody := s.Token("scim_auditor"), s.Token("marketing")

	s.Do(http.MethodGet, "/Users", reader, nil).Expect(t, http.StatusOK)
	s.Do(http.MethodPost, "/Users", reader, createBody).ExpectSCIMError(t, http.StatusForbidden, "")
	s.Do(http.MethodGet, "/Users", nobody, nil).ExpectSCIMError(t, http.StatusForbidden, "")
	s.Do(http.MethodGet, "/ServiceProviderConfig", nobody, nil).ExpectSCIMError(t, http.StatusForbidden, "")
	s.Do(http.MethodGet, "/ServiceProviderConfig", reader, nil).Expect(t, http.StatusOK)
	if len(s.Emu.Users()) != 0 {
		t.Fatal("a denied caller created a user")
	}
	s.Do(http.MethodPost, "/Users", s.Writer(), createBody).Expect(t, http.StatusCreated)

	// Role claim shapes: a space-separated string under "scp", a nested path.
	scp := s.IdP.Mint(idptest.Claims{Subject: "x", Audience: []string{harness.Audience},
		Extra: map[string]any{"scp": "openid scim_provisioner"}})
	s.Do(http.MethodGet, "/Users", scp, nil).Expect(t, http.StatusOK)
	// A roles string is one role name, not a list: "IT admin (read only)"
	// does not grant the write role admin (only scope claims are split).
	phrase := s.IdP.Mint(idptest.Claims{Subject: "provisioner@test", Audience: []string{harness.Audience},
		Extra: map[string]any{"roles": "IT admin (read only)"}})
	s.Do(http.MethodPost, "/Users", phrase, createBody).ExpectSCIMError(t, http.StatusForbidden, "")
	denied := 0
	for _, e := range s.AuditEntries() {
		if e["event"] == "SCIM_RBAC_DENY" {
			denied++
			if e["actor"] != "provisioner@test" || e["client_ip"] == nil {
				t.Fatalf("RBAC entry without actor or client_ip: %v", e)
			}
		}
	}
	if denied != 4 {
		t.Fatalf("%d SCIM_RBAC_DENY entries, want 4", denied)
	}
}

// TestKeyRotationAndKidFlood: a rotated key is picked up without a restart,
// and a flood of unknown kids causes at most a couple of JWKS fetches.
func TestKeyRotationAndKidFlood(t *testing.T) {
	s := harness.New(t, harness.Options{})
	s.Do(http.MethodGet, "/Users", s.Writer(), nil).Expect(t, http.StatusOK)

	before := s.IdP.Fetches()
	stray := s.IdP.Mint(idptest.Claims{Subject: "x", Audience: []string{harness.Audience}, Roles: []string{"scim_provisioner"}}, idptest.WithUnknownKid())
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	sem := make(chan struct{}, 32)
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			req, _ := http.NewRequest(http.MethodGet, s.Base+"/Users", nil)
			req.Header.Set("Authorization", "Bearer "+stray)
			resp, err := s.Client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[http.StatusUnauthorized] != 1000 {
		t.Fatalf("unknown-kid flood answered %v, want 1000 x 401", statuses)
	}
	if n := s.IdP.Fetches() - before; n > 2 {
		t.Fatalf("1,000 unknown-kid requests caused %d JWKS fetches, want at most 2", n)
	}

	// Rotation: tokens signed with the new key work once the cooldown allows
	// a refresh (at most 10 s), without a restart.
	if err := s.IdP.Rotate(); err != nil {
		t.Fatal(err)
	}
	fresh := s.Writer()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := s.Do(http.MethodGet, "/Users", fresh, nil)
		if r.Status == http.StatusOK {
			break
		}
		if r.Status != http.StatusUnauthorized || time.Now().After(deadline) {
			t.Fatalf("after rotation: %d %s", r.Status, r.Raw)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestJWKSDownAtStart: no keys ever fetched -> 503 (not 401), quickly; the
// gateway recovers by itself once the identity provider is back.
func TestJWKSDownAtStart(t *testing.T) {
	s := harness.New(t, harness.Options{IdPDown: true})
	start := time.Now()
	r := s.Do(http.MethodGet, "/Users", s.Writer(), nil)
	r.ExpectSCIMError(t, http.StatusServiceUnavailable, "")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if d := time.Since(start); d > 11*time.Second {
		t.Fatalf("503 took %v, want within the 10 s fetch timeout", d)
	}
	s.IdP.SetDown(false)
	deadline := time.Now().Add(25 * time.Second)
	for {
		r := s.Do(http.MethodGet, "/Users", s.Writer(), nil)
		if r.Status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("did not recover: %d %s", r.Status, r.Raw)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestJWKSHangingAtStart: a JWKS endpoint that hangs still gives 503 within
// the fetch timeout.
func TestJWKSHangingAtStart(t *testing.T) {
	s := harness.New(t, harness.Options{})
	s.IdP.SetHang(true)
	defer s.IdP.SetHang(false)
	start := time.Now()
	r := s.Do(http.MethodGet, "/Users", s.Writer(), nil)
	r.ExpectSCIMError(t, http.StatusServiceUnavailable, "")
	if d := time.Since(start); d > 11*time.Second {
		t.Fatalf("503 took %v, want within the 10 s fetch timeout", d)
	}
}
