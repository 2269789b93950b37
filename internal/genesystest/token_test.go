package genesystest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func (v *env) tokenRequest(auth, contentType, body string) response {
	v.t.Helper()
	req, err := http.NewRequest("POST", v.url+"/oauth/token", strings.NewReader(body))
	if err != nil {
		v.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return v.do(req)
}

func TestTokenRules(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	good := basic(clientID, clientSecret)
	tests := []struct {
		name        string
		auth, ctype string
		body        string
		status      int
		errCode     string
		rejected    bool
	}{
		{"basic ok", good, form, "grant_type=client_credentials", 200, "", false},
		{"credentials in body", "", form, "grant_type=client_credentials&client_id=" + clientID + "&client_secret=" + url.QueryEscape(clientSecret), 400, "invalid_request", true},
		{"basic plus body credentials", good, form, "grant_type=client_credentials&client_id=" + clientID, 400, "invalid_request", true},
		{"no credentials", "", form, "grant_type=client_credentials", 400, "invalid_request", true},
		{"wrong grant", good, form, "grant_type=password", 400, "invalid_request", true},
		{"json body", good, "application/json", `{"grant_type":"client_credentials"}`, 400, "invalid_request", true},
		{"wrong secret", basic(clientID, "nope"), form, "grant_type=client_credentials", 401, "invalid_client", false},
		// x/oauth2 URL-encodes inside the Basic header; the SDKs send raw.
		{"url-encoded secret", basic(clientID, url.QueryEscape(clientSecret)), form, "grant_type=client_credentials", 401, "invalid_client", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newEnv(t, genesystest.Config{TokenTTL: time.Hour})
			r := v.tokenRequest(tc.auth, tc.ctype, tc.body)
			mustStatus(t, r, tc.status)
			var body map[string]any
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatal(err)
			}
			if tc.status == 200 {
				if body["token_type"] != "bearer" || body["expires_in"] != float64(3600) || body["access_token"] == "" {
					t.Fatalf("token body %s", r.body)
				}
				// The token works for an API call.
				v.tok = body["access_token"].(string)
				mustStatus(t, v.call("GET", "/api/v2/users", nil), 200)
			} else if body["error"] != tc.errCode {
				t.Fatalf("error %v, want %s", body["error"], tc.errCode)
			}
			if got := v.rejections() > 0; got != tc.rejected {
				t.Fatalf("rejected=%v, want %v", got, tc.rejected)
			}
		})
	}
}

func TestTokenBearerChecks(t *testing.T) {
	v := newEnv(t, genesystest.Config{TokenTTL: time.Hour})
	tests := []struct {
		name     string
		auth     string
		status   int
		rejected bool
	}{
		{"bearer", "Bearer " + v.tok, 200, false},
		{"scheme case-insensitive", "bEaReR " + v.tok, 200, false},
		{"missing", "", 401, true},
		{"basic scheme", basic(clientID, clientSecret), 401, true},
		{"unknown token", "Bearer not-a-token", 401, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := v.rejections()
			r := v.send("GET", "/api/v2/users", nil, tc.auth)
			mustStatus(t, r, tc.status)
			if tc.status == 401 && r.code() != "bad.credentials" {
				t.Fatalf("code %q", r.code())
			}
			if got := v.rejections() > before; got != tc.rejected {
				t.Fatalf("rejected=%v, want %v", got, tc.rejected)
			}
		})
	}
}

func TestTokenExpiryAndRevocation(t *testing.T) {
	v := newEnv(t, genesystest.Config{TokenTTL: time.Hour})
	mustStatus(t, v.call("GET", "/api/v2/users", nil), 200)
	v.clock.Advance(time.Hour)
	mustStatus(t, v.call("GET", "/api/v2/users", nil), 401)

	v.tok = v.emu.Token()
	mustStatus(t, v.call("GET", "/api/v2/users", nil), 200)
	v.emu.RevokeTokens()
	mustStatus(t, v.call("GET", "/api/v2/users", nil), 401)
	r := v.tokenRequest(basic(clientID, clientSecret), "application/x-www-form-urlencoded", "grant_type=client_credentials")
	mustStatus(t, r, 200)
	v.tok = r.json(t)["access_token"].(string)
	mustStatus(t, v.call("GET", "/api/v2/users", nil), 200)
}
