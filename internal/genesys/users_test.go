package genesys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestUserCallsShapes(t *testing.T) {
	name, empty := "Amy B", ""
	tests := []struct {
		name                   string
		run                    func(c *Client) error
		method, rawPath, query string
		body                   string // expected JSON body, "" for none
	}{
		{"create", func(c *Client) error {
			_, err := c.CreateUser(context.Background(), CreateUser{Name: "Amy", Email: "amy@example.com", State: StateActive})
			return err
		}, "POST", "/api/v2/users", "", `{"name":"Amy","email":"amy@example.com","state":"active"}`},
		{"get deleted with expand", func(c *Client) error {
			_, err := c.GetUser(context.Background(), "u1", StateDeleted, "skills", "languages")
			return err
		}, "GET", "/api/v2/users/u1", "expand=skills&expand=languages&state=deleted", ""},
		{"by id", func(c *Client) error {
			_, err := c.GetUsersByID(context.Background(), []string{"a", "b/c"}, "groups", "skills")
			return err
		}, "GET", "/api/v2/users", "expand=groups&expand=skills&id=a&id=b%2Fc&pageSize=2&state=any", ""},
		{"patch fields, clear addresses", func(c *Client) error {
			_, err := c.PatchUser(context.Background(), "u1", UpdateUser{Version: 4, Name: &name, Title: &empty, Addresses: &[]Contact{}})
			return err
		}, "PATCH", "/api/v2/users/u1", "", `{"version":4,"name":"Amy B","title":"","addresses":[]}`},
		{"patch state alone", func(c *Client) error {
			_, err := c.PatchUser(context.Background(), "u1", UpdateUser{Version: 4, State: StateInactive})
			return err
		}, "PATCH", "/api/v2/users/u1", "", `{"version":4,"state":"inactive"}`},
		{"delete", func(c *Client) error { return c.DeleteUser(context.Background(), "u1") }, "DELETE", "/api/v2/users/u1", "", ""},
		{"move to division", func(c *Client) error {
			return c.MoveToDivision(context.Background(), "d/1", []string{"u1", "u2"})
		}, "POST", "/api/v2/authorization/divisions/d%2F1/objects/USER", "", `["u1","u2"]`},
		{"escaped id", func(c *Client) error {
			_, err := c.GetUser(context.Background(), "a/../b?c d", "")
			return err
		}, "GET", "/api/v2/users/a%2F..%2Fb%3Fc%20d", "", ""},
		{"search", func(c *Client) error {
			_, err := c.SearchUsers(context.Background(), SearchRequest{PageSize: 1, PageNumber: 1, Query: []SearchCriteria{
				{Type: SearchExact, Fields: []string{"email"}, Value: "amy@example.com"},
				{Type: SearchExact, Fields: []string{"state"}, Values: []string{"active", "inactive"}}}})
			return err
		}, "POST", "/api/v2/users/search", "", `{"pageSize":1,"pageNumber":1,"query":[{"type":"EXACT","fields":["email"],"value":"amy@example.com"},{"type":"EXACT","fields":["state"],"values":["active","inactive"]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, okJSON(userJSON))
			if err := tt.run(f.client()); err != nil {
				t.Fatal(err)
			}
			reqs := f.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.RawPath != tt.rawPath || r.Query != tt.query {
				t.Errorf("sent %s %s?%s, want %s %s?%s", r.Method, r.RawPath, r.Query, tt.method, tt.rawPath, tt.query)
			}
			if tt.body == "" && len(r.Body) != 0 {
				t.Errorf("unexpected body %s", r.Body)
			}
			if tt.body != "" && !jsonEqual(t, r.Body, tt.body) {
				t.Errorf("body %s, want %s", r.Body, tt.body)
			}
		})
	}
}

func jsonEqual(t *testing.T, got []byte, want string) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("body is not JSON: %s", got)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatalf("bad want: %s", want)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestPatchUserRefusesBadPatchesWithoutCalling(t *testing.T) {
	title := "x"
	tests := []struct {
		u    UpdateUser
		want error
	}{
		{UpdateUser{Title: &title}, ErrMissingVersion},
		{UpdateUser{State: StateInactive}, ErrMissingVersion},
		{UpdateUser{Version: 2, State: StateActive, Title: &title}, ErrMixedStatePatch},
		{UpdateUser{Version: 2, State: StateActive, Addresses: &[]Contact{}}, ErrMixedStatePatch},
	}
	f := newFakeGenesys(t, okJSON(userJSON))
	c := f.client()
	for _, tt := range tests {
		if _, err := c.PatchUser(context.Background(), "u1", tt.u); !errors.Is(err, tt.want) {
			t.Errorf("PatchUser(%+v) = %v, want %v", tt.u, err, tt.want)
		}
	}
	if len(f.Requests()) != 0 || f.tokenCalls.Load() != 0 {
		t.Errorf("refused patches reached the network")
	}
}

func TestUserDecoding(t *testing.T) {
	f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"u1","name":"Smith, Tom","email":"t@example.com","state":"inactive","version":"152",
			"division":{"id":"d1","name":"Home"},"addresses":[{"address":"+1317","mediaType":"PHONE","type":"WORK"}],
			"skills":[{"id":"s1","name":"Billing","proficiency":4.5}],"unknownField":{"x":1}}`))
	})
	u, err := f.client().GetUser(context.Background(), "u1", "", "skills")
	if err != nil {
		t.Fatal(err)
	}
	if u.Version != 152 || u.State != StateInactive || u.Division.ID != "d1" || len(u.Addresses) != 1 || u.Skills[0].Proficiency != 4.5 {
		t.Errorf("decoded %+v", u)
	}
}

func TestSearchWithoutResults(t *testing.T) {
	for _, body := range []string{`{"total":0,"pageCount":0,"pageSize":1,"pageNumber":1}`, `{"total":0,"results":[]}`, `{"total":0,"results":null}`} {
		f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) })
		res, err := f.client().SearchUsers(context.Background(), SearchRequest{PageSize: 1})
		if err != nil || res == nil || res.Total != 0 || len(res.Results) != 0 {
			t.Errorf("%s: %+v, %v", body, res, err)
		}
	}
}

func TestAPIErrors(t *testing.T) {
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		status     int
		code       string
		notFound   bool
		conflict   bool
		versionErr bool
	}{
		{"not found", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 404, map[string]any{"status": 404, "code": "not.found", "message": "The requested operation failed with status 404", "contextId": "c-9", "details": []any{}, "errors": []any{}})
		}, 404, "not.found", true, false, false},
		{"conflict as 400", status(400, "general.conflict"), 400, "general.conflict", false, true, false},
		{"conflict as 409", status(409, "general.conflict"), 409, "general.conflict", false, true, true},
		{"version mismatch", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, map[string]any{"status": 400, "code": "bad.request", "message": "The version supplied does not match the current version of the user"})
		}, 400, "bad.request", false, false, true},
		{"non-JSON body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(403)
			_, _ = w.Write([]byte("<html>denied</html>"))
		}, 403, "", false, false, false},
		{"odd messageParams", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"status":400,"code":"bad.request","message":"m","messageParams":{"n":3}}`))
		}, 400, "bad.request", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, tt.handler)
			_, err := f.client().GetUser(context.Background(), "u1", "")
			e, ok := AsAPIError(err)
			if !ok || e.Status != tt.status || e.Code != tt.code || e.Endpoint != "GET /api/v2/users/{id}" || e.Message == "" {
				t.Fatalf("err = %#v", err)
			}
			if IsNotFound(err) != tt.notFound || IsConflict(err) != tt.conflict || IsVersionMismatch(err) != tt.versionErr {
				t.Errorf("IsNotFound %v IsConflict %v IsVersionMismatch %v", IsNotFound(err), IsConflict(err), IsVersionMismatch(err))
			}
			if strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "/users/u1") {
				t.Errorf("error names the host or the concrete URL: %v", err)
			}
		})
	}
	t.Run("context id", func(t *testing.T) {
		f := newFakeGenesys(t, tests[0].handler)
		_, err := f.client().GetUser(context.Background(), "u1", "")
		if e, _ := AsAPIError(err); e.ContextID != "c-9" {
			t.Errorf("contextId = %q", e.ContextID)
		}
	})
}

func TestTransportErrorsDoNotNameTheHost(t *testing.T) {
	f := newFakeGenesys(t, dropConnection)
	c := f.client(func(cfg *Config) { cfg.MaxRetries = new(0); cfg.HTTPClient = noKeepAlive() })
	_, err := c.GetUser(context.Background(), "secret-user-id", "")
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want UnavailableError", err)
	}
	if s := err.Error(); strings.Contains(s, "127.0.0.1") || strings.Contains(s, "secret-user-id") {
		t.Errorf("error names the URL: %v", s)
	}
}

func TestResponseBodyIsBounded(t *testing.T) {
	f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":"`))
		chunk := []byte(strings.Repeat("x", 64<<10))
		for written := 0; written <= maxBody; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`"}`))
	})
	c := f.client(func(cfg *Config) { cfg.MaxRetries = new(0) })
	_, err := c.GetUser(context.Background(), "u1", "")
	if !errors.Is(err, errBodyTooLarge) {
		t.Errorf("err = %v, want errBodyTooLarge", err)
	}
}

func TestDeleteRepeatThatFindsNothingIsDone(t *testing.T) {
	f := newFakeGenesys(t, sequence(status(503, "x"), status(404, "user.not.found.on.delete")))
	c := f.client()
	withFakeClock(c)
	if err := c.DeleteUser(context.Background(), "u1"); err != nil {
		t.Errorf("DeleteUser = %v, want success (the first attempt deleted it)", err)
	}
	f2 := newFakeGenesys(t, status(404, "user.not.found.on.delete"))
	if err := f2.client().DeleteUser(context.Background(), "u1"); !IsNotFound(err) {
		t.Errorf("first-attempt 404 = %v, want not found", err)
	}
}

func TestObserverSeesEveryAttempt(t *testing.T) {
	f := newFakeGenesys(t, sequence(tooMany("1"), status(503, "x"), okJSON(userJSON)))
	obs := &recordingObserver{}
	c := f.client(func(cfg *Config) { cfg.Observer = obs })
	withFakeClock(c)
	if _, err := c.GetUser(context.Background(), "u1", ""); err != nil {
		t.Fatal(err)
	}
	calls := obs.Calls()
	want := []struct {
		status int
		retry  bool
	}{{429, false}, {503, true}, {200, true}}
	if len(calls) != len(want) {
		t.Fatalf("observed %+v", calls)
	}
	for i, w := range want {
		if calls[i].Endpoint != "GET /api/v2/users/{id}" || calls[i].Status != w.status || calls[i].Retry != w.retry {
			t.Errorf("call %d = %+v, want status %d retry %v", i, calls[i], w.status, w.retry)
		}
	}
	if len(obs.refreshes) != 1 || len(obs.rateLimited) != 1 {
		t.Errorf("refreshes %v, rate limited %v", obs.refreshes, obs.rateLimited)
	}
}

// DeleteUser repeats a version answer as the Terraform provider's delete
// does, from the MaxRetries budget. After a 408 (which may have been
// applied) a 404 is done; after a version clash (not applied) it is not.
func TestDeleteUserRepeatsVersionAnswers(t *testing.T) {
	stale := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, map[string]any{"status": 400, "code": "bad.request", "message": "The version supplied does not match the current version of the user"})
	}
	deleted := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }
	tests := []struct {
		name     string
		api      http.HandlerFunc
		retries  *int
		requests int
		check    func(error) bool
	}{
		{"408 then deleted", sequence(status(408, "request.timeout"), deleted), nil, 2, isNil},
		{"409 general.conflict then deleted", sequence(status(409, "general.conflict"), deleted), nil, 2, isNil},
		{"409 then 408 then deleted", sequence(status(409, "conflict"), status(408, "request.timeout"), deleted), nil, 3, isNil},
		{"400 stale version then deleted", sequence(stale, deleted), nil, 2, isNil},
		{"408 then not found is done", sequence(status(408, "request.timeout"), status(404, "not.found")), nil, 2, isNil},
		{"409 then not found is not", sequence(status(409, "general.conflict"), status(404, "not.found")), nil, 2, IsNotFound},
		{"409 through the budget", status(409, "general.conflict"), new(2), 3, IsVersionMismatch},
		{"408 with no retry", status(408, "request.timeout"), new(0), 1, IsVersionMismatch},
		{"other 400 is not repeated", status(400, "bad.request"), nil, 1, func(err error) bool { e, ok := AsAPIError(err); return ok && e.Status == 400 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, tt.api)
			c := f.client(func(cfg *Config) { cfg.MaxRetries = tt.retries })
			clk := withFakeClock(c)
			err := c.DeleteUser(context.Background(), "u1")
			if !tt.check(err) {
				t.Errorf("err = %v", err)
			}
			if n := len(f.Requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if n := len(clk.Sleeps()); n != tt.requests-1 {
				t.Errorf("%d backoff waits for %d requests", n, tt.requests)
			}
			for _, r := range f.Requests() {
				if r.Method != "DELETE" || r.RawPath != "/api/v2/users/u1" {
					t.Errorf("sent %s %s", r.Method, r.RawPath)
				}
			}
		})
	}
}

func isNil(err error) bool { return err == nil }

// Only the delete repeats a version answer: a PATCH's goes to the caller,
// which must re-read the version.
func TestPatchDoesNotRepeatVersionAnswers(t *testing.T) {
	f := newFakeGenesys(t, status(409, "general.conflict"))
	c := f.client()
	withFakeClock(c)
	name := "x"
	_, err := c.PatchUser(context.Background(), "u1", UpdateUser{Version: 2, Name: &name})
	if !IsVersionMismatch(err) || len(f.Requests()) != 1 {
		t.Errorf("err = %v after %d requests", err, len(f.Requests()))
	}
}

// GetUsersByID asks for at most 100 ids per call, each call one page of
// exactly its ids with state=any, and returns every user answered, deleted
// ones included.
func TestGetUsersByIDChunks(t *testing.T) {
	f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var users []map[string]any
		for i, id := range q["id"] {
			state := StateActive
			if i == 0 {
				state = StateDeleted
			}
			users = append(users, map[string]any{"id": id, "state": state, "version": 1, "groups": []any{map[string]any{"id": "g-" + id}}})
		}
		writeJSON(w, 200, map[string]any{"entities": users, "pageSize": len(users), "pageNumber": 1, "total": len(users), "pageCount": 1})
	})
	ids := make([]string, 250)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%d", i)
	}
	users, err := f.client().GetUsersByID(context.Background(), ids, "groups")
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	next := 0
	for i, want := range []int{100, 100, 50} {
		q, _ := url.ParseQuery(reqs[i].Query)
		if len(q["id"]) != want || q.Get("pageSize") != strconv.Itoa(want) || q.Get("state") != "any" ||
			q.Get("expand") != "groups" || q.Get("pageNumber") != "" || reqs[i].Method != "GET" || reqs[i].Path != "/api/v2/users" {
			t.Errorf("request %d: %s %s?%s", i, reqs[i].Method, reqs[i].Path, reqs[i].Query)
		}
		for _, id := range q["id"] {
			if id != ids[next] {
				t.Fatalf("request %d carries %s, want %s", i, id, ids[next])
			}
			next++
		}
	}
	if len(users) != 250 || users[0].State != StateDeleted || users[249].ID != "u249" ||
		len(users[249].Groups) != 1 || users[249].Groups[0].ID != "g-u249" {
		t.Errorf("got %d users, first %+v, last %+v", len(users), users[0], users[len(users)-1])
	}

	f2 := newFakeGenesys(t, okJSON(userJSON))
	if users, err := f2.client().GetUsersByID(context.Background(), nil); err != nil || users != nil || len(f2.Requests()) != 0 {
		t.Errorf("no ids: %v, %v after %d requests", users, err, len(f2.Requests()))
	}
}

func TestGetUsersByIDStopsAtFirstFailure(t *testing.T) {
	f := newFakeGenesys(t, sequence(okJSON(map[string]any{"entities": []any{userJSON}}), status(400, "bad.request")))
	users, err := f.client().GetUsersByID(context.Background(), make([]string, 150))
	if e, ok := AsAPIError(err); !ok || e.Status != 400 || users != nil || len(f.Requests()) != 2 {
		t.Errorf("%v, %v after %d requests", users, err, len(f.Requests()))
	}
}

func TestMoveToDivision(t *testing.T) {
	t.Run("204 after a 503 is repeated", func(t *testing.T) {
		f := newFakeGenesys(t, sequence(status(503, "x"), func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
		c := f.client()
		withFakeClock(c)
		if err := c.MoveToDivision(context.Background(), "d1", []string{"u1"}); err != nil || len(f.Requests()) != 2 {
			t.Errorf("%v after %d requests", err, len(f.Requests()))
		}
	})
	t.Run("no ids, no call", func(t *testing.T) {
		f := newFakeGenesys(t, okJSON(userJSON))
		if err := f.client().MoveToDivision(context.Background(), "d1", nil); err != nil || len(f.Requests()) != 0 {
			t.Errorf("%v after %d requests", err, len(f.Requests()))
		}
	})
}
