package idptest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The helpers below verify tokens with the standard library only, so these
// tests check the IdP against RFC 7515/7518, not against the gateway's verifier.

func startIdP(t *testing.T) (*IdP, string) {
	t.Helper()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, u
}

func get(t *testing.T, url string, timeout time.Duration) (*http.Response, []byte, error) {
	t.Helper()
	c := &http.Client{Timeout: timeout}
	res, err := c.Get(url)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	var body json.RawMessage
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res, body, nil
}

// publishedKeys fetches the JWKS and rebuilds its public keys by kid.
func publishedKeys(t *testing.T, url string) (map[string]crypto.PublicKey, []jwk) {
	t.Helper()
	res, body, err := get(t, url, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("JWKS status %d", res.StatusCode)
	}
	var set struct{ Keys []jwk }
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	keys := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		switch k.Kty {
		case "RSA":
			keys[k.Kid] = &rsa.PublicKey{N: unb64Int(t, k.N), E: int(unb64Int(t, k.E).Int64())}
		case "EC":
			keys[k.Kid] = &ecdsa.PublicKey{Curve: elliptic.P256(), X: unb64Int(t, k.X), Y: unb64Int(t, k.Y)}
		default:
			t.Fatalf("unexpected kty %q", k.Kty)
		}
	}
	return keys, set.Keys
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	return b
}

func unb64Int(t *testing.T, s string) *big.Int { return new(big.Int).SetBytes(unb64(t, s)) }

type decoded struct {
	header, claims map[string]any
	input, sig     []byte
}

func decode(t *testing.T, tok string) decoded {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	d := decoded{input: []byte(parts[0] + "." + parts[1]), sig: unb64(t, parts[2])}
	if err := json.Unmarshal(unb64(t, parts[0]), &d.header); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(unb64(t, parts[1]), &d.claims); err != nil {
		t.Fatal(err)
	}
	return d
}

// verifies reports whether d's signature verifies with key under its header alg.
func verifies(d decoded, key crypto.PublicKey) bool {
	sum := sha256.Sum256(d.input)
	switch k := key.(type) {
	case *rsa.PublicKey:
		return d.header["alg"] == "RS256" && rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], d.sig) == nil
	case *ecdsa.PublicKey:
		if d.header["alg"] != "ES256" || len(d.sig) != 64 {
			return false
		}
		return ecdsa.Verify(k, sum[:], new(big.Int).SetBytes(d.sig[:32]), new(big.Int).SetBytes(d.sig[32:]))
	}
	return false
}

func TestJWKSServedWithCachingAndBothKeyShapes(t *testing.T) {
	p, u := startIdP(t)
	res, _, err := get(t, u, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Header.Get("Cache-Control"); got != "max-age=300" {
		t.Errorf("Cache-Control = %q", got)
	}
	if !strings.HasPrefix(u, p.Issuer()+"/") || !strings.HasPrefix(p.Issuer(), "http://127.0.0.1:") {
		t.Errorf("jwks %q, issuer %q", u, p.Issuer())
	}
	_, set := publishedKeys(t, u)
	rsaKid, ecKid := p.KeyIDs()
	if len(set) != 2 || set[0].Kid != rsaKid || set[1].Kid != ecKid {
		t.Fatalf("JWKS keys %+v, want kids %s %s", set, rsaKid, ecKid)
	}
	if set[0].Alg != "" || set[1].Alg != "ES256" || set[0].Use != "sig" {
		t.Errorf("alg/use: %+v", set)
	}
	if got := p.Fetches(); got != 2 {
		t.Errorf("Fetches() = %d, want 2", got)
	}
}

func TestMintedTokensVerifyWithPublishedKeys(t *testing.T) {
	p, u := startIdP(t)
	keys, _ := publishedKeys(t, u)
	rsaKid, ecKid := p.KeyIDs()
	for _, tc := range []struct {
		name string
		opt  MintOption
		alg  string
		kid  string
	}{
		{"default RS256", WithRSA(), "RS256", rsaKid},
		{"ES256", WithEC(), "ES256", ecKid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now()
			d := decode(t, p.Mint(Claims{Subject: "alice", Roles: []string{"scim_provisioner"}}, tc.opt))
			if d.header["alg"] != tc.alg || d.header["kid"] != tc.kid {
				t.Fatalf("header %v", d.header)
			}
			if !verifies(d, keys[tc.kid]) {
				t.Fatal("signature does not verify with the published key")
			}
			if d.claims["iss"] != p.Issuer() || d.claims["aud"] != DefaultAudience || d.claims["sub"] != "alice" {
				t.Errorf("claims %v", d.claims)
			}
			exp := time.Unix(int64(d.claims["exp"].(float64)), 0)
			if exp.Before(before.Add(DefaultLifetime-time.Second)) || exp.After(time.Now().Add(DefaultLifetime)) {
				t.Errorf("exp %v not about now+%v", exp, DefaultLifetime)
			}
			if _, ok := d.claims["nbf"]; ok {
				t.Error("nbf set by default")
			}
		})
	}
}

func TestClaimsShapes(t *testing.T) {
	p, _ := startIdP(t)
	d := decode(t, p.Mint(Claims{
		Audience:  []string{"a", "b"},
		NotBefore: time.Unix(1000, 0),
		Extra:     map[string]any{"exp": nil, "scp": "x y", "iss": "other"},
	}))
	if aud, ok := d.claims["aud"].([]any); !ok || len(aud) != 2 {
		t.Errorf("aud = %v, want a two-element array", d.claims["aud"])
	}
	if _, ok := d.claims["exp"]; ok {
		t.Error("Extra[exp]=nil kept exp")
	}
	if d.claims["scp"] != "x y" || d.claims["iss"] != "other" || d.claims["nbf"] != float64(1000) {
		t.Errorf("claims %v", d.claims)
	}
}

func TestHostileTokens(t *testing.T) {
	p, u := startIdP(t)
	keys, _ := publishedKeys(t, u)
	rsaKid, _ := p.KeyIDs()
	hmacOK := func(secret []byte) func(decoded) bool {
		return func(d decoded) bool {
			m := hmac.New(sha256.New, secret)
			m.Write(d.input)
			return d.header["alg"] == "HS256" && hmac.Equal(m.Sum(nil), d.sig)
		}
	}
	for _, tc := range []struct {
		name  string
		opt   MintOption
		check func(decoded) bool
	}{
		{"alg none", WithAlgNone(), func(d decoded) bool { return d.header["alg"] == "none" && len(d.sig) == 0 }},
		{"no kid", WithoutKid(), func(d decoded) bool { _, has := d.header["kid"]; return !has && verifies(d, keys[rsaKid]) }},
		{"unknown kid", WithUnknownKid(), func(d decoded) bool {
			_, published := keys[d.header["kid"].(string)]
			return !published && d.header["kid"] != ""
		}},
		{"foreign key", WithForeignKey(), func(d decoded) bool { return d.header["kid"] == rsaKid && !verifies(d, keys[rsaKid]) }},
		{"HS256 PEM", WithHS256PublicKeyPEM(), hmacOK(p.keys.rsaPublicPEM)},
		{"HS256 DER", WithHS256PublicKeyDER(), hmacOK(p.keys.rsaPublicDER)},
		{"tampered", WithTamperedPayload(), func(d decoded) bool {
			roles, _ := d.claims["roles"].([]any)
			return !verifies(d, keys[rsaKid]) && slices.Contains(roles, any("admin"))
		}},
		{"crit header", WithHeader("crit", []string{"exp"}), func(d decoded) bool { return d.header["crit"] != nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := decode(t, p.Mint(Claims{Subject: "mallory", Roles: []string{"reader"}}, tc.opt)); !tc.check(d) {
				t.Errorf("unexpected token: header %v claims %v", d.header, d.claims)
			}
		})
	}
	if !strings.HasPrefix(string(p.keys.rsaPublicPEM), "-----BEGIN PUBLIC KEY-----") {
		t.Error("PEM secret is not a PKIX public key PEM")
	}
}

func TestRotateReplacesPublishedKeys(t *testing.T) {
	p, u := startIdP(t)
	oldRSA, oldEC := p.KeyIDs()
	if err := p.Rotate(); err != nil {
		t.Fatal(err)
	}
	keys, _ := publishedKeys(t, u)
	newRSA, newEC := p.KeyIDs()
	if _, ok := keys[oldRSA]; ok || newRSA == oldRSA || newEC == oldEC {
		t.Fatalf("old kids still published or kids unchanged: %v", keys)
	}
	if _, ok := keys[oldEC]; ok {
		t.Fatal("old EC kid still published")
	}
	d := decode(t, p.Mint(Claims{}))
	if d.header["kid"] != newRSA || !verifies(d, keys[newRSA]) {
		t.Fatalf("minted after rotation: %v", d.header)
	}
}

// waitFetches waits (bounded) until the IdP has received n JWKS requests.
func waitFetches(t *testing.T, p *IdP, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Fetches() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d fetches, want %d", p.Fetches(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDownAndHang(t *testing.T) {
	p, u := startIdP(t)

	p.SetDown(true)
	if res, _, err := get(t, u, 5*time.Second); err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("down: %v %v", res, err)
	}
	p.SetDown(false)

	p.SetHang(true)
	if _, _, err := get(t, u, 100*time.Millisecond); err == nil {
		t.Fatal("hanging JWKS answered")
	}
	done := make(chan int, 1)
	go func() {
		res, _, err := get(t, u, 10*time.Second)
		if err != nil {
			done <- 0
			return
		}
		done <- res.StatusCode
	}()
	waitFetches(t, p, 3)
	p.SetHang(false)
	select {
	case code := <-done:
		if code != http.StatusOK {
			t.Fatalf("released request: status %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SetHang(false) did not release the request")
	}
}

func TestCloseReleasesHangingRequests(t *testing.T) {
	p, u := startIdP(t)
	p.SetHang(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _, _ = get(t, u, 10*time.Second)
	}()
	waitFetches(t, p, 1)
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	for _, ch := range []chan struct{}{closed, done} {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not release a hanging request")
		}
	}
}
