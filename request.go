package caddyscim

import (
	"context"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/callerauth"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// Request-time helpers of the handler: the role policy, answers decided
// before the SCIM layer, auditing of failures the protocol layer caught, and
// the base-path and base-URL rules.

func (h *Handler) policy() callerauth.Policy {
	return callerauth.Policy{AllowRoles: h.AllowRoles, ReadRoles: h.ReadRoles}
}

// reply writes an error the handler itself decided (before the SCIM layer).
func (h *Handler) reply(w http.ResponseWriter, op scim.Operation, e *scim.Error) {
	scim.WriteError(w, e)
	h.metrics.ObserveRequest(string(op), e.Status)
}

// onDone is told about every request the SCIM layer answered: it counts it,
// and audits the failures that never reached the gateway (bad input caught
// by the protocol layer), which would otherwise leave no audit entry.
func (h *Handler) onDone(ctx context.Context, o scim.Outcome) {
	h.metrics.ObserveRequest(string(o.Operation), o.Status)
	if o.Err == nil || o.BackendCalled {
		return
	}
	if ev := failureEvents[o.Operation]; ev != "" {
		h.audit.Record(ctx, audit.Event{Name: ev, Outcome: audit.Failed, Status: o.Status, Error: o.Err.Detail})
	}
}

// failureEvents is the audit event of each operation's failure.
var failureEvents = map[scim.Operation]string{
	scim.OpCreate: audit.UserCreateError, scim.OpList: audit.UserListError, scim.OpRead: audit.UserRead,
	scim.OpReplace: audit.UserUpdated, scim.OpPatch: audit.UserUpdated, scim.OpDelete: audit.UserDeleted,
	scim.OpGroupCreate: audit.GroupError, scim.OpGroupList: audit.GroupError, scim.OpGroupRead: audit.GroupError,
	scim.OpGroupReplace: audit.GroupError, scim.OpGroupPatch: audit.GroupError, scim.OpGroupDelete: audit.GroupError,
}

// underBase reports whether path is base itself or below it at a segment
// boundary, and returns the rest.
func underBase(path, base string) (string, bool) {
	if !strings.HasPrefix(path, base) {
		return "", false
	}
	rel := path[len(base):]
	if rel != "" && rel[0] != '/' {
		return "", false
	}
	return rel, true
}

// baseURL is the absolute URL of base as the client sees it: the scheme and
// host Caddy saw, or the forwarded ones when Caddy's trusted_proxies vouch
// for the peer.
func baseURL(r *http.Request, base string) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool); trusted {
		if p := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); p == "http" || p == "https" {
			scheme = p
		}
		if fh := firstValue(r.Header.Get("X-Forwarded-Host")); fh != "" && !strings.ContainsAny(fh, "/\\ @") {
			host = fh
		}
	}
	return scheme + "://" + host + base
}

func firstValue(v string) string {
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}
