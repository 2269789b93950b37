package genesys

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A request that breaks a published search limit is refused with a
// *LimitError before anything is sent (no token either); one at the limit
// goes.
func TestSearchLimits(t *testing.T) {
	values := func(n int) []string { return make([]string, n) }
	long := strings.Repeat("x", 301)
	tests := []struct {
		name  string
		req   SearchRequest
		limit string // "" for a request that must be sent
		got   int
	}{
		{"pageSize 1", SearchRequest{PageSize: 1}, "", 0},
		{"pageSize 100", SearchRequest{PageSize: 100, PageNumber: 1}, "", 0},
		{"pageSize 0", SearchRequest{PageNumber: 1}, "pageSize", 0},
		{"pageSize 101", SearchRequest{PageSize: 101, PageNumber: 1}, "pageSize", 101},
		{"pageSize negative", SearchRequest{PageSize: -5}, "pageSize", -5},
		{"pageNumber negative", SearchRequest{PageSize: 10, PageNumber: -1}, "pageNumber", -1},
		{"the 10,000th result", SearchRequest{PageSize: 100, PageNumber: 100}, "", 0},
		{"past 10,000 results", SearchRequest{PageSize: 100, PageNumber: 101}, "10000", 10100},
		{"odd page size at the edge", SearchRequest{PageSize: 30, PageNumber: 333}, "", 0},
		{"odd page size past the edge", SearchRequest{PageSize: 30, PageNumber: 334}, "10000", 10020},
		{"absurd page number", SearchRequest{PageSize: 100, PageNumber: 1 << 62}, "10000", int(^uint(0) >> 1)},
		{"50 values", SearchRequest{PageSize: 25, Query: []SearchCriteria{{Type: SearchExact, Fields: []string{"id"}, Values: values(50)}}}, "", 0},
		{"51 values", SearchRequest{PageSize: 25, Query: []SearchCriteria{{Type: SearchExact, Fields: []string{"id"}, Values: values(51)}}}, "50 values", 51},
		{"51 values nested", SearchRequest{PageSize: 25, Query: []SearchCriteria{{Operator: OpAnd, Group: []SearchCriteria{
			{Type: SearchExact, Fields: []string{"state"}, Value: "active"},
			{Operator: OpOr, Group: []SearchCriteria{{Type: SearchExact, Fields: []string{"id"}, Values: values(51)}}}}}}}, "50 values", 51},
		{"300 characters", SearchRequest{PageSize: 25, Query: []SearchCriteria{{Type: SearchExact, Fields: []string{"email"}, Value: strings.Repeat("é", 300)}}}, "", 0},
		{"301 characters", SearchRequest{PageSize: 25, Query: []SearchCriteria{{Type: SearchExact, Fields: []string{"email"}, Value: long}}}, "300 characters", 301},
		{"301 characters in values", SearchRequest{PageSize: 25, Query: []SearchCriteria{{Type: SearchExact, Fields: []string{"email"}, Values: []string{"a", long}}}}, "300 characters", 301},
		{"301 characters nested", SearchRequest{PageSize: 25, Query: []SearchCriteria{{Group: []SearchCriteria{{Type: SearchContains, Fields: []string{"name"}, Value: long}}}}}, "300 characters", 301},
	}
	searches := []struct {
		endpoint string
		search   func(*Client, SearchRequest) error
	}{
		{"POST /api/v2/users/search", func(c *Client, req SearchRequest) error {
			_, err := c.SearchUsers(context.Background(), req)
			return err
		}},
		{"POST /api/v2/groups/search", func(c *Client, req SearchRequest) error {
			_, err := c.SearchGroups(context.Background(), req)
			return err
		}},
	}
	for _, s := range searches {
		for _, tt := range tests {
			t.Run(s.endpoint+"/"+tt.name, func(t *testing.T) {
				testSearchLimit(t, s.endpoint, s.search, tt.req, tt.limit, tt.got)
			})
		}
	}
}

func testSearchLimit(t *testing.T, endpoint string, search func(*Client, SearchRequest) error, req SearchRequest, limit string, got int) {
	f := newFakeGenesys(t, okJSON(map[string]any{"total": 0}))
	err := search(f.client(), req)
	if limit == "" {
		if err != nil || len(f.Requests()) != 1 {
			t.Errorf("err = %v after %d requests, want the search sent", err, len(f.Requests()))
		}
		return
	}
	var le *LimitError
	if !errors.As(err, &le) || le.Endpoint != endpoint || !strings.Contains(le.Limit, limit) || le.Got != got {
		t.Errorf("err = %#v, want a LimitError on %q, got %d", err, limit, got)
	}
	if len(f.Requests()) != 0 || f.tokenCalls.Load() != 0 {
		t.Errorf("a refused search reached the network")
	}
	if err != nil && strings.Contains(err.Error(), strings.Repeat("x", 301)) {
		t.Errorf("the error holds the value: %v", err)
	}
}
