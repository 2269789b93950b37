package genesys

import (
	"context"
	"net/http"
	"reflect"
	"strings"
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
		}, "GET", "/api/v2/users/u%2F1/externalid", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/externalid") {
					writeJSON(w, 200, []any{})
					return
				}
				writeJSON(w, 200, userJSON)
			})
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

// GetExternalIDs reads the array of every authority's ids and keeps the
// requested authority's, matched exactly.
func TestGetExternalIDsFiltersByAuthority(t *testing.T) {
	all := `[{"authorityName":"scim","externalKey":"a","selfUri":"/api/v2/users/u1/externalid/scim/a"},
		{"authorityName":"other","externalKey":"x"},{"authorityName":"SCIM","externalKey":"y"},
		{"authorityName":"scim","externalKey":"b"},{"externalKey":"no authority"}]`
	tests := []struct {
		body, authority string
		want            []ExternalID
	}{
		{all, "scim", []ExternalID{{AuthorityName: "scim", ExternalKey: "a"}, {AuthorityName: "scim", ExternalKey: "b"}}},
		{all, "other", []ExternalID{{AuthorityName: "other", ExternalKey: "x"}}},
		{all, "none", nil},
		{`[]`, "scim", nil},
		{`null`, "scim", nil},
		{``, "scim", nil},
	}
	for _, tt := range tests {
		f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(tt.body)) })
		got, err := f.client().GetExternalIDs(context.Background(), "u1", tt.authority)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q under %q: %+v, %v; want %+v", tt.body, tt.authority, got, err, tt.want)
		}
		if r := f.Requests(); len(r) != 1 || r[0].RawPath != "/api/v2/users/u1/externalid" {
			t.Errorf("requests %+v", r)
		}
	}
	// An entity listing or a single object is not the documented answer.
	for _, body := range []string{`{"entities":[{"authorityName":"scim","externalKey":"a"}]}`, `{"authorityName":"scim","externalKey":"a"}`} {
		f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) })
		if got, err := f.client().GetExternalIDs(context.Background(), "u1", "scim"); err == nil {
			t.Errorf("%s: %+v, want a decoding error", body, got)
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
