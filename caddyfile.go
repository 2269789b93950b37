package caddyscim

import (
	"errors"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddyscim/caddyscim/internal/callerauth"
	"github.com/caddyscim/caddyscim/internal/gateway"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("scim_genesys", parseCaddyfile)
	// Ordered before respond so a site can serve SCIM and answer everything
	// else itself, with no `order` line.
	httpcaddyfile.RegisterDirectiveOrder("scim_genesys", httpcaddyfile.Before, "respond")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var s Handler
	err := s.UnmarshalCaddyfile(h.Dispenser)
	return &s, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	scim_genesys [<matcher>] {
//		base_path      /scim/v2
//		region         mypurecloud.com
//		api_url        <url>
//		login_url      <url>
//		client_id      <id>
//		client_secret  <secret>
//		division       <divisionId>
//		external_id_authority <authority>
//		jwks_url       <url>
//		issuer         <iss>
//		audience       <aud> [<aud>...]
//		algorithms     <alg>...
//		role_claim     <gjson path>
//		allow_roles    <role>...
//		read_roles     <role>...
//		clock_skew     <duration>
//		on_duplicate   return_existing|conflict
//		max_results    <n>
//		group <name> {
//			skills     "<skill name>[:<proficiency 0-5>]"...
//			languages  "<language name>[:<proficiency 0-5>]"...
//			queues     "<queue name>"...
//		}
//		timeout        <duration>
//		max_retries    <n>
//		max_retry_wait <duration>
//		rate_limit     <requests> <window>
//		max_concurrency <n>
//		outbox_max_age <duration>
//		request_timeout <duration>
//	}
//
// Every option may appear once (group once per name). Errors quote the token
// at fault. Secrets should be given as {env.*} or {file.*} placeholders; they
// are resolved in Provision and never echoed.
func (s *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		return d.Errf("unexpected argument '%s': scim_genesys takes only a block", d.Val())
	}
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		if opt != "group" {
			if seen[opt] {
				return d.Errf("duplicate option '%s'", opt)
			}
			seen[opt] = true
		}
		var err error
		switch opt {
		case "base_path":
			err = oneArg(d, &s.BasePath)
			if err == nil && (!strings.HasPrefix(s.BasePath, "/") || strings.ContainsAny(s.BasePath, "?#* ")) {
				err = d.Errf("invalid base_path '%s': must be a path starting with /", s.BasePath)
			}
			if err == nil && strings.Trim(s.BasePath, "/") == "" {
				err = d.Errf("invalid base_path '%s': the handler would take every request of the site", s.BasePath)
			}
		case "region":
			err = oneArg(d, &s.Region)
		case "api_url":
			err = oneArg(d, &s.APIURL)
		case "login_url":
			err = oneArg(d, &s.LoginURL)
		case "client_id":
			err = oneArg(d, &s.ClientID)
		case "client_secret":
			err = oneArg(d, &s.ClientSecret)
		case "division":
			err = oneArg(d, &s.Division)
		case "external_id_authority":
			err = oneArg(d, &s.ExternalIDAuthority)
		case "jwks_url":
			err = oneArg(d, &s.JWKSURL)
		case "issuer":
			err = oneArg(d, &s.Issuer)
		case "audience":
			s.Audience, err = someArgs(d)
		case "algorithms":
			s.Algorithms, err = someArgs(d)
			for _, a := range s.Algorithms {
				if cerr := callerauth.CheckAlgorithm(a); cerr != nil {
					return d.Errf("unsupported algorithm '%s': %v", a, cerr)
				}
			}
		case "role_claim":
			err = oneArg(d, &s.RoleClaim)
		case "allow_roles":
			s.AllowRoles, err = someArgs(d)
		case "read_roles":
			s.ReadRoles, err = someArgs(d)
		case "clock_skew":
			err = durationArg(d, &s.ClockSkew, true)
		case "on_duplicate":
			err = oneArg(d, &s.OnDuplicate)
			if err == nil {
				if cerr := gateway.CheckDuplicatePolicy(s.OnDuplicate); cerr != nil {
					err = d.Errf("invalid on_duplicate '%s': %v", s.OnDuplicate, cerr)
				}
			}
		case "max_results":
			err = intArg(d, &s.MaxResults, 1)
		case "group":
			err = s.unmarshalGroup(d)
		case "timeout":
			err = durationArg(d, &s.Timeout, false)
		case "max_retries":
			var n int
			err = intArg(d, &n, 0)
			s.MaxRetries = &n
		case "max_retry_wait":
			err = durationArg(d, &s.MaxRetryWait, false)
		case "rate_limit":
			err = s.unmarshalRateLimit(d)
		case "max_concurrency":
			err = intArg(d, &s.MaxConcurrency, 1)
		case "outbox_max_age":
			err = durationArg(d, &s.OutboxMaxAge, false)
		case "request_timeout":
			err = durationArg(d, &s.RequestTimeout, false)
		default:
			return d.Errf("unrecognized scim_genesys option '%s'", opt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// unmarshalGroup parses `group <name> { skills ... languages ... queues ... }`.
func (s *Handler) unmarshalGroup(d *caddyfile.Dispenser) error {
	var g Group
	if err := oneArg(d, &g.Name); err != nil {
		return err
	}
	for _, other := range s.Groups {
		if gateway.GroupKey(other.Name) == gateway.GroupKey(g.Name) {
			return d.Errf("duplicate group '%s' (group names compare case-insensitively)", g.Name)
		}
	}
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		if seen[opt] {
			return d.Errf("duplicate option '%s' in group '%s'", opt, g.Name)
		}
		seen[opt] = true
		args, err := someArgs(d)
		if err != nil {
			return err
		}
		switch opt {
		case "skills", "languages":
			list := make([]Proficiency, 0, len(args))
			for _, a := range args {
				p, err := parseProficiency(a)
				if err != nil {
					return d.Errf("invalid %s entry '%s' in group '%s': %v", opt, a, g.Name, err)
				}
				list = append(list, p)
			}
			if opt == "skills" {
				g.Skills = list
			} else {
				g.Languages = list
			}
		case "queues":
			g.Queues = args
		default:
			return d.Errf("unrecognized group option '%s' (want skills, languages or queues)", opt)
		}
	}
	if err := gateway.CheckGroup(g.routing()); err != nil {
		return d.Errf("group '%s': %v", g.Name, err)
	}
	s.Groups = append(s.Groups, g)
	return nil
}

// unmarshalRateLimit parses `rate_limit <requests> <window>`.
func (s *Handler) unmarshalRateLimit(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) != 2 {
		return d.ArgErr()
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		return d.Errf("invalid rate_limit requests '%s': want a positive integer", args[0])
	}
	w, err := caddy.ParseDuration(args[1])
	if err != nil || w <= 0 {
		return d.Errf("invalid rate_limit window '%s': want a positive duration", args[1])
	}
	s.RateLimit = &RateLimit{Requests: n, Window: caddy.Duration(w)}
	return nil
}

// parseProficiency reads "<name>[:<proficiency 0-5>]"; the proficiency is
// the part after the last colon and defaults to 3.
func parseProficiency(s string) (Proficiency, error) {
	name, level := s, ""
	if i := strings.LastIndex(s, ":"); i >= 0 {
		name, level = s[:i], s[i+1:]
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return Proficiency{}, errors.New("empty name")
	}
	p := Proficiency{Name: name, Proficiency: gateway.DefaultProficiency}
	if level != "" || strings.HasSuffix(s, ":") {
		v, err := strconv.ParseFloat(level, 64)
		if err != nil {
			return Proficiency{}, errors.New("proficiency must be a number from 0 to 5")
		}
		if err := gateway.CheckProficiency(v); err != nil {
			return Proficiency{}, err
		}
		p.Proficiency = v
	}
	return p, nil
}

func oneArg(d *caddyfile.Dispenser, target *string) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	*target = d.Val()
	if d.NextArg() {
		return d.Errf("unexpected argument '%s'", d.Val())
	}
	return nil
}

func someArgs(d *caddyfile.Dispenser) ([]string, error) {
	opt := d.Val()
	args := d.RemainingArgs()
	if len(args) == 0 {
		return nil, d.Errf("option '%s' needs at least one value", opt)
	}
	return args, nil
}

func intArg(d *caddyfile.Dispenser, target *int, min int) error {
	opt := d.Val()
	var v string
	if err := oneArg(d, &v); err != nil {
		return err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return d.Errf("invalid %s '%s': want an integer >= %d", opt, v, min)
	}
	*target = n
	return nil
}

func durationArg(d *caddyfile.Dispenser, target *caddy.Duration, zeroOK bool) error {
	opt := d.Val()
	var v string
	if err := oneArg(d, &v); err != nil {
		return err
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil || dur < 0 || (dur == 0 && !zeroOK) {
		return d.Errf("invalid %s duration '%s'", opt, v)
	}
	*target = caddy.Duration(dur)
	return nil
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)
