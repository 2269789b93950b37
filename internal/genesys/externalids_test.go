package genesys

import (
	"context"
	"net/http"
	"testing"
)

func TestExternalIDCalls(t *testing.T) {
	tests := []struct {
		name         string
		run          func(c *Client) error
		method, path string
		body         string
	}{
		{"set", func(c *Client) error { return c.SetExternalID(context.Background(), "u1", "scim", "HR/12 34") },
			"POST", "/api/v2/users/u1/externalid", `{"authorityName":"scim","externalKey":"HR/12 34"}`},
		{"delete", func(c *Client) error { return c.DeleteExternalID(context.Background(), "u1", "scim", "HR/12 34") },
			"DELETE", "/api/v2/users/u1/externalid/scim/HR%2F12%2034", ""},
		{"get by key", func(c *Client) error {
			_, err := c.GetUserByExternalID(context.Background(), "my authority", "k?1")
			return err
		}, "GET", "/api/v2/users/externalid/my%20authority/k%3F1", ""},
		{"list", func(c *Client) error {
			_, err := c.GetExternalIDs(context.Background(), "u/1", "scim")
			return err
		}, "GET", "/api/v2/users/u%2F1/externalid/scim", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, okJSON(userJSON))
			if err := tt.run(f.client()); err != nil {
				t.Fatal(err)
			}
			r := f.Requests()[0]
			if r.Method != tt.method || r.RawPath != tt.path {
				t.Errorf("sent %s %s, want %s %s", r.Method, r.RawPath, tt.method, tt.path)
			}
			if tt.body != "" && !jsonEqual(t, r.Body, tt.body) {
				t.Errorf("body %s, want %s", r.Body, tt.body)
			}
		})
	}
}

func TestGetExternalIDsAcceptsArrayAndListing(t *testing.T) {
	want := []ExternalID{{AuthorityName: "scim", ExternalKey: "a"}, {AuthorityName: "scim", ExternalKey: "b"}}
	for _, body := range []string{
		`[{"authorityName":"scim","externalKey":"a"},{"authorityName":"scim","externalKey":"b"}]`,
		`{"entities":[{"authorityName":"scim","externalKey":"a"},{"authorityName":"scim","externalKey":"b"}],"pageSize":25}`,
	} {
		f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) })
		got, err := f.client().GetExternalIDs(context.Background(), "u1", "scim")
		if err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s: %+v, %v", body, got, err)
		}
	}
	for _, body := range []string{`[]`, `{"entities":[]}`, ``} {
		f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) })
		got, err := f.client().GetExternalIDs(context.Background(), "u1", "scim")
		if err != nil || len(got) != 0 {
			t.Errorf("%q: %+v, %v", body, got, err)
		}
	}
}

// Repeating the external id POST after an ambiguous failure: a conflict then
// means the first attempt created the mapping. A conflict on the first
// attempt is reported.
func TestSetExternalIDRepeat(t *testing.T) {
	tests := []struct {
		name     string
		api      http.HandlerFunc
		wantErr  bool
		requests int
	}{
		{"503 then conflict", sequence(status(503, "x"), status(409, "general.conflict")), false, 2},
		{"dropped then 400 conflict", sequence(dropConnection, status(400, "general.conflict")), false, 2},
		{"503 then ok", sequence(status(503, "x"), okJSON(map[string]string{})), false, 2},
		{"first attempt conflict", status(409, "general.conflict"), true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, tt.api)
			c := f.client(func(cfg *Config) { cfg.HTTPClient = noKeepAlive() })
			withFakeClock(c)
			err := c.SetExternalID(context.Background(), "u1", "scim", "k")
			if (err != nil) != tt.wantErr || (tt.wantErr && !IsConflict(err)) {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if len(f.Requests()) != tt.requests {
				t.Errorf("%d requests, want %d", len(f.Requests()), tt.requests)
			}
		})
	}
}
