package lifecycle

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

const (
	userURN       = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupURN      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOpURN    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	listURN       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorURN      = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimJSON      = "application/scim+json"
)

// Upstream endpoints a listing may use; issue 6 allows at most two such
// calls per SCIM request.
const (
	upstreamList   = "GET /api/v2/users"
	upstreamSearch = "POST /api/v2/users/search"
	upstreamPatch  = "PATCH /api/v2/users/{id}"
)

// fastPacing lifts the outbound pacing (300 calls a minute by default,
// five a second) that would make these request sequences take minutes;
// pacing is not what this package tests.
const fastPacing = "rate_limit 100000 1m"

// newStack boots a Stack with fast pacing and the extra scim_genesys lines.
func newStack(t *testing.T, extra ...string) *harness.Stack {
	t.Helper()
	return harness.New(t, harness.Options{Extra: strings.Join(append([]string{fastPacing}, extra...), "\n\t\t")})
}

// patchBody builds a PatchOp request from operations written as JSON.
func patchBody(ops ...string) string {
	return `{"schemas":["` + patchOpURN + `"],"Operations":[` + strings.Join(ops, ",") + `]}`
}

// query encodes key/value pairs as "?k=v&...", spaces as %20 the way Okta
// and Entra send them. An empty value leaves the parameter out.
func query(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		parts = append(parts, url.QueryEscape(kv[i])+"="+strings.ReplaceAll(url.QueryEscape(kv[i+1]), "+", "%20"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "?" + strings.Join(parts, "&")
}

// listPage is a decoded ListResponse.
type listPage struct {
	Total, StartIndex, ItemsPerPage int
	Resources                       []map[string]any
	Raw                             []byte
}

func (p listPage) ids() []string {
	out := make([]string, len(p.Resources))
	for i, r := range p.Resources {
		out[i] = harness.Str(r, "id")
	}
	return out
}

// listUsers sends GET /Users with q and checks the envelope every client
// relies on: 200, application/scim+json, the ListResponse schema, the three
// numbers as JSON integers (Okta refuses strings), and a Resources array
// (present even when empty) holding itemsPerPage users, each with an id.
func listUsers(t *testing.T, s *harness.Stack, q string) listPage {
	t.Helper()
	r := s.Do(http.MethodGet, "/Users"+q, s.Writer(), nil).Expect(t, http.StatusOK)
	expectSCIMJSON(t, r)
	if sc, _ := r.Body["schemas"].([]any); len(sc) != 1 || sc[0] != listURN {
		t.Fatalf("GET /Users%s: schemas %v, want [%s]", q, r.Body["schemas"], listURN)
	}
	p := listPage{Raw: r.Raw}
	for key, dst := range map[string]*int{"totalResults": &p.Total, "startIndex": &p.StartIndex, "itemsPerPage": &p.ItemsPerPage} {
		f, ok := r.Body[key].(float64)
		if !ok || f != math.Trunc(f) {
			t.Fatalf("GET /Users%s: %s is %#v, want an integer; body %s", q, key, r.Body[key], r.Raw)
		}
		*dst = int(f)
	}
	res, ok := r.Body["Resources"].([]any)
	if !ok {
		t.Fatalf("GET /Users%s: Resources is %#v, want an array (empty when nothing matches); body %s", q, r.Body["Resources"], r.Raw)
	}
	for _, x := range res {
		m, _ := x.(map[string]any)
		if harness.Str(m, "id") == "" {
			t.Fatalf("GET /Users%s: a resource without id: %s", q, r.Raw)
		}
		p.Resources = append(p.Resources, m)
	}
	if len(p.Resources) != p.ItemsPerPage {
		t.Fatalf("GET /Users%s: itemsPerPage %d but %d Resources", q, p.ItemsPerPage, len(p.Resources))
	}
	return p
}

// expectSCIMJSON fails unless r is typed application/scim+json.
func expectSCIMJSON(t *testing.T, r harness.Response) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, scimJSON) {
		t.Fatalf("Content-Type %q, want %s", ct, scimJSON)
	}
}

// listCalls is how many list and search calls reached the emulator so far.
func listCalls(s *harness.Stack) int {
	c := s.Emu.CallCounts()
	return c[upstreamList] + c[upstreamSearch]
}

// createUser POSTs body and returns the new user's id (201 expected).
func createUser(t *testing.T, s *harness.Stack, body string, headers ...string) (string, harness.Response) {
	t.Helper()
	r := s.Do(http.MethodPost, "/Users", s.Writer(), body, headers...).Expect(t, http.StatusCreated)
	id := harness.Str(r.Body, "id")
	if id == "" {
		t.Fatalf("201 without id: %s", r.Raw)
	}
	return id, r
}

// genesysUser is the emulator's copy of user id; it must exist.
func genesysUser(t *testing.T, s *harness.Stack, id string) genesystest.User {
	t.Helper()
	u, ok := s.Emu.User(id)
	if !ok {
		t.Fatalf("no Genesys user %s", id)
	}
	return u
}

// workAddress is the user's Genesys EMAIL/WORK address ("" when none).
func workAddress(u genesystest.User) string {
	for _, a := range u.Addresses {
		if a.MediaType == "EMAIL" && a.Type == "WORK" {
			return a.Address
		}
	}
	return ""
}

// emailsOfType returns the values of the SCIM emails typed typ in a user.
func emailsOfType(user map[string]any, typ string) []string {
	var out []string
	list, _ := user["emails"].([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		if strings.EqualFold(harness.Str(m, "type"), typ) {
			out = append(out, harness.Str(m, "value"))
		}
	}
	return out
}

// auditCount counts the audit entries of event about genesysID ("" : any).
func auditCount(s *harness.Stack, event, genesysID string) int {
	n := 0
	for _, e := range s.AuditEntries() {
		if e["event"] == event && (genesysID == "" || e["genesys_id"] == genesysID) {
			n++
		}
	}
	return n
}

// expectAudited fails unless at least one event entry about genesysID was
// logged.
func expectAudited(t *testing.T, s *harness.Stack, event, genesysID string) {
	t.Helper()
	if auditCount(s, event, genesysID) == 0 {
		t.Errorf("no %s audit entry for %q", event, genesysID)
	}
}

// hasProficiency reports whether list holds id at proficiency p.
func hasProficiency(list []genesystest.Proficiency, id string, p float64) bool {
	return slices.ContainsFunc(list, func(x genesystest.Proficiency) bool { return x.ID == id && x.Proficiency == p })
}

// inQueue reports whether userID is a member of the named queue.
func inQueue(t *testing.T, s *harness.Stack, queue, userID string) bool {
	t.Helper()
	qid, ok := s.Emu.QueueID(queue)
	if !ok {
		t.Fatalf("no queue %q", queue)
	}
	return slices.Contains(s.Emu.QueueMembers(qid), userID)
}

// mustSeed seeds users into the emulator, failing the test on error.
func mustSeed(t *testing.T, s *harness.Stack, seeds ...genesystest.UserSeed) []genesystest.User {
	t.Helper()
	out := make([]genesystest.User, len(seeds))
	for i, su := range seeds {
		u, err := s.Emu.SeedUser(su)
		if err != nil {
			t.Fatalf("seeding %s: %v", su.Email, err)
		}
		out[i] = u
	}
	return out
}

// sameSet reports whether a and b hold the same strings, ignoring order.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// describe renders ids as directory keys where known, for failure messages.
func describe(names map[string]string, ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if n, ok := names[id]; ok {
			out[i] = n
		} else {
			out[i] = id
		}
	}
	return fmt.Sprint(out)
}
