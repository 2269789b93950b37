package genesys

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// pagedEntities serves a routing lookup: page n of pages, 100 per page
// except the last.
func pagedEntities(t *testing.T, pages [][]NamedEntity) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("pageSize") != "100" || q.Get("name") == "" {
			t.Errorf("lookup query %s", r.URL.RawQuery)
		}
		n, _ := strconv.Atoi(q.Get("pageNumber"))
		if n < 1 || n > len(pages) {
			writeJSON(w, 200, map[string]any{"entities": []any{}, "pageCount": len(pages)})
			return
		}
		writeJSON(w, 200, map[string]any{"entities": pages[n-1], "pageNumber": n, "pageSize": 100, "pageCount": len(pages)})
	}
}

func prefixPage(prefix string, n int) []NamedEntity {
	page := make([]NamedEntity, n)
	for i := range page {
		page[i] = NamedEntity{ID: fmt.Sprintf("%s-%d", prefix, i), Name: fmt.Sprintf("%s %d", prefix, i), State: "active"}
	}
	return page
}

func TestFindByExactNameAcrossPages(t *testing.T) {
	finders := []struct {
		path string
		find func(*Client, context.Context, string) (*NamedEntity, error)
	}{
		{"/api/v2/routing/skills", (*Client).FindSkill},
		{"/api/v2/routing/languages", (*Client).FindLanguage},
		{"/api/v2/routing/queues", (*Client).FindQueue},
	}
	page1 := prefixPage("Billing", 100)
	page2 := []NamedEntity{
		{ID: "lower", Name: "billing", State: "active"},
		{ID: "gone", Name: "Billing", State: "deleted"},
		{ID: "the-one", Name: "Billing", State: "active"},
	}
	for _, fd := range finders {
		t.Run(fd.path, func(t *testing.T) {
			f := newFakeGenesys(t, pagedEntities(t, [][]NamedEntity{page1, page2}))
			c := f.client()
			e, err := fd.find(c, context.Background(), "Billing")
			if err != nil || e == nil || e.ID != "the-one" {
				t.Fatalf("found %+v, %v; want the-one", e, err)
			}
			reqs := f.Requests()
			if len(reqs) != 2 || reqs[0].Path != fd.path {
				t.Errorf("requests %+v", reqs)
			}
			// Not there at all: every page read once, then (nil, nil).
			e, err = fd.find(c, context.Background(), "Billing 7 ")
			if err != nil || e != nil {
				t.Errorf("missing name: %+v, %v", e, err)
			}
			if n := len(f.Requests()) - 2; n != 2 {
				t.Errorf("missing name read %d pages, want 2", n)
			}
		})
	}
}

func TestFindStopsOnShortPageWithoutPageCount(t *testing.T) {
	f := newFakeGenesys(t, okJSON(map[string]any{"entities": []NamedEntity{{ID: "x", Name: "Spanish (MX)"}}}))
	e, err := f.client().FindLanguage(context.Background(), "Spanish")
	if err != nil || e != nil || len(f.Requests()) != 1 {
		t.Errorf("%+v, %v after %d requests", e, err, len(f.Requests()))
	}
}

func TestBulkCallsAreChunked(t *testing.T) {
	profs := func(n int) []Proficiency {
		p := make([]Proficiency, n)
		for i := range p {
			p[i] = Proficiency{ID: fmt.Sprintf("s%d", i), Proficiency: 3}
		}
		return p
	}
	ids := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("u%d", i)
		}
		return s
	}
	tests := []struct {
		name                string
		run                 func(*Client) error
		method, path, query string
		sizes               []int
	}{
		{"skills", func(c *Client) error { return c.AddUserSkills(context.Background(), "u1", profs(120)) },
			"PATCH", "/api/v2/users/u1/routingskills/bulk", "", []int{50, 50, 20}},
		{"skills exactly 50", func(c *Client) error { return c.AddUserSkills(context.Background(), "u1", profs(50)) },
			"PATCH", "/api/v2/users/u1/routingskills/bulk", "", []int{50}},
		{"languages", func(c *Client) error { return c.AddUserLanguages(context.Background(), "u1", profs(51)) },
			"PATCH", "/api/v2/users/u1/routinglanguages/bulk", "", []int{50, 1}},
		{"queue members", func(c *Client) error { return c.AddQueueMembers(context.Background(), "q/1", ids(250)) },
			"POST", "/api/v2/routing/queues/q%2F1/members", "", []int{100, 100, 50}},
		{"queue member removal", func(c *Client) error { return c.RemoveQueueMembers(context.Background(), "q/1", ids(250)) },
			"POST", "/api/v2/routing/queues/q%2F1/members", "delete=true", []int{100, 100, 50}},
		{"queue member removal exactly 100", func(c *Client) error { return c.RemoveQueueMembers(context.Background(), "q1", ids(100)) },
			"POST", "/api/v2/routing/queues/q1/members", "delete=true", []int{100}},
		{"nothing to add", func(c *Client) error { return c.AddUserSkills(context.Background(), "u1", nil) },
			"", "", "", nil},
		{"nothing to remove", func(c *Client) error { return c.RemoveQueueMembers(context.Background(), "q1", nil) },
			"", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
			if err := tt.run(f.client()); err != nil {
				t.Fatal(err)
			}
			reqs := f.Requests()
			if len(reqs) != len(tt.sizes) {
				t.Fatalf("%d requests, want %d", len(reqs), len(tt.sizes))
			}
			seen := map[string]bool{}
			for i, r := range reqs {
				var items []map[string]any
				if err := json.Unmarshal(r.Body, &items); err != nil {
					t.Fatalf("body is not an array: %s", r.Body)
				}
				if r.Method != tt.method || r.RawPath != tt.path || r.Query != tt.query || len(items) != tt.sizes[i] {
					t.Errorf("request %d: %s %s?%s with %d items; want %s %s?%s with %d", i, r.Method, r.RawPath, r.Query, len(items), tt.method, tt.path, tt.query, tt.sizes[i])
				}
				for _, it := range items {
					id, _ := it["id"].(string)
					if seen[id] || id == "" {
						t.Errorf("item %v sent twice or without id", it)
					}
					seen[id] = true
					// Proficiency bodies are {id, proficiency}; queue members {id}.
					_, hasProf := it["proficiency"]
					wantKeys := 1
					if tt.method == "PATCH" {
						wantKeys = 2
					}
					if len(it) != wantKeys || hasProf != (wantKeys == 2) {
						t.Errorf("item shape %v", it)
					}
				}
			}
		})
	}
}

func TestAddQueueMembersExistingMemberIsFine(t *testing.T) {
	f := newFakeGenesys(t, status(409, "general.conflict"))
	if err := f.client().AddQueueMembers(context.Background(), "q1", []string{"u1"}); err != nil {
		t.Errorf("conflict on queue add = %v, want nil", err)
	}
}

func TestBulkStopsAtFirstFailure(t *testing.T) {
	f := newFakeGenesys(t, sequence(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }, status(400, "bad.request")))
	err := f.client().AddUserSkills(context.Background(), "u1", make([]Proficiency, 150))
	if e, ok := AsAPIError(err); !ok || e.Status != 400 || e.Endpoint != "PATCH /api/v2/users/{id}/routingskills/bulk" {
		t.Errorf("err = %v", err)
	}
	if len(f.Requests()) != 2 {
		t.Errorf("%d requests after a failed chunk, want 2", len(f.Requests()))
	}
}

func TestRoutingRemovals(t *testing.T) {
	noContent := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }
	skill := func(c *Client) error { return c.RemoveUserSkill(context.Background(), "u/1", "s 1") }
	language := func(c *Client) error { return c.RemoveUserLanguage(context.Background(), "u1", "l?1") }
	tests := []struct {
		name     string
		api      http.HandlerFunc
		run      func(*Client) error
		path     string
		requests int
		check    func(error) bool
	}{
		{"skill", noContent, skill, "/api/v2/users/u%2F1/routingskills/s%201", 1, isNil},
		{"skill: 503 then not found is done", sequence(status(503, "x"), status(404, "not.found")), skill, "/api/v2/users/u%2F1/routingskills/s%201", 2, isNil},
		{"skill: first not found is reported", status(404, "not.found"), skill, "/api/v2/users/u%2F1/routingskills/s%201", 1, IsNotFound},
		{"language", noContent, language, "/api/v2/users/u1/routinglanguages/l%3F1", 1, isNil},
		{"language: dropped then not found is done", sequence(dropConnection, status(404, "not.found")), language, "/api/v2/users/u1/routinglanguages/l%3F1", 2, isNil},
		{"language: first not found is reported", status(404, "not.found"), language, "/api/v2/users/u1/routinglanguages/l%3F1", 1, IsNotFound},
		{"queue removal after 503", sequence(status(503, "x"), noContent), func(c *Client) error {
			return c.RemoveQueueMembers(context.Background(), "q1", []string{"u1"})
		}, "/api/v2/routing/queues/q1/members", 2, isNil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGenesys(t, tt.api)
			c := f.client(func(cfg *Config) { cfg.HTTPClient = noKeepAlive() })
			withFakeClock(c)
			if err := tt.run(c); !tt.check(err) {
				t.Errorf("err = %v", err)
			}
			reqs := f.Requests()
			if len(reqs) != tt.requests {
				t.Fatalf("%d requests, want %d", len(reqs), tt.requests)
			}
			for _, r := range reqs {
				wantMethod := "DELETE"
				if strings.Contains(tt.path, "/queues/") {
					wantMethod = "POST"
				}
				if r.Method != wantMethod || r.RawPath != tt.path {
					t.Errorf("sent %s %s, want %s %s", r.Method, r.RawPath, wantMethod, tt.path)
				}
				if wantMethod == "DELETE" && len(r.Body) != 0 {
					t.Errorf("a DELETE with a body: %s", r.Body)
				}
			}
		})
	}
}
