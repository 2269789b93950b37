package lifecycle

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// defaultMaxResults is max_results when the Caddyfile does not set it.
const defaultMaxResults = 100

// TestListFullListing: an unfiltered GET /Users lists exactly the active and
// inactive users, never deleted ones, with the right active flags, in an
// order that does not change between reads or with the page size asked.
func TestListFullListing(t *testing.T) {
	s := newStack(t)
	d := seedDirectory(t, s)
	full := listUsers(t, s, "")
	if full.Total != 23 || full.ItemsPerPage != 23 || full.StartIndex != 1 {
		t.Fatalf("full listing: totalResults %d, itemsPerPage %d, startIndex %d; want 23, 23, 1", full.Total, full.ItemsPerPage, full.StartIndex)
	}
	if !sameSet(full.ids(), d.ids(d.visible...)) {
		t.Fatalf("full listing %s, want the 23 visible users %v", describe(d.name, full.ids()), d.visible)
	}
	for _, r := range full.Resources {
		u := genesysUser(t, s, harness.Str(r, "id"))
		if want := u.State == "active"; r["active"] != want || harness.Str(r, "userName") != u.Email {
			t.Errorf("%s: active %v userName %q; Genesys state %s email %s", d.name[u.ID], r["active"], harness.Str(r, "userName"), u.State, u.Email)
		}
	}
	for _, q := range []string{query("startIndex", "1", "count", "100"), query("count", "23"), query("startIndex", "1")} {
		if again := listUsers(t, s, q); !slices.Equal(again.ids(), full.ids()) {
			t.Fatalf("GET /Users%s lists %s, the first read listed %s: the order is not stable", q,
				describe(d.name, again.ids()), describe(d.name, full.ids()))
		}
	}
	s.NoRejections()
}

// window is one (startIndex, count) request and the slice of the full
// listing it must return. An empty string leaves the parameter out.
type window struct{ startIndex, count string }

// expect computes the window per RFC 7644 §3.4.2.4 and max_results:
// startIndex < 1 is 1, count < 0 is 0, count above max_results is capped,
// an absent count is max_results.
func (w window) expect(total int) (startIndex, from, to int) {
	startIndex, count := 1, defaultMaxResults
	if w.startIndex != "" {
		startIndex, _ = strconv.Atoi(w.startIndex)
	}
	if w.count != "" {
		count, _ = strconv.Atoi(w.count)
	}
	startIndex = max(startIndex, 1)
	count = min(max(count, 0), defaultMaxResults)
	from = min(startIndex-1, total)
	return startIndex, from, min(from+count, total)
}

// TestListEveryWindow: for 23 users, every startIndex 1..26 and count 0..12,
// plus negative, absent and oversized values, returns exactly the slice of
// the full listing, right integers, with at most two upstream list or
// search calls; each audited SCIM_USER_LIST_QUERY.
func TestListEveryWindow(t *testing.T) {
	s := newStack(t)
	d := seedDirectory(t, s)
	full := listUsers(t, s, "").ids()
	var windows []window
	for si := 1; si <= 26; si++ {
		for c := 0; c <= 12; c++ {
			windows = append(windows, window{strconv.Itoa(si), strconv.Itoa(c)})
		}
	}
	windows = append(windows,
		window{"0", "5"}, window{"-5", "3"}, window{"-1", "-1"}, window{"3", "-7"},
		window{"", "5"}, window{"4", ""}, window{"", ""},
		window{"20", "500"}, window{"1", "101"}, window{"1", "1000000"},
		window{"24", "1"}, window{"1000", "5"}, window{"1000000", "5"}, window{"99999999999", "2"},
		window{"9999", "2"}, window{"10001", "2"}, window{"22", "99"},
	)
	before := auditCount(s, "SCIM_USER_LIST_QUERY", "")
	for _, w := range windows {
		t.Run(fmt.Sprintf("startIndex=%s,count=%s", w.startIndex, w.count), func(t *testing.T) {
			calls := listCalls(s)
			p := listUsers(t, s, query("startIndex", w.startIndex, "count", w.count))
			calls = listCalls(s) - calls
			start, from, to := w.expect(len(full))
			if p.Total != len(full) || p.StartIndex != start || p.ItemsPerPage != to-from {
				t.Errorf("totalResults %d, startIndex %d, itemsPerPage %d; want %d, %d, %d",
					p.Total, p.StartIndex, p.ItemsPerPage, len(full), start, to-from)
			}
			if want := full[from:to]; !slices.Equal(p.ids(), want) {
				t.Errorf("page %s, want %s", describe(d.name, p.ids()), describe(d.name, want))
			}
			if calls > 2 {
				t.Errorf("%d upstream list/search calls, want at most 2", calls)
			}
		})
	}
	if n := auditCount(s, "SCIM_USER_LIST_QUERY", "") - before; n != len(windows) {
		t.Errorf("%d SCIM_USER_LIST_QUERY audit entries for %d listings", n, len(windows))
	}
	for _, e := range s.AuditEntries() {
		if e["event"] == "SCIM_USER_LIST_QUERY" && (e["outcome"] != "success" || e["status"] != float64(200) || e["operation"] != "list") {
			t.Errorf("list audit entry %v, want outcome success, status 200, operation list", e)
			break
		}
	}
	s.NoRejections()
}

// TestListBadPagingValues: a startIndex or count that is not an integer is
// 400 invalidValue and reaches no upstream listing.
func TestListBadPagingValues(t *testing.T) {
	s := newStack(t)
	seedDirectory(t, s)
	for _, q := range []string{
		query("count", "abc"), query("count", "1.5"), query("startIndex", "x"),
		query("startIndex", "2.0", "count", "3"), query("count", "10e2"),
	} {
		t.Run(q, func(t *testing.T) {
			calls := listCalls(s)
			s.Do(http.MethodGet, "/Users"+q, s.Writer(), nil).ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
			if n := listCalls(s) - calls; n != 0 {
				t.Errorf("a refused window still made %d upstream listing calls", n)
			}
		})
	}
	s.NoRejections()
}
