package groups

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
)

const (
	groupURN   = "urn:ietf:params:scim:schemas:core:2.0:Group"
	patchOpURN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	// fastPacing lifts the outbound pacing; pacing is not what most of
	// these tests are about.
	fastPacing = "rate_limit 100000 1m"
)

// newStack boots a Stack with the harness's group blocks (CC Billing, CC
// Spanish) and the extra scim_genesys lines.
func newStack(t *testing.T, extra ...string) *harness.Stack {
	t.Helper()
	return harness.New(t, harness.Options{Extra: strings.Join(extra, "\n\t\t")})
}

// patch is a PatchOp body of operations written as JSON.
func patch(ops ...string) string {
	return `{"schemas":["` + patchOpURN + `"],"Operations":[` + strings.Join(ops, ",") + `]}`
}

// filterQuery is "?filter=<f>" plus more parameters, encoded as Entra does.
func filterQuery(f string, more ...string) string {
	q := "?filter=" + strings.ReplaceAll(url.QueryEscape(f), "+", "%20")
	for _, m := range more {
		q += "&" + m
	}
	return q
}

// createUser provisions a user through the gateway and returns its id.
func createUser(t *testing.T, s *harness.Stack, userName string) string {
	t.Helper()
	return harness.Str(s.Do(http.MethodPost, "/Users", s.Writer(), `{"userName":"`+userName+`"}`).Expect(t, http.StatusCreated).Body, "id")
}

// routing is a user's routing as the emulator holds it, by name.
type routing struct {
	Skills, Languages map[string]float64
	Queues            []string
}

// want builds a routing from name:proficiency pairs.
func want(skills, languages map[string]float64, queues ...string) routing {
	if skills == nil {
		skills = map[string]float64{}
	}
	if languages == nil {
		languages = map[string]float64{}
	}
	slices.Sort(queues)
	return routing{Skills: skills, Languages: languages, Queues: queues}
}

// queueNames are the queues the harness's emulator holds.
var queueNames = []string{"Billing", "Spanish Support", "General Support", "Escalations"}

// routingOf reads userID's skills, languages and queue memberships.
func routingOf(s *harness.Stack, userID string) routing {
	u, _ := s.Emu.User(userID)
	r := routing{Skills: map[string]float64{}, Languages: map[string]float64{}}
	for _, p := range u.Skills {
		r.Skills[p.Name] = p.Proficiency
	}
	for _, p := range u.Languages {
		r.Languages[p.Name] = p.Proficiency
	}
	for _, q := range queueNames {
		id, _ := s.Emu.QueueID(q)
		if slices.Contains(s.Emu.QueueMembers(id), userID) {
			r.Queues = append(r.Queues, q)
		}
	}
	slices.Sort(r.Queues)
	return r
}

func (r routing) equal(o routing) bool {
	return maps.Equal(r.Skills, o.Skills) && maps.Equal(r.Languages, o.Languages) && slices.Equal(r.Queues, o.Queues)
}

// expectRouting waits for each user's routing to be exactly what its
// membership implies (reconciliation runs from the outbox), then checks it
// stays so: nothing queued changes it afterwards.
func expectRouting(t *testing.T, s *harness.Stack, step string, wants map[string]routing) {
	t.Helper()
	harness.Eventually(t, 20*time.Second, step+": routing never matched membership: "+describe(s, wants), func() bool {
		for id, w := range wants {
			if !routingOf(s, id).equal(w) {
				return false
			}
		}
		return true
	})
	time.Sleep(300 * time.Millisecond)
	for id, w := range wants {
		if got := routingOf(s, id); !got.equal(w) {
			t.Fatalf("%s: %s's routing changed after it matched: %+v, want %+v", step, id, got, w)
		}
	}
}

func describe(s *harness.Stack, wants map[string]routing) string {
	var b strings.Builder
	for id, w := range wants {
		b.WriteString("\n  " + id + ": got " + fmtRouting(routingOf(s, id)) + ", want " + fmtRouting(w))
	}
	return b.String()
}

func fmtRouting(r routing) string {
	return "skills " + fmtMap(r.Skills) + " languages " + fmtMap(r.Languages) + " queues " + strings.Join(r.Queues, "|")
}

func fmtMap(m map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%g", k, m[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}
