package callerauth

import (
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// defaultRoleClaims are tried in order when Config.RoleClaim is "": Entra
// ID app roles (roles), Keycloak-style singular role, OAuth scopes (scp).
var defaultRoleClaims = []string{"roles", "role", "scp"}

// checkClaims validates the registered claims of a signature-checked
// payload and returns the caller. exp is required: a token that never
// expires is a credential the gateway cannot bound.
func (v *Verifier) checkClaims(payload string) (*Principal, error) {
	obj, err := topLevel(payload)
	if err != nil {
		return nil, invalid(reasonClaims)
	}
	var c registered
	ok := true
	obj.ForEach(func(k, val gjson.Result) bool {
		ok = c.take(k.Str, val)
		return ok
	})
	if !ok {
		return nil, invalid(reasonClaims)
	}

	now := v.now()
	nowSec := float64(now.UnixNano()) / 1e9
	skew := v.cfg.ClockSkew.Seconds()
	switch {
	case !c.exp.Exists():
		return nil, invalid(reasonNoExp)
	case nowSec >= c.exp.Num+skew:
		return nil, invalid(reasonExpired)
	case c.nbf.Exists() && nowSec+skew < c.nbf.Num:
		return nil, invalid(reasonNotYetValid)
	case c.iat.Exists() && c.iat.Num > nowSec+skew:
		return nil, invalid(reasonIssuedInFuture)
	case v.cfg.Issuer != "" && (c.iss.Type != gjson.String || c.iss.Str != v.cfg.Issuer):
		return nil, invalid(reasonIssuer)
	case len(v.cfg.Audiences) > 0 && !audienceMatches(c.aud, v.cfg.Audiences):
		return nil, invalid(reasonAudience)
	}
	return &Principal{Subject: c.sub.Str, Roles: v.roles(payload)}, nil
}

// registered holds the RFC 7519 claims checked here, each type-checked.
type registered struct {
	exp, nbf, iat, iss, aud, sub gjson.Result
}

// take records a registered claim; it reports false for one of the wrong
// JSON type (a string exp, a numeric iss...), which makes the token invalid.
func (c *registered) take(name string, val gjson.Result) bool {
	switch name {
	case "exp":
		c.exp = val
	case "nbf":
		c.nbf = val
	case "iat":
		c.iat = val
	case "iss":
		c.iss = val
		return val.Type == gjson.String
	case "sub":
		c.sub = val
		return val.Type == gjson.String
	case "aud":
		c.aud = val
		return val.Type == gjson.String || val.IsArray()
	default:
		return true
	}
	return val.Type == gjson.Number
}

// audienceMatches reports whether any of the token's audiences (a string
// or an array of strings) is configured.
func audienceMatches(aud gjson.Result, want []string) bool {
	if aud.Type == gjson.String {
		return slices.Contains(want, aud.Str)
	}
	match := false
	aud.ForEach(func(_, a gjson.Result) bool {
		match = a.Type == gjson.String && slices.Contains(want, a.Str)
		return !match
	})
	return match
}

// roles reads the caller's roles with the configured gjson path, or the
// first of the default claims that yields any role (absent, null, "" and
// [] count as absent).
func (v *Verifier) roles(payload string) []string {
	if v.cfg.RoleClaim != "" {
		return rolesOf(gjson.Get(payload, v.cfg.RoleClaim), isScopeClaim(v.cfg.RoleClaim))
	}
	for _, name := range defaultRoleClaims {
		if r := rolesOf(gjson.Get(payload, name), isScopeClaim(name)); len(r) > 0 {
			return r
		}
	}
	return nil
}

// isScopeClaim reports whether the claim at path is an OAuth scope claim
// (scp, or scope as RFC 8693 §4.2 defines it): a space-separated list.
// Only those are split: any other string claim is one role name, so
// "IT admin (read only)" in a roles claim is not the role admin.
func isScopeClaim(path string) bool {
	last := path[strings.LastIndexByte(path, '.')+1:]
	return last == "scp" || last == "scope"
}

// rolesOf accepts a string or an array of strings (non-string and empty
// elements are ignored). A string is split on spaces only when split is
// set (a scope claim); otherwise it is one role. Anything else yields no
// roles.
func rolesOf(r gjson.Result, split bool) []string {
	switch {
	case r.Type == gjson.String && split:
		return strings.Fields(r.Str)
	case r.Type == gjson.String:
		if r.Str == "" {
			return nil
		}
		return []string{r.Str}
	case r.IsArray():
		var out []string
		r.ForEach(func(_, e gjson.Result) bool {
			if e.Type == gjson.String && e.Str != "" {
				out = append(out, e.Str)
			}
			return true
		})
		return out
	}
	return nil
}
