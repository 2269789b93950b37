package gateway

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/outbox"
)

// runReconcile runs one reconciliation of users directly (no outbox), with
// the queues of the named groups involved.
func (e *testEnv) runReconcile(users []string, groups ...string) {
	e.t.Helper()
	payload, _ := json.Marshal(reconcileJob{Users: users, Queues: e.gw.core.queuesOf(groups...)})
	if err := e.gw.core.reconcile.runEntry(e.ctx(), outbox.Entry{ID: "t", Kind: kindReconcile, Payload: payload}); err != nil {
		e.t.Fatalf("reconcile: %v", err)
	}
}

// writes counts the calls that change something.
func writes(counts map[string]int) int {
	n := 0
	for ep, c := range counts {
		if !strings.HasPrefix(ep, "GET ") && ep != "POST /oauth/token" {
			n += c
		}
	}
	return n
}

// routingByName is a user's skills and languages by name.
func routingByName(u genesystest.User) (skills, langs map[string]float64) {
	skills, langs = map[string]float64{}, map[string]float64{}
	for _, s := range u.Skills {
		skills[s.Name] = s.Proficiency
	}
	for _, l := range u.Languages {
		langs[l.Name] = l.Proficiency
	}
	return skills, langs
}

// TestReconcile: a user's managed routing becomes exactly what its groups'
// blocks give (highest proficiency wins), routing outside the managed set
// stays, queues of the groups involved follow membership, and reconciling
// again writes nothing.
func TestReconcile(t *testing.T) {
	for _, tc := range []struct {
		name       string
		groups     []string // the user's Genesys groups
		held       []genesys.Proficiency
		heldLangs  []genesys.Proficiency
		inQueues   []string
		involved   []string // groups whose queues the change involved
		wantSkills map[string]float64
		wantLangs  map[string]float64
		wantQueues []string
	}{
		{name: "joins one block", groups: []string{"Support Agents"}, involved: []string{"Support Agents"},
			wantSkills: map[string]float64{"Billing": 2}, wantLangs: map[string]float64{"English": 4}, wantQueues: []string{"Support"}},
		{name: "two blocks: the highest proficiency wins", groups: []string{"Support Agents", "Senior Billing"},
			involved:   []string{"Senior Billing"},
			wantSkills: map[string]float64{"Billing": 5, "Sales": 1}, wantLangs: map[string]float64{"English": 4, "Spanish": 3},
			wantQueues: []string{"Sales", "Support"}},
		{name: "left every block: managed routing goes, a hand-assigned skill stays", groups: nil,
			held:      []genesys.Proficiency{{ID: "Billing", Proficiency: 2}, {ID: "Skill 01", Proficiency: 1}},
			heldLangs: []genesys.Proficiency{{ID: "English", Proficiency: 4}},
			inQueues:  []string{"Support"}, involved: []string{"Support Agents"},
			wantSkills: map[string]float64{"Skill 01": 1}, wantLangs: map[string]float64{}, wantQueues: nil},
		{name: "a lowered proficiency is corrected", groups: []string{"Support Agents"},
			held: []genesys.Proficiency{{ID: "Billing", Proficiency: 5}, {ID: "Sales", Proficiency: 1}}, involved: []string{"Support Agents"},
			wantSkills: map[string]float64{"Billing": 2}, wantLangs: map[string]float64{"English": 4}, wantQueues: []string{"Support"}},
		{name: "an unconfigured group gives nothing", groups: []string{"Book Club"},
			wantSkills: map[string]float64{}, wantLangs: map[string]float64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, envOptions{})
			u := seed(env, genesystest.UserSeed{Name: "Rita Route", Email: "rita@example.com"})
			for _, g := range tc.groups {
				env.emu.SeedGroup(g, u.ID)
			}
			ids := func(kind string, ps []genesys.Proficiency) []genesys.Proficiency {
				out := slices.Clone(ps)
				for i := range out {
					if kind == "skill" {
						out[i].ID, _ = env.emu.SkillID(out[i].ID)
					} else {
						out[i].ID, _ = env.emu.LanguageID(out[i].ID)
					}
				}
				return out
			}
			if len(tc.held) > 0 {
				if err := env.client.AddUserSkills(env.ctx(), u.ID, ids("skill", tc.held)); err != nil {
					t.Fatal(err)
				}
			}
			if len(tc.heldLangs) > 0 {
				if err := env.client.AddUserLanguages(env.ctx(), u.ID, ids("language", tc.heldLangs)); err != nil {
					t.Fatal(err)
				}
			}
			for _, q := range tc.inQueues {
				qid, _ := env.emu.QueueID(q)
				if err := env.client.AddQueueMembers(env.ctx(), qid, []string{u.ID}); err != nil {
					t.Fatal(err)
				}
			}

			env.runReconcile([]string{u.ID}, tc.involved...)
			skills, langs := routingByName(userByID(env, u.ID))
			if !maps.Equal(skills, tc.wantSkills) || !maps.Equal(langs, tc.wantLangs) {
				t.Fatalf("skills %v languages %v, want %v and %v", skills, langs, tc.wantSkills, tc.wantLangs)
			}
			var queues []string
			for _, q := range []string{"Sales", "Support"} {
				if slices.Contains(env.queueMembers(q), u.ID) {
					queues = append(queues, q)
				}
			}
			if !slices.Equal(queues, tc.wantQueues) {
				t.Fatalf("queues %v, want %v", queues, tc.wantQueues)
			}

			// Reconciling again (with no queue involved) writes nothing.
			before := env.settledCounts()
			env.runReconcile([]string{u.ID})
			after := env.settledCounts()
			if n := writes(after) - writes(before); n != 0 {
				t.Fatalf("a second reconciliation made %d writes: before %v after %v", n, before, after)
			}
			env.assertNoRejections()
		})
	}
}

// Language proficiencies compare as whole numbers: Genesys rounds them, so
// a held 3 for an asked 2.5 is not rewritten on every reconciliation.
func TestSameLanguageProficiency(t *testing.T) {
	for _, tc := range []struct {
		held, want float64
		same       bool
	}{{3, 3, true}, {3, 2.5, true}, {2, 2.4, true}, {2, 3, false}, {0, 5, false}} {
		if got := sameLanguageProficiency(tc.held, tc.want); got != tc.same {
			t.Errorf("sameLanguageProficiency(%v, %v) = %v, want %v", tc.held, tc.want, got, tc.same)
		}
	}
}

// A reconciliation stored ahead of its write is due after the request's
// deadline, unless the outbox would give it up by then: it is then due
// within half the outbox's age limit (and stored again at release if it ran
// early), so a process that stops mid-request never loses it unrun.
func TestPendingReconcileDueWithinOutboxMaxAge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		maxAge time.Duration
		atMost time.Duration // NextAttempt - Created
		least  time.Duration
	}{
		{"default age limit: after the deadline", 0, 3 * time.Minute, 2*time.Minute - time.Second},
		{"short age limit: within half of it", 4 * time.Second, 2 * time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, envOptions{})
			env.gw.core.cfg.OutboxMaxAge = tc.maxAge
			ctx, cancel := context.WithTimeout(env.ctx(), time.Minute)
			defer cancel()
			p, err := env.gw.core.reconcile.schedule(ctx, []string{"u1"}, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			e := p.entries[0]
			if wait := e.NextAttempt.Sub(e.Created); wait > tc.atMost || wait < tc.least {
				t.Fatalf("due %v after it was stored, want %v..%v", wait, tc.least, tc.atMost)
			}
		})
	}
}
