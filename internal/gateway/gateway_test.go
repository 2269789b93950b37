package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

func TestNewValidates(t *testing.T) {
	client, err := genesys.New(genesys.Config{APIURL: "http://127.0.0.1:1", LoginURL: "http://127.0.0.1:1", ClientID: "a", ClientSecret: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no client", Config{}, "client"},
		{"bad policy", Config{Client: client, OnDuplicate: "merge"}, `"merge"`},
		{"duplicate group names", Config{Client: client, Groups: []GroupRouting{{Name: "Sales", Queues: []string{"q"}}, {Name: " SALES ", Queues: []string{"q"}}}}, "SALES"},
		{"unnamed group", Config{Client: client, Groups: []GroupRouting{{Name: " "}}}, "name"},
		{"proficiency out of range", Config{Client: client, Groups: []GroupRouting{{Name: "G", Skills: []Assignment{{"S", 7}}}}}, `"S"`},
		{"empty queue", Config{Client: client, Groups: []GroupRouting{{Name: "G", Queues: []string{""}}}}, "queue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one mentioning %s", err, tt.wantErr)
			}
		})
	}

	g, err := New(Config{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	if g.core.cfg.ExternalIDAuthority != "scim" || g.core.cfg.OnDuplicate != ReturnExisting ||
		g.core.outbox != nil || g.core.shared == nil {
		t.Errorf("defaults not applied: %+v", g.core.cfg)
	}
	g.Start()
	if d, o := g.OutboxStats(); d != 0 || o != 0 {
		t.Error("stats without an outbox")
	}
	g.Close()
}

func TestUpstreamError(t *testing.T) {
	api := func(status int, code, msg string) error {
		return fmt.Errorf("wrapped: %w", &genesys.APIError{Status: status, Code: code, Message: msg, ContextID: "ctx-1", Endpoint: "POST /api/v2/users"})
	}
	tests := []struct {
		name       string
		in         error
		status     int
		scimType   string
		retryAfter bool
		detailHas  string
	}{
		{"rate limited", &genesys.RetryAfterError{Wait: 42 * time.Second}, 429, "", true, "rate"},
		{"credentials", &genesys.CredentialsError{Status: 401, Reason: "invalid_client"}, 502, "", false, "client credentials"},
		{"unavailable", &genesys.UnavailableError{Endpoint: "GET /api/v2/users/{id}", Err: errors.New("dial tcp")}, 503, "", true, ""},
		{"outcome unknown", fmt.Errorf("%w: reset", genesys.ErrOutcomeUnknown), 503, "", true, ""},
		{"deadline", context.DeadlineExceeded, 503, "", true, ""},
		{"not found", api(404, "not.found", "nope"), 404, "", false, ""},
		{"conflict", api(400, "general.conflict", "conflicting users"), 409, scim.Uniqueness, false, ""},
		{"version mismatch", api(409, "version.mismatch", "stale"), 503, "", true, ""},
		{"validation", api(400, "bad.request", "title is too long, see https://developer.genesys.cloud/x"), 400, scim.InvalidValue, false, "code bad.request, contextId ctx-1"},
		{"forbidden", api(403, "missing.permissions", "missing directory:user:add"), 502, "", false, "code missing.permissions, contextId ctx-1"},
		{"server error", api(500, "internal.server.error", "boom"), 502, "", false, ""},
		{"other", errors.New("something"), 502, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := upstreamError(tt.in)
			se, ok := err.(*scim.Error)
			if !ok {
				t.Fatalf("got %T %v, want *scim.Error", err, err)
			}
			if se.Status != tt.status || se.ScimType != tt.scimType || (se.RetryAfter > 0) != tt.retryAfter {
				t.Errorf("got %d %q retryAfter=%s", se.Status, se.ScimType, se.RetryAfter)
			}
			if !strings.Contains(se.Detail, tt.detailHas) {
				t.Errorf("detail %q lacks %q", se.Detail, tt.detailHas)
			}
			// Genesys's own message is never echoed: it can quote values,
			// internal names and URLs.
			for _, leak := range []string{"http://", "https://", "/api/v2", "POST ", "too long", "directory:user", "conflicting", "boom"} {
				if strings.Contains(se.Detail, leak) {
					t.Errorf("detail %q leaks %q", se.Detail, leak)
				}
			}
			if se.Status == http.StatusInternalServerError {
				t.Error("a bare 500")
			}
		})
	}
	if upstreamError(nil) != nil {
		t.Error("nil error mapped")
	}
	if se := upstreamError(&genesys.RetryAfterError{Wait: 42 * time.Second}).(*scim.Error); se.RetryAfter != 42*time.Second {
		t.Errorf("Retry-After %s, want Genesys's 42s", se.RetryAfter)
	}
	own := scim.BadValue("x")
	if upstreamError(own) != own {
		t.Error("a *scim.Error is not passed through")
	}
	if se := upstreamUserError(&genesys.APIError{Status: 404, Code: "not.found"}, "u-1").(*scim.Error); !strings.Contains(se.Detail, "u-1") {
		t.Errorf("detail %q does not name the id", se.Detail)
	}
}

// The audit keeps Genesys's status, code and contextId, and its message
// scrubbed of URLs and anything token-like, bounded.
func TestAuditTextScrubsUpstreamMessages(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz"
	ae := &genesys.APIError{Status: 400, Code: "bad.request", ContextID: "ctx-9",
		Message: "token " + jwt + " for Bearer abc.def refused, see https://api.example/x?key=1, secret " + strings.Repeat("A", 40)}
	got := auditText(upstreamError(fmt.Errorf("wrapped: %w", ae)))
	for _, want := range []string{"400 bad.request", "contextId ctx-9", "refused", "<url>", "<redacted>"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit text %q lacks %q", got, want)
		}
	}
	for _, leak := range []string{jwt, "abc.def", "https://", strings.Repeat("A", 40)} {
		if strings.Contains(got, leak) {
			t.Errorf("audit text %q keeps %q", got, leak)
		}
	}
	long := scrubbedMessage(strings.Repeat("é", 400))
	if len(long) > maxUpstreamDetail+5 || !utf8.ValidString(long) {
		t.Errorf("message not bounded cleanly: %d bytes", len(long))
	}
}
