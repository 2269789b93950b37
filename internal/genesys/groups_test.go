package genesys

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

var groupJSON = map[string]any{"id": "g1", "name": "Ops", "state": "active", "type": "official", "visibility": "public",
	"rulesVisible": true, "memberCount": 2, "version": 5, "selfUri": "/api/v2/groups/g1"}

func TestGroupCallsShapes(t *testing.T) {
	name, empty, yes := "Ops 2", "", true
	tests := []struct {
		name                   string
		run                    func(c *Client) error
		method, rawPath, query string
		body                   string // expected JSON body, "" for none
	}{
		{"create", func(c *Client) error {
			_, err := c.CreateGroup(context.Background(), "Ops")
			return err
		}, "POST", "/api/v2/groups", "", `{"name":"Ops","type":"official","rulesVisible":true,"visibility":"public"}`},
		{"get, escaped id", func(c *Client) error {
			_, err := c.GetGroup(context.Background(), "g/../1?x")
			return err
		}, "GET", "/api/v2/groups/g%2F..%2F1%3Fx", "", ""},
		{"list", func(c *Client) error {
			_, err := c.ListGroups(context.Background(), 50, 2)
			return err
		}, "GET", "/api/v2/groups", "pageNumber=2&pageSize=50", ""},
		{"list defaults", func(c *Client) error {
			_, err := c.ListGroups(context.Background(), 0, 0)
			return err
		}, "GET", "/api/v2/groups", "", ""},
		{"search never sends expand", func(c *Client) error {
			_, err := c.SearchGroups(context.Background(), SearchRequest{PageSize: 25, PageNumber: 1, SortBy: "name", SortOrder: "ASC",
				Expand: []string{"members"}, Query: []SearchCriteria{{Type: SearchExact, Fields: []string{"name"}, Value: "Ops"}}})
			return err
		}, "POST", "/api/v2/groups/search", "", `{"pageSize":25,"pageNumber":1,"sortBy":"name","sortOrder":"ASC","query":[{"type":"EXACT","fields":["name"],"value":"Ops"}]}`},
		{"update", func(c *Client) error {
			_, err := c.UpdateGroup(context.Background(), "g1", UpdateGroup{Version: 5, Name: &name, Description: &empty})
			return err
		}, "PUT", "/api/v2/groups/g1", "", `{"version":5,"name":"Ops 2","description":""}`},
		{"update keeping visibility", func(c *Client) error {
			_, err := c.UpdateGroup(context.Background(), "g1", UpdateGroup{Version: 5, Name: &name, Visibility: GroupVisibilityPublic, RulesVisible: &yes})
			return err
		}, "PUT", "/api/v2/groups/g1", "", `{"version":5,"name":"Ops 2","visibility":"public","rulesVisible":true}`},
		{"update state", func(c *Client) error {
			_, err := c.UpdateGroup(context.Background(), "g1", UpdateGroup{Version: 5, State: StateInactive})
			return err
		}, "PUT", "/api/v2/groups/g1", "", `{"version":5,"state":"inactive"}`},
		{"delete", func(c *Client) error { return c.DeleteGroup(context.Background(), "g1") }, "DELETE", "/api/v2/groups/g1", "", ""},
		{"members", func(c *Client) error {
			_, err := c.GroupMembers(context.Background(), "g 1", 100, 2, "groups", "skills")
			return err
		}, "GET", "/api/v2/groups/g%201/members", "expand=groups&expand=skills&pageNumber=2&pageSize=100", ""},
		{"members defaults", func(c *Client) error {
			_, err := c.GroupMembers(context.Background(), "g1", 0, 0)
			return err
		}, "GET", "/api/v2/groups/g1/members", "", ""},
		{"add members", func(c *Client) error {
			return c.AddGroupMembers(context.Background(), "g1", 7, []string{"u1", "u2"})
		}, "POST", "/api/v2/groups/g1/members", "", `{"memberIds":["u1","u2"],"version":7}`},
		{"remove members", func(c *Client) error {
			return c.RemoveGroupMembers(context.Background(), "g1", []string{"u1", "u&2"})
		}, "DELETE", "/api/v2/groups/g1/members", "ids=u1%2Cu%262", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, okJSON(groupJSON))
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

func TestGroupDecoding(t *testing.T) {
	body := func(s string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(s)) }
	}
	want := Group{ID: "g1", Name: "Ops", Description: "Operations", State: StateDeleted, Type: GroupTypeOfficial,
		Visibility: GroupVisibilityPublic, Version: 152, MemberCount: 2, SelfURI: "/api/v2/groups/g1"}
	one := `{"id":"g1","name":"Ops","description":"Operations","dateModified":"2026-11-26T12:00:00Z","memberCount":2,
		"state":"deleted","version":"152","type":"official","visibility":"public","rulesVisible":true,
		"owners":[{"id":"o1"}],"selfUri":"/api/v2/groups/g1"}`

	t.Run("get", func(t *testing.T) {
		f := newFakeGenesys(t, body(one))
		g, err := f.client().GetGroup(context.Background(), "g1")
		if err != nil || !reflect.DeepEqual(*g, want) {
			t.Errorf("%+v, %v", g, err)
		}
	})
	t.Run("get missing", func(t *testing.T) {
		f := newFakeGenesys(t, status(404, "not.found"))
		if _, err := f.client().GetGroup(context.Background(), "g1"); !IsNotFound(err) {
			t.Errorf("err = %v, want not found", err)
		}
	})
	t.Run("list", func(t *testing.T) {
		f := newFakeGenesys(t, body(`{"entities":[`+one+`],"pageSize":25,"pageNumber":1,"total":26,"pageCount":2,"nextUri":"/x"}`))
		p, err := f.client().ListGroups(context.Background(), 25, 1)
		if err != nil || len(p.Entities) != 1 || !reflect.DeepEqual(p.Entities[0], want) || p.Total != 26 || p.PageCount != 2 || p.PageSize != 25 || p.PageNumber != 1 {
			t.Errorf("%+v, %v", p, err)
		}
	})
	t.Run("search", func(t *testing.T) {
		f := newFakeGenesys(t, body(`{"total":1,"pageCount":1,"pageSize":25,"pageNumber":1,"types":["groups"],"results":[`+one+`]}`))
		r, err := f.client().SearchGroups(context.Background(), SearchRequest{PageSize: 25})
		if err != nil || r.Total != 1 || len(r.Results) != 1 || !reflect.DeepEqual(r.Results[0], want) {
			t.Errorf("%+v, %v", r, err)
		}
	})
	for _, b := range []string{`{"total":0,"pageCount":0,"pageSize":25,"pageNumber":1}`, `{"total":0,"results":[]}`} {
		t.Run("search without hits "+b, func(t *testing.T) {
			f := newFakeGenesys(t, body(b))
			r, err := f.client().SearchGroups(context.Background(), SearchRequest{PageSize: 25})
			if err != nil || r.Total != 0 || r.Results != nil {
				t.Errorf("%+v, %v", r, err)
			}
		})
	}
	t.Run("members with their groups", func(t *testing.T) {
		f := newFakeGenesys(t, body(`{"entities":[{"id":"u1","name":"Ann","state":"active","version":3,
			"groups":[{"id":"g1","selfUri":"/api/v2/groups/g1"},{"id":"g2","selfUri":"/api/v2/groups/g2"}]}],
			"pageSize":100,"pageNumber":1,"total":1,"pageCount":1}`))
		p, err := f.client().GroupMembers(context.Background(), "g1", 100, 1, "groups")
		if err != nil || p.Total != 1 || len(p.Entities) != 1 ||
			!reflect.DeepEqual(p.Entities[0].Groups, []Ref{{ID: "g1", SelfURI: "/api/v2/groups/g1"}, {ID: "g2", SelfURI: "/api/v2/groups/g2"}}) {
			t.Errorf("%+v, %v", p, err)
		}
	})
	t.Run("update", func(t *testing.T) {
		f := newFakeGenesys(t, body(one))
		g, err := f.client().UpdateGroup(context.Background(), "g1", UpdateGroup{Version: 151})
		if err != nil || g.Version != 152 {
			t.Errorf("%+v, %v", g, err)
		}
	})
}

// Calls that break a documented limit or miss a version are refused before
// anything is sent.
func TestGroupCallsRefusedWithoutCalling(t *testing.T) {
	ids := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("u%d", i)
		}
		return s
	}
	isLimit := func(got int) func(error) bool {
		return func(err error) bool {
			var le *LimitError
			return errors.As(err, &le) && le.Got == got
		}
	}
	tests := []struct {
		name  string
		run   func(*Client) error
		check func(error) bool
	}{
		{"add 51", func(c *Client) error { return c.AddGroupMembers(context.Background(), "g1", 3, ids(51)) }, isLimit(51)},
		{"add none", func(c *Client) error { return c.AddGroupMembers(context.Background(), "g1", 3, nil) }, isLimit(0)},
		{"add without version", func(c *Client) error { return c.AddGroupMembers(context.Background(), "g1", 0, ids(1)) },
			func(err error) bool { return errors.Is(err, ErrMissingVersion) }},
		{"update without version", func(c *Client) error {
			_, err := c.UpdateGroup(context.Background(), "g1", UpdateGroup{State: StateInactive})
			return err
		}, func(err error) bool { return errors.Is(err, ErrMissingVersion) }},
		{"members page of 101", func(c *Client) error {
			_, err := c.GroupMembers(context.Background(), "g1", 101, 1)
			return err
		}, isLimit(101)},
		{"members page negative", func(c *Client) error {
			_, err := c.GroupMembers(context.Background(), "g1", -1, 1)
			return err
		}, isLimit(-1)},
		{"remove an id with a comma", func(c *Client) error {
			return c.RemoveGroupMembers(context.Background(), "g1", append(ids(60), "u1,u2"))
		}, func(err error) bool { return errors.Is(err, ErrCommaInID) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, okJSON(groupJSON))
			if err := tt.run(f.client()); !tt.check(err) {
				t.Errorf("err = %v", err)
			}
			if len(f.Requests()) != 0 || f.tokenCalls.Load() != 0 {
				t.Errorf("a refused call reached the network")
			}
		})
	}
}

func TestRemoveGroupMembersChunks(t *testing.T) {
	f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) })
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%d", i)
	}
	if err := f.client().RemoveGroupMembers(context.Background(), "g1", ids); err != nil {
		t.Fatal(err)
	}
	reqs := f.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	next := 0
	for i, want := range []int{50, 50, 20} {
		q, err := url.ParseQuery(reqs[i].Query)
		got := strings.Split(q.Get("ids"), ",")
		if err != nil || len(q) != 1 || len(got) != want || reqs[i].Method != "DELETE" || reqs[i].RawPath != "/api/v2/groups/g1/members" {
			t.Fatalf("request %d: %s %s?%s", i, reqs[i].Method, reqs[i].RawPath, reqs[i].Query)
		}
		for _, id := range got {
			if id != ids[next] {
				t.Fatalf("request %d carries %s, want %s", i, id, ids[next])
			}
			next++
		}
	}
	f2 := newFakeGenesys(t, okJSON(groupJSON))
	if err := f2.client().RemoveGroupMembers(context.Background(), "g1", nil); err != nil || len(f2.Requests()) != 0 {
		t.Errorf("no ids: %v after %d requests", err, len(f2.Requests()))
	}
}

// Membership writes and the delete answer 2xx with an empty body (202
// included): that is success, not a decoding error.
func TestGroupWritesWithEmptyAnswers(t *testing.T) {
	for _, code := range []int{200, 202, 204} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })
			c := f.client()
			if err := c.AddGroupMembers(context.Background(), "g1", 4, []string{"u1"}); err != nil {
				t.Errorf("add: %v", err)
			}
			if err := c.RemoveGroupMembers(context.Background(), "g1", []string{"u1"}); err != nil {
				t.Errorf("remove: %v", err)
			}
			if err := c.DeleteGroup(context.Background(), "g1"); err != nil {
				t.Errorf("delete: %v", err)
			}
		})
	}
}

func TestGroupWritesRepeat(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) }
	tests := []struct {
		name     string
		api      http.HandlerFunc
		run      func(*Client) error
		requests int
		check    func(error) bool
	}{
		{"create is not repeated", status(503, "x"), func(c *Client) error {
			_, err := c.CreateGroup(context.Background(), "Ops")
			return err
		}, 1, func(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }},
		{"create 408 is not repeated", status(408, "request.timeout"), func(c *Client) error {
			_, err := c.CreateGroup(context.Background(), "Ops")
			return err
		}, 1, func(err error) bool { return errors.Is(err, ErrOutcomeUnknown) }},
		{"update after 503", sequence(status(503, "x"), okJSON(groupJSON)), func(c *Client) error {
			_, err := c.UpdateGroup(context.Background(), "g1", UpdateGroup{Version: 4})
			return err
		}, 2, isNil},
		{"update version answer goes to the caller", status(409, "general.conflict"), func(c *Client) error {
			_, err := c.UpdateGroup(context.Background(), "g1", UpdateGroup{Version: 4})
			return err
		}, 1, IsVersionMismatch},
		{"delete 503 then not found is done", sequence(status(503, "x"), status(404, "not.found")), func(c *Client) error {
			return c.DeleteGroup(context.Background(), "g1")
		}, 2, isNil},
		{"delete version answer repeated", sequence(status(409, "general.conflict"), ok), func(c *Client) error {
			return c.DeleteGroup(context.Background(), "g1")
		}, 2, isNil},
		{"delete first-attempt not found", status(404, "not.found"), func(c *Client) error {
			return c.DeleteGroup(context.Background(), "g1")
		}, 1, IsNotFound},
		{"add after 503", sequence(status(503, "x"), ok), func(c *Client) error {
			return c.AddGroupMembers(context.Background(), "g1", 4, []string{"u1"})
		}, 2, isNil},
		{"add after 503 answered a version mismatch", sequence(status(503, "x"), status(409, "general.conflict")), func(c *Client) error {
			return c.AddGroupMembers(context.Background(), "g1", 4, []string{"u1"})
		}, 2, IsVersionMismatch},
		{"remove version answer repeated", sequence(status(408, "request.timeout"), ok), func(c *Client) error {
			return c.RemoveGroupMembers(context.Background(), "g1", []string{"u1"})
		}, 2, isNil},
		{"remove stops at the first failing chunk", sequence(ok, status(400, "bad.request")), func(c *Client) error {
			return c.RemoveGroupMembers(context.Background(), "g1", make([]string, 120))
		}, 2, func(err error) bool { e, ok := AsAPIError(err); return ok && e.Status == 400 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, tt.api)
			c := f.client()
			withFakeClock(c)
			if err := tt.run(c); !tt.check(err) {
				t.Errorf("err = %v", err)
			}
			if n := len(f.Requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}
