package genesystest

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// queryParams parses the query string and rejects any parameter not in
// allowed: the real API ignores unknown parameters in general, but an
// unknown one is always a client bug (the tutorial's page= instead of
// pageNumber=), so the emulator refuses it (strict). A parameter given more
// than once where one value is expected is also refused.
func (c *call) queryParams(allowed, multi []string) (url.Values, bool) {
	v, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		c.badRequest("malformed query string")
		return nil, false
	}
	for k, vals := range v {
		if !oneOf(k, allowed) {
			c.badRequest("unrecognized query parameter " + strconv.Quote(k))
			return nil, false
		}
		if len(vals) > 1 && !oneOf(k, multi) {
			c.badRequest("query parameter " + strconv.Quote(k) + " given more than once")
			return nil, false
		}
	}
	return v, true
}

// intParam reads an integer parameter in [lo, hi], def when absent. It
// answers a rejection and returns false when the value is bad.
func (c *call) intParam(v url.Values, name string, def, lo, hi int) (int, bool) {
	s, ok := v[name]
	if !ok {
		return def, true
	}
	n, err := strconv.Atoi(s[0])
	if err != nil || n < lo || n > hi {
		c.badRequest(name + " must be an integer from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi))
		return 0, false
	}
	return n, true
}

// listValues splits multi-valued and comma-separated parameter values.
func listValues(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// maxPageNumber bounds pageNumber so page arithmetic cannot overflow.
const maxPageNumber = 1 << 20

// page computes the slice bounds of a page and the page count.
func page(total, pageSize, pageNumber int) (start, end, pageCount int) {
	pageCount = (total + pageSize - 1) / pageSize
	start = min((pageNumber-1)*pageSize, total)
	end = min(start+pageSize, total)
	return start, end, pageCount
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x7f {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendInt(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }

// appendListing appends the paging fields of an entity listing (after the
// entities array, before the closing brace). base is the path with the
// fixed parameters, e.g. "/api/v2/users?state=inactive&"; it must need no
// JSON escaping.
func appendListing(b []byte, base string, pageSize, pageNumber, total, pageCount int) []byte {
	b = append(b, `,"pageSize":`...)
	b = appendInt(b, pageSize)
	b = append(b, `,"pageNumber":`...)
	b = appendInt(b, pageNumber)
	b = append(b, `,"total":`...)
	b = appendInt(b, total)
	b = append(b, `,"pageCount":`...)
	b = appendInt(b, pageCount)
	uri := func(name string, n int) {
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":"`...)
		b = append(b, base...)
		b = append(b, "pageSize="...)
		b = appendInt(b, pageSize)
		b = append(b, "&pageNumber="...)
		b = appendInt(b, n)
		b = append(b, '"')
	}
	uri("firstUri", 1)
	uri("selfUri", pageNumber)
	if pageNumber < pageCount {
		uri("nextUri", pageNumber+1)
	} else {
		b = append(b, `,"nextUri":null`...)
	}
	if pageNumber > 1 {
		uri("previousUri", min(pageNumber-1, max(pageCount, 1)))
	} else {
		b = append(b, `,"previousUri":null`...)
	}
	uri("lastUri", max(pageCount, 1))
	return b
}

// appendEntityListing appends a whole entity listing: the page (size,
// number) of the items that match, in order or reversed, then the paging
// fields with base (see appendListing). appendOne appends one entity.
func appendEntityListing[T any](b []byte, items []T, desc bool, match func(T) bool, size, number int, base string, appendOne func([]byte, T) []byte) []byte {
	total := 0
	for _, it := range items {
		if match(it) {
			total++
		}
	}
	start, end, pageCount := page(total, size, number)
	b = append(b, `{"entities":[`...)
	i := 0
	for k := 0; k < len(items) && i < end; k++ {
		it := items[k]
		if desc {
			it = items[len(items)-1-k]
		}
		if !match(it) {
			continue
		}
		if i >= start {
			if i > start {
				b = append(b, ',')
			}
			b = appendOne(b, it)
		}
		i++
	}
	b = append(b, ']')
	b = appendListing(b, base, size, number, total, pageCount)
	return append(b, '}')
}

// sortOrderParam reads the sortOrder of a listing: ascending (the default)
// or descending, also spelled ASC and DESC. It reports whether the order is
// descending; it answers the rejection itself when the value is bad.
func (c *call) sortOrderParam(q url.Values) (desc, ok bool) {
	so, has := q["sortOrder"]
	if !has {
		return false, true
	}
	switch so[0] {
	case "ascending", "ASC":
		return false, true
	case "descending", "DESC":
		return true, true
	}
	c.badRequest("sortOrder must be ascending or descending")
	return false, false
}

// paging reads pageSize (default 25, at most maxSize) and pageNumber
// (default 1), the paging parameters every listing endpoint shares.
func (c *call) paging(q url.Values, maxSize int) (size, number int, ok bool) {
	if size, ok = c.intParam(q, "pageSize", 25, 1, maxSize); !ok {
		return 0, 0, false
	}
	number, ok = c.intParam(q, "pageNumber", 1, 1, maxPageNumber)
	return size, number, ok
}
