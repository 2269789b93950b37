package gateway

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// seedListing seeds 23 active or inactive users (emails in scrambled order)
// and two deleted ones, and returns the ids of the 23 in email order: the
// full stable listing.
func seedListing(env *testEnv) []string {
	type seeded struct{ email, id string }
	var all []seeded
	for i := range 23 {
		n := (i * 7) % 23 // creation order differs from email order
		state := "active"
		if n%4 == 0 {
			state = "inactive"
		}
		email := fmt.Sprintf("user%02d@example.com", n)
		u := seed(env, genesystest.UserSeed{Name: fmt.Sprintf("User %02d", n), Email: email, State: state})
		all = append(all, seeded{email, u.ID})
	}
	seed(env, genesystest.UserSeed{Name: "Deleted A", Email: "user00a@example.com", State: "deleted"})
	seed(env, genesystest.UserSeed{Name: "Deleted B", Email: "aaa@example.com", State: "deleted"})
	slices.SortFunc(all, func(a, b seeded) int { return strings.Compare(a.email, b.email) })
	ids := make([]string, len(all))
	for i, s := range all {
		ids[i] = s.id
	}
	return ids
}

func ids(users []*scim.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

// TestListWindows checks every window (startIndex 1..26, count 0..12, plus
// out-of-range values) returns exactly the slice of the full stable listing
// with its true total, using at most two search calls.
func TestListWindows(t *testing.T) {
	env, ic := newLifeEnv(t)
	listing := seedListing(env)
	type win struct{ start, count int }
	var wins []win
	for start := 1; start <= 26; start++ {
		for count := 0; count <= 12; count++ {
			wins = append(wins, win{start, count})
		}
	}
	wins = append(wins, win{-5, 3}, win{0, 4}, win{1, -2}, win{3, 1000}, win{1, 100}, win{24, 5},
		win{1_000_000, 10}, win{1 << 62, 5},
		// Near the 10,000 results Genesys search pages to: planned within it.
		win{9_961, 39}, win{9_995, 10}, win{10_000, 100}, win{10_001, 1})
	for _, w := range wins {
		before := ic.count(isSearch)
		res, err := env.gw.ListUsers(env.ctx(), &scim.ListQuery{StartIndex: w.start, Count: w.count})
		if err != nil {
			t.Fatalf("window %+v: %v", w, err)
		}
		calls := ic.count(isSearch) - before
		from := min(max(w.start, 1)-1, len(listing))
		to := min(from+min(max(w.count, 0), maxSearchPageSize), len(listing))
		want := listing[from:to]
		if res.Total != len(listing) || !slices.Equal(ids(res.Users), want) {
			t.Fatalf("window %+v: total %d, users %v; want total %d, users %v", w, res.Total, ids(res.Users), len(listing), want)
		}
		if calls < 1 || calls > 2 {
			t.Fatalf("window %+v took %d search calls", w, calls)
		}
	}
	if n := len(env.events(audit.UserListQuery)); n != len(wins) {
		t.Errorf("%d SCIM_USER_LIST_QUERY entries, want %d", n, len(wins))
	}
}

// TestListFilters runs each supported filter form against the emulator.
func TestListFilters(t *testing.T) {
	env, ic := newLifeEnv(t)
	ext := []genesystest.ExternalID{{Authority: "scim", Key: "ext-carol"}}
	alice := seed(env, genesystest.UserSeed{Name: "Alice Smith", Email: "alice@example.com"})
	bob := seed(env, genesystest.UserSeed{Name: "Bob Smithers", Email: "bob@example.com", State: "inactive"})
	carol := seed(env, genesystest.UserSeed{Name: "Carol Jones", Email: "carol@example.com", ExternalIDs: ext,
		Addresses: []genesystest.Contact{{Address: "carol.w@corp.example", MediaType: "EMAIL", Type: "WORK"}}})
	dave := seed(env, genesystest.UserSeed{Name: "Dave Alston", Email: "dave@example.com"})
	gone := seed(env, genesystest.UserSeed{Name: "Alice Gone", Email: "gone@example.com", State: "deleted",
		ExternalIDs: []genesystest.ExternalID{{Authority: "scim", Key: "ext-gone"}}})

	tests := []struct {
		filter string
		want   []string // ids in listing (email) order
	}{
		{`USERNAME EQ "ALICE@EXAMPLE.COM"`, []string{alice.ID}},
		{`userName eq " bob@example.com "`, []string{bob.ID}},
		{`emails[type eq "work"].value eq "alice@example.com"`, []string{alice.ID}},
		{`emails[type eq "work" and value eq "Alice@Example.com"]`, []string{alice.ID}},
		// Carol's work-typed entry is her differing work address, so her
		// userName is not her work email (and the work address itself is not
		// searchable upstream: the documented limit).
		{`emails[type eq "work"].value eq "carol@example.com"`, nil},
		{`emails.value eq "carol@example.com"`, []string{carol.ID}},
		{`externalId eq "ext-carol"`, []string{carol.ID}},
		{`externalId eq "ext-carol" and displayName co "jones"`, []string{carol.ID}},
		{`externalId eq "ext-carol" and active eq false`, nil},
		{`externalId eq "ext-gone"`, nil},
		{`externalId eq "nope"`, nil},
		{`id eq "` + dave.ID + `"`, []string{dave.ID}},
		{`id eq "` + gone.ID + `"`, nil},
		{`id eq "00000000-0000-0000-0000-000000000000"`, nil},
		{`active eq false`, []string{bob.ID}},
		{`active eq true`, []string{alice.ID, carol.ID, dave.ID}},
		{`displayName co "smith"`, []string{alice.ID, bob.ID}},
		{`displayName sw "Al"`, []string{alice.ID}},
		{`name.formatted eq "dave alston"`, []string{dave.ID}},
		{`(displayName sw "Al" or displayName sw "Bo") and not (active eq false)`, []string{alice.ID}},
		{`not (displayName co "smith") and (userName sw "c" or userName sw "d")`, []string{carol.ID, dave.ID}},
		{`userName ne "alice@example.com" and displayName co "smith"`, []string{bob.ID}},
		{`userName pr`, []string{alice.ID, bob.ID, carol.ID, dave.ID}},
		{`userName eq "nobody@example.com"`, nil},
		{`userName eq "' OR '1'='1"`, nil},
		{`displayName eq "x\" or \"1\"=\"1"`, nil},
	}
	for _, tt := range tests {
		f, err := scim.ParseFilter(tt.filter)
		if err != nil {
			t.Fatalf("ParseFilter(%s): %v", tt.filter, err)
		}
		res, err := env.gw.ListUsers(env.ctx(), &scim.ListQuery{Filter: f, StartIndex: 1, Count: 100})
		if err != nil {
			t.Errorf("%s: %v", tt.filter, err)
			continue
		}
		if got := ids(res.Users); res.Total != len(tt.want) || !slices.Equal(got, tt.want) && len(tt.want) > 0 {
			t.Errorf("%s: total %d, users %v; want %v", tt.filter, res.Total, got, tt.want)
		}
	}

	// Nothing Genesys cannot answer exactly reaches it.
	ic.reset()
	for _, s := range []string{`userName ew "example.com"`, `externalId co "ext"`, `id eq "x" or active eq true`,
		`emails[type eq "work"].value sw "carol"`, `displayName gt "A"`} {
		f, err := scim.ParseFilter(s)
		if err != nil {
			t.Fatalf("ParseFilter(%s): %v", s, err)
		}
		_, err = env.gw.ListUsers(env.ctx(), &scim.ListQuery{Filter: f, StartIndex: 1, Count: 10})
		if se := wantStatus(t, err, http.StatusBadRequest); se.ScimType != scim.InvalidFilter {
			t.Errorf("%s: scimType %q", s, se.ScimType)
		}
	}
	if n := ic.count(isAPI); n != 0 {
		t.Errorf("refused filters made %d upstream calls", n)
	}
	if n := len(env.events(audit.UserListError)); n != 5 {
		t.Errorf("%d SCIM_USER_LIST_ERROR entries, want 5", n)
	}
}
