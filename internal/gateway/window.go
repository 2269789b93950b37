package gateway

// Paging: a SCIM window (1-based startIndex, count) over Genesys search pages
// (1-based pageNumber, pageSize).

// maxSearchPageSize is the largest pageSize this gateway asks of
// POST /api/v2/users/search: Genesys's published search limits allow at
// most 100.
const maxSearchPageSize = 100

// deepPagingLimit is the deepest result offset a search is asked for
// directly: Elasticsearch's default index.max_result_window, the same 10,000
// cap Genesys documents for GET /api/v2/users?state=inactive (DEVTOOLING-862).
// A window starting beyond it is first checked against the total, so an
// oversized startIndex gets an empty page instead of an upstream error.
const deepPagingLimit = 10000

// maxOffset bounds the arithmetic on startIndex (no tenant holds 2^40 users).
const maxOffset = 1 << 40

// window is the upstream paging that serves one SCIM window: pages
// consecutive search pages of pageSize starting at firstPage, of which the
// window is the count results after skipping skip.
type window struct {
	pageSize  int
	firstPage int
	pages     int // 1 or 2
	skip      int
	count     int
}

// planWindow maps a SCIM window onto at most two search pages, fetching as
// little as it can: with pageSize >= count a window spans at most two pages,
// so it prefers the smallest pageSize (>= count, <= maxSearchPageSize) whose
// single page holds the whole window, and otherwise two pages of exactly
// count. count = 0 is one page of size 1 (pageSize must be at least 1), read
// only for its total. startIndex < 1 counts as 1 and count < 0 as 0
// (RFC 7644 section 3.4.2.4); a count above maxSearchPageSize is served as
// maxSearchPageSize (the RFC lets a provider return fewer; itemsPerPage says
// how many).
func planWindow(startIndex, count int) window {
	if count <= 0 {
		return window{pageSize: 1, firstPage: 1, pages: 1}
	}
	count = min(count, maxSearchPageSize)
	offset := min(max(startIndex, 1)-1, maxOffset)
	for size := count; size <= maxSearchPageSize; size++ {
		if offset/size == (offset+count-1)/size {
			page := offset / size
			return window{pageSize: size, firstPage: page + 1, pages: 1, skip: offset - page*size, count: count}
		}
	}
	page := offset / count
	return window{pageSize: count, firstPage: page + 1, pages: 2, skip: offset - page*count, count: count}
}

// planReachableWindow is planWindow within the deepPagingLimit results
// Genesys search serves (its published limit: pageSize x pageNumber at most
// 10,000): a window that reaches past it is served short, as RFC 7644
// section 3.4.2.4 allows ("MAY return fewer"). ok is false when the window
// starts beyond the limit: no page can serve it.
func planReachableWindow(startIndex, count int) (w window, ok bool) {
	w = planWindow(startIndex, count)
	if w.count == 0 || w.end() <= deepPagingLimit {
		return w, true
	}
	offset := w.offset()
	if offset >= deepPagingLimit {
		return w, false
	}
	// The longest window from offset whose pages end within the limit: one
	// page of the smallest size that holds it, else two pages of its count
	// (pageSize 1 always fits, since offset < deepPagingLimit).
	for n := min(w.count, deepPagingLimit-offset); n > 1; n-- {
		for size := n; size <= maxSearchPageSize; size++ {
			if page := offset / size; page == (offset+n-1)/size && (page+1)*size <= deepPagingLimit {
				return window{pageSize: size, firstPage: page + 1, pages: 1, skip: offset - page*size, count: n}, true
			}
		}
		if page := offset / n; (page+2)*n <= deepPagingLimit {
			return window{pageSize: n, firstPage: page + 1, pages: 2, skip: offset - page*n, count: n}, true
		}
	}
	return window{pageSize: 1, firstPage: offset + 1, pages: 1, count: 1}, true
}

// end is how many results the window's pages reach (pageSize x last page).
func (w window) end() int { return (w.firstPage + w.pages - 1) * w.pageSize }

// offset is the 0-based index of the window's first result.
func (w window) offset() int { return (w.firstPage-1)*w.pageSize + w.skip }

// cut returns the count items of items from offset on (fewer at the end).
func cut[T any](items []T, offset, count int) []T {
	if offset >= len(items) || count <= 0 {
		return nil
	}
	return items[offset:min(len(items), offset+count)]
}
