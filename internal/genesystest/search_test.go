package genesystest_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// searchNames runs a search and returns the names of the results (sorted by
// name unless the query sorts) and the total.
func (v *env) searchNames(body string) ([]string, float64) {
	v.t.Helper()
	r := v.call("POST", "/api/v2/users/search", body)
	mustStatus(v.t, r, 200)
	var resp struct {
		Total   float64
		Types   []string
		Results *[]struct{ Name string }
	}
	if err := json.Unmarshal(r.body, &resp); err != nil {
		v.t.Fatal(err)
	}
	if !slices.Equal(resp.Types, []string{"users"}) {
		v.t.Fatalf("types %v", resp.Types)
	}
	var names []string
	if resp.Results != nil {
		if len(*resp.Results) == 0 {
			v.t.Fatal("results present but empty: must be omitted")
		}
		for _, u := range *resp.Results {
			names = append(names, u.Name)
		}
	}
	return names, resp.Total
}

func searchFixture(t *testing.T) *env {
	v := newEnv(t, genesystest.Config{})
	for _, u := range []struct{ name, email, state, title string }{
		{"Amy Adams", "amy@example.com", "active", "Agent"},
		{"Bob Smith", "bob.smith@example.com", "active", "Lead"},
		{"Carol Smith", "carol@corp.example.com", "inactive", "Agent"},
		{"Dan Jones", "dan@example.com", "deleted", ""},
		{"Eve Smithers", "eve@example.com", "active", ""},
	} {
		if _, err := v.emu.SeedUser(genesystest.UserSeed{Name: u.name, Email: u.email, State: u.state, Title: u.title}); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

func TestSearchSemantics(t *testing.T) {
	v := searchFixture(t)
	const st = `{"type":"EXACT","fields":["state"],"values":["active","inactive"]}`
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"exact email case-insensitive", `[{"type":"EXACT","fields":["email"],"value":"AMY@example.com"}]`, []string{"Amy Adams"}},
		{"no state criterion: active only", `[{"type":"CONTAINS","fields":["name"],"value":"smith"}]`, []string{"Bob Smith", "Eve Smithers"}},
		{"explicit states", `[{"type":"CONTAINS","fields":["name"],"value":"smith"},` + st + `]`, []string{"Bob Smith", "Carol Smith", "Eve Smithers"}},
		{"deleted only when asked", `[{"type":"EXACT","fields":["state"],"value":"deleted"}]`, []string{"Dan Jones"}},
		{"starts with", `[{"type":"STARTS_WITH","fields":["email"],"value":"bo"}]`, []string{"Bob Smith"}},
		{"exact is not prefix", `[{"type":"EXACT","fields":["email"],"value":"bo"}]`, nil},
		{"multiple fields", `[{"type":"CONTAINS","fields":["name","email"],"value":"corp"},` + st + `]`, []string{"Carol Smith"}},
		{"NOT", `[{"type":"CONTAINS","fields":["name"],"value":"smith"},{"type":"EXACT","fields":["name"],"value":"bob smith","operator":"NOT"}]`, []string{"Eve Smithers"}},
		{"OR needs one", `[{"type":"EXACT","fields":["email"],"value":"amy@example.com","operator":"OR"},{"type":"EXACT","fields":["email"],"value":"eve@example.com","operator":"OR"}]`, []string{"Amy Adams", "Eve Smithers"}},
		{"AND with OR", `[{"type":"EXACT","fields":["title"],"value":"agent"},{"type":"EXACT","fields":["email"],"value":"bob.smith@example.com","operator":"OR"},{"type":"EXACT","fields":["email"],"value":"amy@example.com","operator":"OR"}]`, []string{"Amy Adams"}},
		{"group", `[` + st + `,{"operator":"AND","group":[{"type":"CONTAINS","fields":["name"],"value":"jones","operator":"OR"},{"type":"STARTS_WITH","fields":["email"],"value":"carol","operator":"OR"}]}]`, []string{"Carol Smith"}},
		{"NOT group", `[{"type":"MATCH_ALL"},{"operator":"NOT","group":[{"type":"CONTAINS","fields":["name"],"value":"smith"}]}]`, []string{"Amy Adams"}},
		{"required fields", `[{"type":"REQUIRED_FIELDS","fields":["title"]},` + st + `]`, []string{"Amy Adams", "Bob Smith", "Carol Smith"}},
		{"no hits", `[{"type":"EXACT","fields":["email"],"value":"zed@example.com"}]`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, total := v.searchNames(`{"pageSize":25,"pageNumber":1,"sortBy":"name","sortOrder":"ASC","query":` + tc.query + `}`)
			if !slices.Equal(got, tc.want) || total != float64(len(tc.want)) {
				t.Fatalf("got %v (total %v), want %v", got, total, tc.want)
			}
		})
	}
	v.expectNotRejected(0)
}

func TestSearchPagingAndSort(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	for i := range 7 {
		v.seed(fmt.Sprintf("User %d", i), fmt.Sprintf("u%d@example.com", 6-i), "active")
	}
	q := `"query":[{"type":"STARTS_WITH","fields":["email"],"value":"u"}]`
	got, total := v.searchNames(`{"pageSize":3,"pageNumber":2,"sortBy":"email","sortOrder":"DESC",` + q + `}`)
	if total != 7 || !slices.Equal(got, []string{"User 3", "User 4", "User 5"}) {
		t.Fatalf("page 2 desc by email: %v %v", got, total)
	}
	got, _ = v.searchNames(`{"pageSize":3,"pageNumber":1,` + q + `}`) // creation order
	if !slices.Equal(got, []string{"User 0", "User 1", "User 2"}) {
		t.Fatalf("default order %v", got)
	}
	// A page past the end: total still counts, results omitted.
	got, total = v.searchNames(`{"pageSize":5,"pageNumber":3,` + q + `}`)
	if got != nil || total != 7 {
		t.Fatalf("past the end %v %v", got, total)
	}
}

func TestSearchRejections(t *testing.T) {
	v := searchFixture(t)
	q := `"query":[{"type":"EXACT","fields":["email"],"value":"amy@example.com"}]`
	for name, body := range map[string]string{
		"string query":      `{"query":"email=\"amy@example.com\""}`,
		"missing query":     `{"pageSize":10}`,
		"pageSize 0":        `{"pageSize":0,` + q + `}`,
		"pageSize 101":      `{"pageSize":101,` + q + `}`,
		"pageNumber 0":      `{"pageNumber":0,` + q + `}`,
		"bad sortBy":        `{"sortBy":"title",` + q + `}`,
		"bad sortOrder":     `{"sortOrder":"asc",` + q + `}`,
		"returnFields":      `{"returnFields":["id"],` + q + `}`,
		"missing type":      `{"query":[{"fields":["email"],"value":"x"}]}`,
		"regex type":        `{"query":[{"type":"REGEX","fields":["email"],"value":"x.*"}]}`,
		"query_string":      `{"query":[{"type":"QUERY_STRING","fields":["email"],"value":"x"}]}`,
		"unknown field":     `{"query":[{"type":"EXACT","fields":["externalId"],"value":"x"}]}`,
		"bad operator":      `{"query":[{"type":"EXACT","fields":["email"],"value":"x","operator":"XOR"}]}`,
		"no value":          `{"query":[{"type":"EXACT","fields":["email"]}]}`,
		"no fields":         `{"query":[{"type":"EXACT","value":"x"}]}`,
		"empty group":       `{"query":[{"operator":"AND","group":[]}]}`,
		"bad nested":        `{"query":[{"group":[{"type":"TERM","fields":["email"],"value":"x"}]}]}`,
		"criterion unknown": `{"query":[{"type":"EXACT","fields":["email"],"value":"x","boost":2}]}`,
		"values not array":  `{"query":[{"type":"EXACT","fields":["email"],"values":"x"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			before := v.rejections()
			v.expectRejected(v.call("POST", "/api/v2/users/search", body), before, 400)
		})
	}
}

// searchLimitBodies are the limits of the developer center's "Search
// Limits" page, for any search endpoint: each "ok" body sits on a limit and
// is answered, each other one crosses it and is refused.
func searchLimitBodies(field string) map[string]string {
	values := func(n int) string {
		vs := make([]string, n)
		for i := range vs {
			vs[i] = fmt.Sprintf("%q", fmt.Sprint("v", i))
		}
		return `"values":[` + strings.Join(vs, ",") + `]`
	}
	q := func(crit string) string {
		return `"query":[{"type":"EXACT","fields":["` + field + `"],` + crit + `}]`
	}
	long := strings.Repeat("é", 300)
	return map[string]string{
		"ok page 100 of 100":    `{"pageSize":100,"pageNumber":100,` + q(`"value":"x"`) + `}`,
		"ok 50 values":          `{` + q(values(50)) + `}`,
		"ok 300 characters":     `{` + q(`"value":"`+long+`"`) + `}`,
		"page 101 of 100":       `{"pageSize":100,"pageNumber":101,` + q(`"value":"x"`) + `}`,
		"page 401 of 25":        `{"pageNumber":401,` + q(`"value":"x"`) + `}`,
		"51 values":             `{` + q(values(51)) + `}`,
		"301 characters":        `{` + q(`"value":"`+long+`x"`) + `}`,
		"301 characters values": `{` + q(`"values":["a","`+long+`x"]`) + `}`,
		"pageSize 101":          `{"pageSize":101,` + q(`"value":"x"`) + `}`,
	}
}

// testSearchLimits runs searchLimitBodies against path.
func testSearchLimits(t *testing.T, v *env, path, field string) {
	for name, body := range searchLimitBodies(field) {
		t.Run(name, func(t *testing.T) {
			before := v.rejections()
			r := v.call("POST", path, body)
			if strings.HasPrefix(name, "ok ") {
				mustStatus(t, r, 200)
				v.expectNotRejected(before)
				return
			}
			v.expectRejected(r, before, 400)
		})
	}
}

func TestSearchLimits(t *testing.T) {
	testSearchLimits(t, searchFixture(t), "/api/v2/users/search", "email")
}

func TestSearchLag(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	v.emu.SetSearchLag(10 * time.Second)
	const byEmail = `{"query":[{"type":"EXACT","fields":["email"],"value":"amy@example.com"},{"type":"EXACT","fields":["state"],"values":["active","inactive","deleted"]}]}`
	id := v.createUser("Amy", "amy@example.com", nil)
	if got, _ := v.searchNames(byEmail); got != nil {
		t.Fatalf("visible before lag: %v", got)
	}
	mustStatus(t, v.call("GET", "/api/v2/users/"+id, nil), 200) // direct read is consistent
	v.clock.Advance(10 * time.Second)
	if got, _ := v.searchNames(byEmail); !slices.Equal(got, []string{"Amy"}) {
		t.Fatalf("after lag: %v", got)
	}
	// A patch shows the old version to search until the lag passes.
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+id, `{"version":1,"name":"Amy B"}`), 200)
	if got, _ := v.searchNames(byEmail); !slices.Equal(got, []string{"Amy"}) {
		t.Fatalf("old version expected: %v", got)
	}
	v.clock.Advance(5 * time.Second)
	mustStatus(t, v.call("DELETE", "/api/v2/users/"+id, nil), 200)
	v.clock.Advance(5 * time.Second)
	if got, _ := v.searchNames(byEmail); !slices.Equal(got, []string{"Amy B"}) {
		t.Fatalf("patched version expected: %v", got)
	}
	const active = `{"query":[{"type":"EXACT","fields":["email"],"value":"amy@example.com"}]}`
	if got, _ := v.searchNames(active); got == nil {
		t.Fatal("delete visible to search before the lag")
	}
	v.clock.Advance(5 * time.Second)
	if got, _ := v.searchNames(active); got != nil {
		t.Fatalf("deleted user still active in search: %v", got)
	}
}
