package scim

import (
	"net/url"
	"strconv"
	"strings"
)

// queryParam returns the first value of a query parameter, matching its
// name case-insensitively (clients send startindex, Count...).
func queryParam(q url.Values, name string) (string, bool) {
	if v, ok := q[name]; ok && len(v) > 0 {
		return v[0], true
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

// ParseListQuery reads GET /Users parameters (RFC 7644 §3.4.2.4):
// startIndex < 1 counts as 1, count < 0 as 0, an absent count or one above
// maxResults as maxResults; a non-integer is 400 invalidValue. sortBy and
// sortOrder are ignored: sorting is not advertised, and the order is stable.
// Groups is set when the attributes parameter asks for groups: a list
// leaves them out otherwise, as reading every listed user's groups costs
// the backend more than the rest of the page. ExternalID is set unless the
// projection leaves externalId out.
func ParseListQuery(q url.Values, maxResults int) (*ListQuery, error) {
	start, count, f, err := parseListParams(q, maxResults, ParseFilter)
	if err != nil {
		return nil, err
	}
	p := projectionFrom(q, userSegments)
	return &ListQuery{Filter: f, StartIndex: start, Count: count,
		Groups: p.asks("groups"), ExternalID: p.returns("externalid")}, nil
}

// ParseGroupListQuery reads GET /Groups parameters: startIndex and count
// exactly as ParseListQuery does, the filter with ParseGroupFilter, and
// Members false when attributes / excludedAttributes leave members out of
// the response (Entra asks excludedAttributes=members), so a large group is
// never read for nothing.
func ParseGroupListQuery(q url.Values, maxResults int) (*GroupListQuery, error) {
	start, count, f, err := parseListParams(q, maxResults, ParseGroupFilter)
	if err != nil {
		return nil, err
	}
	return &GroupListQuery{Filter: f, StartIndex: start, Count: count,
		Members: projectionFrom(q, groupSegments).returns("members")}, nil
}

// parseListParams reads startIndex, count and filter (parsed by
// parseFilter).
func parseListParams(q url.Values, maxResults int, parseFilter func(string) (Filter, error)) (start, count int, f Filter, err error) {
	start, count = 1, maxResults
	if v, ok := queryParam(q, "startIndex"); ok {
		n, err := queryInt(v, "startIndex")
		if err != nil {
			return 0, 0, nil, err
		}
		start = max(n, 1)
	}
	if v, ok := queryParam(q, "count"); ok {
		n, err := queryInt(v, "count")
		if err != nil {
			return 0, 0, nil, err
		}
		count = min(max(n, 0), maxResults)
	}
	if v, ok := queryParam(q, "filter"); ok {
		if f, err = parseFilter(v); err != nil {
			return 0, 0, nil, err
		}
	}
	return start, count, f, nil
}

// queryInt parses an integer parameter; values beyond int range saturate, as
// they are clamped anyway.
func queryInt(v, name string) (int, error) {
	v = strings.TrimSpace(v)
	n, err := strconv.Atoi(v)
	if err == nil {
		return n, nil
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		if strings.HasPrefix(v, "-") {
			return -1, nil
		}
		return int(^uint(0) >> 1), nil
	}
	return 0, BadValue("query parameter %s must be an integer", name)
}
