package callerauth

import (
	"encoding/base64"
	"strings"

	"github.com/tidwall/gjson"
)

// maxTokenLen bounds the work done on an attacker-sized header. Entra ID
// tokens with many group claims stay well under 16 KiB.
const maxTokenLen = 64 << 10

// maxMembers bounds the top-level members of a token's header or claims.
const maxMembers = 512

// b64 is base64url without padding, strict (RFC 7515 §2): one encoding
// per token, so distinct strings never carry the same signature bits.
var b64 = base64.RawURLEncoding.Strict()

// bearerToken extracts the token from an Authorization header value. The
// scheme is case-insensitive (RFC 7235 §2.1). It reports false for no
// header, another scheme, a value with no scheme, or an empty token.
func bearerToken(authorization string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(authorization), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// token is a compact JWS decoded once: signingInput is the original
// "header.payload" bytes the signature covers.
type token struct {
	alg, kid     string
	signingInput []byte
	payload      string // the claims JSON
	signature    []byte
}

// parseToken decodes a compact JWS and reads alg and kid from its header.
// It checks structure only; nothing here is trusted yet.
func parseToken(raw string) (*token, error) {
	if len(raw) > maxTokenLen {
		return nil, invalid(reasonTooLarge)
	}
	head, rest, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, invalid(reasonMalformed)
	}
	body, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") || head == "" || body == "" {
		return nil, invalid(reasonMalformed) // also JWE (5 parts)
	}

	// One buffer: the token bytes (the signing input is their prefix),
	// then the decoded header, payload and signature.
	inLen := len(head) + 1 + len(body)
	hl, pl, sl := b64.DecodedLen(len(head)), b64.DecodedLen(len(body)), b64.DecodedLen(len(sig))
	buf := make([]byte, len(raw)+hl+pl+sl)
	src, dst := buf[:len(raw)], buf[len(raw):]
	copy(src, raw)
	hdr, err := decodeInto(dst[:hl], src[:len(head)])
	if err != nil {
		return nil, err
	}
	payload, err := decodeInto(dst[hl:hl+pl], src[len(head)+1:inLen])
	if err != nil {
		return nil, err
	}
	signature, err := decodeInto(dst[hl+pl:], src[inLen+1:])
	if err != nil {
		return nil, err
	}

	t := &token{signingInput: src[:inLen], payload: string(payload), signature: signature}
	if err := t.readHeader(string(hdr)); err != nil {
		return nil, err
	}
	return t, nil
}

func decodeInto(dst, src []byte) ([]byte, error) {
	n, err := b64.Decode(dst, src)
	if err != nil {
		return nil, invalid(reasonMalformed)
	}
	return dst[:n], nil
}

// readHeader takes alg and kid from the protected header. A header with
// crit is refused: no extension is understood here (RFC 7515 §4.1.11), and
// b64=false would change what the signature covers.
func (t *token) readHeader(hdr string) error {
	obj, err := topLevel(hdr)
	if err != nil {
		return err
	}
	var bad, crit bool
	obj.ForEach(func(k, val gjson.Result) bool {
		switch k.Str {
		case "alg":
			t.alg, bad = val.Str, val.Type != gjson.String
		case "kid":
			t.kid, bad = val.Str, val.Type != gjson.String
		case "crit", "b64":
			crit = true
		}
		return !bad && !crit
	})
	switch {
	case crit:
		return invalid(reasonCrit)
	case bad:
		return invalid(reasonMalformed)
	}
	return nil
}

// topLevel checks that s is one JSON object with no repeated member names
// (RFC 7515 §4 and RFC 7519 §4 allow rejecting them, and rejecting means
// no reader can see a different value than the one checked here).
func topLevel(s string) (gjson.Result, error) {
	if !gjson.Valid(s) {
		return gjson.Result{}, invalid(reasonMalformed)
	}
	obj := gjson.Parse(s)
	if !obj.IsObject() {
		return gjson.Result{}, invalid(reasonMalformed)
	}
	// Real headers and claim sets have a few dozen members: a linear scan
	// without allocation covers them; past that a set keeps the check
	// linear, and an absurd member count is refused outright (this runs on
	// unverified input, so its cost must not grow with the square of it).
	var seen [32]string
	names := seen[:0]
	var set map[string]struct{}
	dup, count := false, 0
	obj.ForEach(func(k, _ gjson.Result) bool {
		if count++; count > maxMembers {
			dup = true
			return false
		}
		if set != nil {
			if _, ok := set[k.Str]; ok {
				dup = true
				return false
			}
			set[k.Str] = struct{}{}
			return true
		}
		for _, n := range names {
			if n == k.Str {
				dup = true
				return false
			}
		}
		names = append(names, k.Str)
		if len(names) == len(seen) {
			set = make(map[string]struct{}, 2*len(seen))
			for _, n := range names {
				set[n] = struct{}{}
			}
		}
		return true
	})
	if dup {
		return gjson.Result{}, invalid(reasonMalformed)
	}
	return obj, nil
}
