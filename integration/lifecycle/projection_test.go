package lifecycle

import (
	"net/http"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// TestAttributesProjection: attributes and excludedAttributes (RFC 7644
// §3.4.2.5) on list and single reads; id is returned always, names are
// case-insensitive, sub-attributes and extension attributes can be named.
func TestAttributesProjection(t *testing.T) {
	s := newStack(t)
	d := seedDirectory(t, s)
	alice := "/Users/" + d.id["alice"]
	aliceOnly := query("filter", `userName eq "alice.anders@example.com"`)
	for _, tc := range []struct {
		name, path, params string
		has, hasNot        []string // dotted paths in the (first) user
	}{
		{"list attributes", "/Users" + aliceOnly, "&attributes=userName",
			[]string{"id", "userName"}, []string{"name", "emails", "active", "displayName", "title"}},
		{"list attributes in capitals", "/Users" + aliceOnly, "&attributes=USERNAME,Active",
			[]string{"id", "userName", "active"}, []string{"name", "emails", "displayName"}},
		{"list sub-attribute", "/Users" + aliceOnly, "&attributes=name.familyName,emails",
			[]string{"id", "name.familyName", "emails"}, []string{"name.givenName", "name.formatted", "userName", "active"}},
		{"list extension attribute", "/Users" + aliceOnly, "&attributes=" + enterpriseURN + ":department",
			[]string{"id", enterpriseURN + ".department"}, []string{"userName", "name", "title"}},
		{"list excludedAttributes", "/Users" + aliceOnly, "&excludedAttributes=emails,name",
			[]string{"id", "userName", "active", "title"}, []string{"emails", "name"}},
		{"excludedAttributes cannot drop id", "/Users" + aliceOnly, "&excludedAttributes=id,userName",
			[]string{"id", "active"}, []string{"userName"}},
		{"read attributes", alice, "?attributes=userName,title",
			[]string{"id", "userName", "title"}, []string{"name", "emails", "active"}},
		{"read excludedAttributes", alice, "?excludedAttributes=" + enterpriseURN + ",emails",
			[]string{"id", "userName", "name.familyName"}, []string{"emails", enterpriseURN}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(http.MethodGet, tc.path+tc.params, s.Writer(), nil).Expect(t, http.StatusOK)
			user := r.Body
			if res, ok := r.Body["Resources"].([]any); ok {
				if len(res) != 1 {
					t.Fatalf("%d resources, want alice only: %s", len(res), r.Raw)
				}
				user, _ = res[0].(map[string]any)
			}
			if harness.Str(user, "id") != d.id["alice"] {
				t.Fatalf("not alice: %s", r.Raw)
			}
			for _, p := range tc.has {
				if !present(user, p) {
					t.Errorf("%s missing: %s", p, r.Raw)
				}
			}
			for _, p := range tc.hasNot {
				if present(user, p) {
					t.Errorf("%s returned although not asked for: %s", p, r.Raw)
				}
			}
		})
	}
	// A list projection applies to every resource of the page.
	p := listUsers(t, s, query("attributes", "userName", "count", "5"))
	for _, u := range p.Resources {
		if present(u, "name") || present(u, "emails") || !present(u, "userName") {
			t.Fatalf("projection not applied to every resource: %s", p.Raw)
		}
	}
	s.NoRejections()
}

// present reports whether a dotted path exists (and is not null) in a
// user; it may start with the enterprise URN, whose own dots are part of it.
func present(user map[string]any, path string) bool {
	var cur any = user
	if rest, ok := strings.CutPrefix(path, enterpriseURN); ok {
		ext, found := user[enterpriseURN]
		if !found {
			return false
		}
		if rest == "" {
			return true
		}
		cur, path = ext, strings.TrimPrefix(rest, ".")
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[k]; !ok || cur == nil {
			return false
		}
	}
	return true
}
