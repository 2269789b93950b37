package load

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// routing is what one harness.DefaultGroups group block assigns.
type routing struct {
	Skills, Languages map[string]float64 // name -> proficiency
	Queues            []string
}

// groupRouting mirrors harness.DefaultGroups (skills without a proficiency
// get the default 3; across groups the highest wins, but every user here is
// in one group).
var groupRouting = map[string]routing{
	"CC Billing": {
		Skills:    map[string]float64{"Billing": 4, "Payments": 3},
		Languages: map[string]float64{"English": 5},
		Queues:    []string{"Billing"},
	},
	"CC Spanish": {
		Skills:    map[string]float64{"Support": 2},
		Languages: map[string]float64{"Spanish": 4, "English": 2},
		Queues:    []string{"Spanish Support", "General Support"},
	},
}

// allQueues are the queues the harness seeds; a user must be in exactly its
// group's ones.
var allQueues = []string{"Billing", "Spanish Support", "General Support", "Escalations"}

// person is one user a scenario provisions.
type person struct {
	UserName, ExternalID, Group string
}

// people returns n users named prefix.NNNN@example.com, in groups taken in
// turn from groups.
func people(prefix string, n int, groups ...string) []person {
	out := make([]person, n)
	for i := range out {
		out[i] = person{
			UserName:   fmt.Sprintf("%s.%04d@example.com", prefix, i),
			ExternalID: fmt.Sprintf("%s-ext-%04d", prefix, i),
			Group:      groups[i%len(groups)],
		}
	}
	return out
}

// createBody is the SCIM create an identity provider sends for p.
func (p person) createBody() string {
	local, _, _ := strings.Cut(p.UserName, "@")
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":%q,`+
		`"active":true,"name":{"formatted":%q},"groups":[{"value":%q,"display":%q}]}`,
		p.UserName, p.ExternalID, "Load "+local, p.Group, p.Group)
}

// problems lists every way the emulator's users differ from want: a
// missing, extra or deleted user, a wrong external id, routing that is not
// exactly the group's, a queue membership missing or held twice. At most
// limit problems are listed.
func problems(emu *genesystest.Emulator, want []person, limit int) []string {
	var out []string
	add := func(format string, a ...any) {
		if len(out) < limit {
			out = append(out, fmt.Sprintf(format, a...))
		}
	}
	users := emu.Users()
	if len(users) != len(want) {
		add("the emulator holds %d users, want %d", len(users), len(want))
	}
	members := map[string]map[string]int{} // queue name -> user id -> times a member
	for _, q := range allQueues {
		id, ok := emu.QueueID(q)
		if !ok {
			add("queue %q is not seeded", q)
			continue
		}
		members[q] = map[string]int{}
		for _, uid := range emu.QueueMembers(id) {
			members[q][uid]++
		}
	}
	for _, p := range want {
		u, ok := emu.UserByEmail(p.UserName)
		if !ok {
			add("%s: no Genesys user", p.UserName)
			continue
		}
		if u.State != "active" {
			add("%s: state %q", p.UserName, u.State)
		}
		if len(u.ExternalIDs) != 1 || u.ExternalIDs[0] != (genesystest.ExternalID{Authority: "scim", Key: p.ExternalID}) {
			add("%s: external ids %+v, want scim/%s once", p.UserName, u.ExternalIDs, p.ExternalID)
		}
		r := groupRouting[p.Group]
		if got := proficiencies(u.Skills); !maps.Equal(got, r.Skills) {
			add("%s: skills %v, want %v", p.UserName, got, r.Skills)
		}
		if got := proficiencies(u.Languages); !maps.Equal(got, r.Languages) {
			add("%s: languages %v, want %v", p.UserName, got, r.Languages)
		}
		for _, q := range allQueues {
			want := 0
			if slices.Contains(r.Queues, q) {
				want = 1
			}
			if got := members[q][u.ID]; got != want {
				add("%s: member of queue %q %d times, want %d", p.UserName, q, got, want)
			}
		}
	}
	return out
}

// proficiencies maps assignment names to proficiencies.
func proficiencies(ps []genesystest.Proficiency) map[string]float64 {
	out := map[string]float64{}
	for _, p := range ps {
		out[p.Name] = p.Proficiency
	}
	return out
}

// awaitConverged polls the emulator until it holds exactly want or the
// deadline passes (post-create steps may still be in the gateway's outbox),
// and returns the problems left. There is no event to wait on: the outbox
// retries in the background.
func awaitConverged(emu *genesystest.Emulator, want []person, within time.Duration) []string {
	deadline := time.Now().Add(within)
	for {
		p := problems(emu, want, 20)
		if len(p) == 0 || time.Now().After(deadline) {
			return p
		}
		time.Sleep(500 * time.Millisecond)
	}
}
