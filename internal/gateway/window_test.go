package gateway

import "testing"

// TestPlanWindowCoversExactly checks, for every window over a listing of n
// results, that the planned pages hold the whole window, use at most two
// pages of at most maxSearchPageSize with pageSize >= count, and that
// cutting the fetched pages yields exactly the window.
func TestPlanWindowCoversExactly(t *testing.T) {
	const n = 250
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	for start := -2; start <= n+3; start++ {
		for count := -1; count <= 130; count++ {
			w := planWindow(start, count)
			if w.pageSize < 1 || w.pageSize > maxSearchPageSize || w.pages < 1 || w.pages > 2 || w.firstPage < 1 {
				t.Fatalf("planWindow(%d, %d) = %+v: bad paging", start, count, w)
			}
			if count <= 0 {
				if w.count != 0 || w.pageSize != 1 || w.pages != 1 {
					t.Fatalf("planWindow(%d, %d) = %+v, want one page of size 1", start, count, w)
				}
				continue
			}
			want := min(count, maxSearchPageSize)
			if w.count != want || w.pageSize < w.count {
				t.Fatalf("planWindow(%d, %d) = %+v: count %d, pageSize below count", start, count, w, want)
			}
			from := (w.firstPage - 1) * w.pageSize
			fetched := cut(all, from, w.pages*w.pageSize)
			got := cut(fetched, w.skip, w.count)
			exp := cut(all, max(start, 1)-1, want)
			if len(got) != len(exp) {
				t.Fatalf("planWindow(%d, %d) = %+v: got %d results, want %d", start, count, w, len(got), len(exp))
			}
			for i := range got {
				if got[i] != exp[i] {
					t.Fatalf("planWindow(%d, %d) = %+v: result %d is %d, want %d", start, count, w, i, got[i], exp[i])
				}
			}
			if w.offset() != max(start, 1)-1 {
				t.Fatalf("offset %d, want %d", w.offset(), max(start, 1)-1)
			}
		}
	}
}

func TestPlanWindowPrefersOnePage(t *testing.T) {
	tests := []struct {
		start, count int
		want         window
	}{
		{1, 10, window{pageSize: 10, firstPage: 1, pages: 1, skip: 0, count: 10}},
		{51, 10, window{pageSize: 10, firstPage: 6, pages: 1, skip: 0, count: 10}},
		{3, 10, window{pageSize: 12, firstPage: 1, pages: 1, skip: 2, count: 10}},
		{1, 100, window{pageSize: 100, firstPage: 1, pages: 1, skip: 0, count: 100}},
		{2, 100, window{pageSize: 100, firstPage: 1, pages: 2, skip: 1, count: 100}},
		{101, 500, window{pageSize: 100, firstPage: 2, pages: 1, skip: 0, count: 100}},
	}
	for _, tt := range tests {
		if got := planWindow(tt.start, tt.count); got != tt.want {
			t.Errorf("planWindow(%d, %d) = %+v, want %+v", tt.start, tt.count, got, tt.want)
		}
	}
	if w := planWindow(1<<62, 5); w.offset() != maxOffset || w.pageSize < 5 {
		t.Errorf("an oversized startIndex is clamped: %+v", w)
	}
}

// TestPlanReachableWindow: near Genesys's 10,000-result paging limit a
// window is served short but never planned past the limit, and a window
// starting beyond it cannot be planned at all.
func TestPlanReachableWindow(t *testing.T) {
	for start := deepPagingLimit - 150; start <= deepPagingLimit+2; start++ {
		for _, count := range []int{0, 1, 7, 39, 50, 99, 100, 250} {
			w, ok := planReachableWindow(start, count)
			if start > deepPagingLimit && count > 0 {
				if ok {
					t.Fatalf("planReachableWindow(%d, %d) = %+v, want not ok", start, count, w)
				}
				continue
			}
			if !ok {
				t.Fatalf("planReachableWindow(%d, %d) not ok", start, count)
			}
			if count == 0 {
				continue
			}
			if w.end() > deepPagingLimit || w.offset() != start-1 || w.count < 1 || w.count > min(count, maxSearchPageSize) {
				t.Fatalf("planReachableWindow(%d, %d) = %+v (end %d)", start, count, w, w.end())
			}
			if start-1+w.count < min(start-1+min(count, maxSearchPageSize), deepPagingLimit) {
				t.Fatalf("planReachableWindow(%d, %d) = %+v serves fewer than it could", start, count, w)
			}
		}
	}
}
