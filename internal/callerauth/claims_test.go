package callerauth

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// checkClaimsOn runs the claim checks on a hand-written payload: shapes the
// IdP cannot mint (duplicates, wrong JSON types).
func checkClaimsOn(t *testing.T, cfg func(*Config), payload string) (*Principal, error) {
	t.Helper()
	c := Config{JWKSURL: "https://idp.example/jwks", Issuer: "https://idp.example"}
	if cfg != nil {
		cfg(&c)
	}
	v, err := NewVerifier(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v.checkClaims(payload)
}

func TestClaimShapes(t *testing.T) {
	exp := time.Now().Add(time.Hour).Unix()
	for _, tc := range []struct {
		name, payload, reason string
	}{
		{"valid", `{"iss":"https://idp.example","exp":%d}`, ""},
		{"fractional exp", `{"iss":"https://idp.example","exp":%d.5}`, ""},
		{"duplicate exp", `{"iss":"https://idp.example","exp":%d,"exp":1}`, reasonClaims},
		{"duplicate iss", `{"iss":"https://evil.example","iss":"https://idp.example","exp":%d}`, reasonClaims},
		{"numeric iss", `{"iss":1,"exp":%d}`, reasonClaims},
		{"numeric sub", `{"iss":"https://idp.example","sub":7,"exp":%d}`, reasonClaims},
		{"object aud", `{"iss":"https://idp.example","aud":{},"exp":%d}`, reasonClaims},
		{"string nbf", `{"iss":"https://idp.example","nbf":"0","exp":%d}`, reasonClaims},
		{"not an object", `[%d]`, reasonClaims},
		{"trailing data", `{"iss":"https://idp.example","exp":%d} {}`, reasonClaims},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := checkClaimsOn(t, nil, fmt.Sprintf(tc.payload, exp))
			if got := reasonOf(err); got != tc.reason || (tc.reason == "" && err != nil) {
				t.Fatalf("err = %v, want reason %q", err, tc.reason)
			}
		})
	}
}

func TestRoleClaimShapes(t *testing.T) {
	exp := time.Now().Add(time.Hour).Unix()
	for _, tc := range []struct {
		name, roleClaim, claims string
		want                    []string
	}{
		{"roles array", "", `"roles":["scim_provisioner","admin"]`, []string{"scim_provisioner", "admin"}},
		{"roles string", "", `"roles":"admin"`, []string{"admin"}},
		{"roles string with spaces is one role", "", `"roles":"IT admin (read only)"`, []string{"IT admin (read only)"}},
		{"empty roles falls to role", "", `"roles":[],"role":"reader"`, []string{"reader"}},
		{"null roles and empty role fall to scp", "", `"roles":null,"role":"","scp":"scim.read scim.write"`, []string{"scim.read", "scim.write"}},
		{"scp array (Okta)", "", `"scp":["scim.read"]`, []string{"scim.read"}},
		{"roles wins over scp", "", `"roles":["admin"],"scp":"x"`, []string{"admin"}},
		{"non-strings ignored", "", `"roles":["admin",1,"",null,{"a":1}]`, []string{"admin"}},
		{"none", "", `"groups":["admin"]`, nil},
		{"nested path (Keycloak)", "realm_access.roles", `"realm_access":{"roles":["admin","offline_access"]},"roles":["ignored"]`, []string{"admin", "offline_access"}},
		{"custom string claim is one role", "groups", `"groups":"admin reader"`, []string{"admin reader"}},
		{"custom scope claim is split", "scope", `"scope":"admin reader"`, []string{"admin", "reader"}},
		{"nested scp is split", "ext.scp", `"ext":{"scp":"a b"}`, []string{"a", "b"}},
		{"custom claim absent: no fallback", "groups", `"roles":["admin"]`, nil},
		{"escaped dotted name (Auth0)", `https://example\.com/roles`, `"https://example.com/roles":["admin"]`, []string{"admin"}},
		{"numeric claim", "level", `"level":3`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, err := checkClaimsOn(t, func(c *Config) { c.RoleClaim = tc.roleClaim },
				fmt.Sprintf(`{"iss":"https://idp.example","sub":"s","exp":%d,%s}`, exp, tc.claims))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pr.Roles, tc.want) {
				t.Fatalf("roles = %q, want %q", pr.Roles, tc.want)
			}
		})
	}
}
