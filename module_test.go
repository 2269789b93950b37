package caddyscim

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tls     bool
		trusted bool
		headers map[string]string
		want    string
	}{
		{"plain", false, false, nil, "http://gw.example.com/scim/v2"},
		{"tls", true, false, nil, "https://gw.example.com/scim/v2"},
		{"forwarded but untrusted", false, false,
			map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example.com"}, "http://gw.example.com/scim/v2"},
		{"forwarded by a trusted proxy", false, true,
			map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "scim.example.com, inner"}, "https://scim.example.com/scim/v2"},
		{"trusted but junk", false, true,
			map[string]string{"X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "a/b@c"}, "http://gw.example.com/scim/v2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://gw.example.com/scim/v2/Users", nil)
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			vars := map[string]any{caddyhttp.TrustedProxyVarKey: tc.trusted}
			r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, vars))
			if got := baseURL(r, "/scim/v2"); got != tc.want {
				t.Fatalf("baseURL = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestValidateMakesNoNetworkCalls: `caddy validate` provisions and cleans
// up the module. Provision must make no network call (the JWKS and Genesys
// servers here count every request) and Cleanup must release the pooled
// client and verifier.
func TestValidateMakesNoNetworkCalls(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer srv.Close()
	t.Setenv("SCIM_TEST_SECRET", "s3cret")
	cfg := fmt.Sprintf(`{"apps":{"http":{"servers":{"s":{"listen":["127.0.0.1:0"],"routes":[{"handle":[
		{"handler":"scim_genesys","api_url":%q,"client_id":"id","client_secret":"{env.SCIM_TEST_SECRET}",
		 "jwks_url":%q,"groups":[{"name":"g","queues":["q"]}]}]}]}}}}}`, srv.URL, srv.URL+"/jwks")
	var parsed caddy.Config
	if err := json.Unmarshal([]byte(cfg), &parsed); err != nil {
		t.Fatal(err)
	}
	if err := caddy.Validate(&parsed); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("provisioning made %d network calls", n)
	}
	for name, pool := range map[string]*caddy.UsagePool{"upstreams": upstreams, "verifiers": verifiers} {
		pool.Range(func(k, _ any) bool {
			t.Errorf("%s pool still holds %v after Cleanup", name, k)
			return true
		})
	}
}

// TestProvisionErrorsRedactSecrets: an unresolved secret fails Provision
// without echoing anything, and Cleanup after it is safe.
func TestProvisionErrorsRedactSecrets(t *testing.T) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	h := &Handler{APIURL: "http://127.0.0.1:1", ClientID: "id", ClientSecret: "{env.SCIM_UNSET_SECRET}", JWKSURL: "http://x/jwks"}
	err := h.Provision(ctx)
	if err == nil || !strings.Contains(err.Error(), "client_secret") || !strings.Contains(err.Error(), "redacted") {
		t.Fatalf("Provision error %v", err)
	}
	if err := h.Cleanup(); err != nil {
		t.Fatalf("Cleanup after a failed Provision: %v", err)
	}
}
