package genesys

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Search limits published for the search APIs, users and groups alike
// (https://developer.genesys.cloud/organization/search/search-limits, "Search
// Limits"): "Max Page Size: 100", "Max Number of Values in a Criteria: 50",
// "Max Number of Characters in a Value: 300", "Max Number of Paginated
// Results: 10,000".
const (
	searchMaxPageSize = 100
	searchMaxValues   = 50
	searchMaxValueLen = 300
	searchMaxResults  = 10000
)

// checkSearch refuses a search request that breaks the published search
// limits. PageNumber 0 is the API default, page 1.
func checkSearch(endpoint string, req *SearchRequest) error {
	if req.PageSize < 1 || req.PageSize > searchMaxPageSize {
		return &LimitError{Endpoint: endpoint, Limit: fmt.Sprintf("pageSize must be 1..%d", searchMaxPageSize), Got: req.PageSize}
	}
	if req.PageNumber < 0 {
		return &LimitError{Endpoint: endpoint, Limit: "pageNumber must not be negative", Got: req.PageNumber}
	}
	if page := max(req.PageNumber, 1); page > searchMaxResults/req.PageSize {
		got := math.MaxInt // pageSize * pageNumber, saturated
		if page <= math.MaxInt/req.PageSize {
			got = page * req.PageSize
		}
		return &LimitError{Endpoint: endpoint, Limit: fmt.Sprintf("pageSize × pageNumber must be at most %d", searchMaxResults), Got: got}
	}
	return checkCriteria(endpoint, req.Query)
}

// checkCriteria applies the per-criterion limits to every criterion, those
// nested in groups included.
func checkCriteria(endpoint string, criteria []SearchCriteria) error {
	for i := range criteria {
		c := &criteria[i]
		if len(c.Values) > searchMaxValues {
			return &LimitError{Endpoint: endpoint, Limit: fmt.Sprintf("a criterion may hold at most %d values", searchMaxValues), Got: len(c.Values)}
		}
		if err := checkValue(endpoint, c.Value); err != nil {
			return err
		}
		for _, v := range c.Values {
			if err := checkValue(endpoint, v); err != nil {
				return err
			}
		}
		if err := checkCriteria(endpoint, c.Group); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(endpoint, v string) error {
	// Most values are far shorter in bytes than the limit in characters.
	if len(v) <= searchMaxValueLen {
		return nil
	}
	if n := utf8.RuneCountInString(v); n > searchMaxValueLen {
		return &LimitError{Endpoint: endpoint, Limit: fmt.Sprintf("a search value may hold at most %d characters", searchMaxValueLen), Got: n}
	}
	return nil
}
