package lifecycle

import (
	"fmt"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// directory is a seeded Genesys org for the list and filter tests: 23
// visible users (18 active, 5 inactive) and 3 deleted ones that must never
// appear, with names, external ids and a differing work address chosen so
// every filter form has a distinct right answer.
type directory struct {
	id      map[string]string // key -> Genesys id
	name    map[string]string // Genesys id -> key
	visible []string          // keys of the active and inactive users
	deleted []string          // keys of the deleted users
}

// ids maps keys to Genesys ids.
func (d directory) ids(keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = d.id[k]
	}
	return out
}

// inactiveKeys are the seeded inactive users.
var inactiveKeys = []string{"bob", "dave", "filler05", "filler10", "filler15"}

func seedDirectory(t *testing.T, s *harness.Stack) directory {
	t.Helper()
	type seed struct {
		key string
		genesystest.UserSeed
	}
	scim := func(key string) []genesystest.ExternalID {
		return []genesystest.ExternalID{{Authority: "scim", Key: key}}
	}
	seeds := []seed{
		{"alice", genesystest.UserSeed{Name: "Alice Anders", Email: "alice.anders@example.com", Title: "Agent", Department: "Sales",
			ExternalIDs: scim("ext-alice"),
			Addresses:   []genesystest.Contact{{Address: "alice.work@corp.example", MediaType: "EMAIL", Type: "WORK"}}}},
		{"bob", genesystest.UserSeed{Name: "Bob Brown", Email: "bob.brown@example.com", State: "inactive", ExternalIDs: scim("ext-bob")}},
		{"carol", genesystest.UserSeed{Name: "Carol Anders", Email: "carol.anders@example.com"}},
		{"dave", genesystest.UserSeed{Name: "Dave Dunn", Email: "dave.dunn@example.com", State: "inactive"}},
		{"dana", genesystest.UserSeed{Name: "Dana Deleted", Email: "dana.deleted@example.com", State: "deleted", ExternalIDs: scim("ext-dana")}},
		{"gone", genesystest.UserSeed{Name: "Anders Gone", Email: "gone.anders@example.com", State: "deleted"}},
	}
	for i := 1; i <= 19; i++ {
		su := genesystest.UserSeed{Name: fmt.Sprintf("Filler %02d", i), Email: fmt.Sprintf("filler%02d@example.com", i)}
		if i%5 == 0 {
			su.State = "inactive"
		}
		seeds = append(seeds, seed{fmt.Sprintf("filler%02d", i), su})
		if i == 9 { // a deleted user in the middle of the email order
			seeds = append(seeds, seed{"filler99", genesystest.UserSeed{Name: "Filler 99", Email: "filler09x@example.com", State: "deleted"}})
		}
	}
	d := directory{id: map[string]string{}, name: map[string]string{}}
	for _, sd := range seeds {
		u := mustSeed(t, s, sd.UserSeed)[0]
		d.id[sd.key], d.name[u.ID] = u.ID, sd.key
		if sd.State == "deleted" {
			d.deleted = append(d.deleted, sd.key)
		} else {
			d.visible = append(d.visible, sd.key)
		}
	}
	if len(d.visible) != 23 || len(d.deleted) != 3 {
		t.Fatalf("directory has %d visible and %d deleted users, want 23 and 3", len(d.visible), len(d.deleted))
	}
	return d
}
