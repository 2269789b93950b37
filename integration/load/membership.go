package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// The membership scenario (issue 13): one PATCH adds Members users to a
// group whose block gives one skill, one language and one queue, then one
// PATCH removes them all. Each PATCH must answer in seconds (only the
// membership write waits), the routing must converge through the outbox at
// the pace the limit allows, and the upstream calls from the PATCH to
// convergence must stay within the budget: at most 2.1 per member added +
// 5, 3.1 per member removed + 5.

// membershipBlock is the scenario's group block: 1 skill, 1 language, 1
// queue.
const membershipBlock = `group "Load Agents" {
			skills "Billing:4"
			languages "English:5"
			queues "Billing"
		}`

// membershipParams sizes the scenario.
type membershipParams struct {
	Members   int
	RateLimit int // Genesys calls per minute per token, and the gateway's rate_limit
	Converge  time.Duration
}

// membershipPhase is what one PATCH (add or remove) measured.
type membershipPhase struct {
	Answer   time.Duration  // the PATCH's answer time
	Status   int            // its status
	Converge time.Duration  // from the PATCH to every user's routing right
	Calls    int            // upstream API calls from the PATCH to convergence
	ByEP     map[string]int // the same by endpoint
	Wrong    []string       // users whose routing never converged
}

// membershipResult is both phases.
type membershipResult struct {
	Params      membershipParams
	Add, Remove membershipPhase
	Genesys429  int // 429s the emulator answered
}

// Budget is the call budget for a phase of n members: 2.1 a member
// added + 5, 3.1 a member removed + 5.
func addBudget(n int) float64    { return 2.1*float64(n) + 5 }
func removeBudget(n int) float64 { return 3.1*float64(n) + 5 }

// runMembership runs the scenario against an emulator enforcing RateLimit
// calls a minute, with rate_limit to match.
func runMembership(t testing.TB, p membershipParams) membershipResult {
	s := harness.New(t, harness.Options{
		Emulator: genesystest.Config{RateLimit: p.RateLimit, RateWindow: time.Minute},
		Groups:   membershipBlock,
		Extra:    fmt.Sprintf("rate_limit %d 1m", p.RateLimit),
	})
	return membershipOn(t, s, p)
}

// membershipOn runs the scenario on a stack.
func membershipOn(t testing.TB, s *harness.Stack, p membershipParams) membershipResult {
	token := longToken(s.IdP, "scim_provisioner")
	s.Remember(token)
	ids := make([]string, p.Members)
	for i := range ids {
		u, err := s.Emu.SeedUser(genesystest.UserSeed{Name: fmt.Sprintf("Member %04d", i), Email: fmt.Sprintf("member.%04d@example.com", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = u.ID
	}
	c := newClient(2)
	defer c.CloseIdleConnections()
	created, err := send(context.Background(), c, http.MethodPost, s.Base+"/Groups", token, `{"displayName":"Load Agents","members":[]}`)
	if err != nil || created.Status != http.StatusCreated {
		t.Fatalf("creating the group: %v %d %s", err, created.Status, created.Body)
	}
	var body map[string]any
	if err := json.Unmarshal(created.Body, &body); err != nil {
		t.Fatal(err)
	}
	gid := harness.Str(body, "id")
	values := make([]string, len(ids))
	for i, id := range ids {
		values[i] = `{"value":"` + id + `"}`
	}
	members := "[" + strings.Join(values, ",") + "]"
	res := membershipResult{Params: p}
	res.Add = membershipStep(t, s, c, token, gid, `{"op":"add","path":"members","value":`+members+`}`, ids, true, p.Converge)
	res.Remove = membershipStep(t, s, c, token, gid, `{"op":"remove","path":"members","value":`+members+`}`, ids, false, p.Converge)
	for _, r := range s.Emu.Requests() {
		if r.Status == http.StatusTooManyRequests {
			res.Genesys429++
		}
	}
	s.NoRejections()
	return res
}

// membershipStep sends one PATCH and waits for every user's routing to be
// the block's (member) or nothing (not).
func membershipStep(t testing.TB, s *harness.Stack, c *http.Client, token, gid, op string, ids []string, member bool, within time.Duration) membershipPhase {
	before := s.Emu.CallCounts()
	start := time.Now()
	rp, err := send(context.Background(), c, http.MethodPatch, s.Base+"/Groups/"+gid, token,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+op+`]}`)
	ph := membershipPhase{Answer: time.Since(start)}
	if err != nil {
		t.Fatalf("PATCH: %v", err)
	}
	ph.Status = rp.Status
	skill, _ := s.Emu.SkillID("Billing")
	lang, _ := s.Emu.LanguageID("English")
	queue, _ := s.Emu.QueueID("Billing")
	routed := func(id string) bool {
		u, _ := s.Emu.User(id)
		has := len(u.Skills) == 1 && u.Skills[0].ID == skill && u.Skills[0].Proficiency == 4 &&
			len(u.Languages) == 1 && u.Languages[0].ID == lang && u.Languages[0].Proficiency == 5
		none := len(u.Skills) == 0 && len(u.Languages) == 0
		inQueue := slices.Contains(s.Emu.QueueMembers(queue), id)
		if member {
			return has && inQueue
		}
		return none && !inQueue
	}
	deadline := time.Now().Add(within)
	for {
		ph.Wrong = ph.Wrong[:0]
		for _, id := range ids {
			if !routed(id) {
				ph.Wrong = append(ph.Wrong, id)
			}
		}
		if len(ph.Wrong) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	ph.Converge = time.Since(start)
	// Let anything still queued run, so it is counted.
	time.Sleep(500 * time.Millisecond)
	after := s.Emu.CallCounts()
	ph.ByEP = map[string]int{}
	for ep, n := range after {
		if d := n - before[ep]; d > 0 && ep != "POST /oauth/token" {
			ph.ByEP[ep] = d
			ph.Calls += d
		}
	}
	return ph
}

// report prints the figures as Markdown.
func (r membershipResult) report(w io.Writer) {
	p := r.Params
	fmt.Fprintf(w, "\n#### Group membership: one PATCH adds %d members to a group whose block gives 1 skill, 1 language, 1 queue; one removes them; Genesys limit %d/min per token, rate_limit %d 1m\n\n",
		p.Members, p.RateLimit, p.RateLimit)
	fmt.Fprintln(w, "| figure | add | remove |")
	fmt.Fprintln(w, "|---|---:|---:|")
	fmt.Fprintf(w, "| PATCH answer | %d in %.1f s | %d in %.1f s |\n", r.Add.Status, r.Add.Answer.Seconds(), r.Remove.Status, r.Remove.Answer.Seconds())
	fmt.Fprintf(w, "| routing converged after | %.1f s | %.1f s |\n", r.Add.Converge.Seconds(), r.Remove.Converge.Seconds())
	fmt.Fprintf(w, "| upstream calls | %d | %d |\n", r.Add.Calls, r.Remove.Calls)
	fmt.Fprintf(w, "| budget | %.0f | %.0f |\n", addBudget(p.Members), removeBudget(p.Members))
	fmt.Fprintf(w, "| calls per member | %.3f | %.3f |\n", float64(r.Add.Calls)/float64(p.Members), float64(r.Remove.Calls)/float64(p.Members))
	fmt.Fprintf(w, "| 429s Genesys sent (whole run) | %d | |\n", r.Genesys429)
	fmt.Fprintf(w, "\nAdd, by endpoint: %s\n\nRemove, by endpoint: %s\n", endpointList(r.Add.ByEP), endpointList(r.Remove.ByEP))
}

// check fails t for a missed budget, a slow or failed PATCH, or routing
// that never converged.
func (r membershipResult) check(t testing.TB, answerWithin time.Duration) {
	t.Helper()
	n := r.Params.Members
	for _, ph := range []struct {
		name   string
		p      membershipPhase
		budget float64
	}{{"add", r.Add, addBudget(n)}, {"remove", r.Remove, removeBudget(n)}} {
		if ph.p.Status != http.StatusNoContent {
			t.Errorf("%s PATCH answered %d, want 204", ph.name, ph.p.Status)
		}
		if ph.p.Answer > answerWithin {
			t.Errorf("%s PATCH took %.1f s to answer, want within %s", ph.name, ph.p.Answer.Seconds(), answerWithin)
		}
		if len(ph.p.Wrong) > 0 {
			t.Errorf("%s: %d users' routing never converged", ph.name, len(ph.p.Wrong))
		}
		if float64(ph.p.Calls) > ph.budget {
			t.Errorf("%s: %d upstream calls for %d members, budget %.0f; by endpoint %s", ph.name, ph.p.Calls, n, ph.budget, endpointList(ph.p.ByEP))
		}
	}
}
