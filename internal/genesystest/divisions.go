package genesystest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// maxDivisionObjects bounds one division assignment. Neither the SDKs'
// post_authorization_division_object nor the Terraform provider (which
// sends one id at a time) states a limit; 50, the size of Genesys's other
// bulk user writes (group members, routing skills), is the strict guess.
const maxDivisionObjects = 50

// handleDivisionObjects is POST
// /api/v2/authorization/divisions/{divisionId}/objects/{objectType}
// (post_authorization_division_object): the body is a JSON array of object
// ids, all of objectType. Only USER is modeled; the other types the SDKs
// list (QUEUE, FLOW...) are refused. Every id must name an active or
// inactive user (400 otherwise, a normal answer: the user may have been
// deleted after the client checked); an unknown division is 404. A user
// that changes division gets a new version, as any other change to it
// would (the least convenient choice: a version read before the move is
// stale after it). Answers 204 with no body.
func (e *Emulator) handleDivisionObjects(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	if c.p[1] != "USER" {
		c.badRequest("objectType " + c.p[1] + " is not modeled by the emulator: only USER")
		return
	}
	items, ok := c.readArray(maxDivisionObjects)
	if !ok {
		return
	}
	ids := make([]string, len(items))
	for i, it := range items {
		if err := json.Unmarshal(it, &ids[i]); err != nil || ids[i] == "" {
			c.badRequest(fmt.Sprintf("[%d]: expected a non-empty object id string", i))
			return
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	div := c.p[0]
	if _, ok := s.divisions.nameOf(div); !ok {
		c.notFound("division")
		return
	}
	if !e.allLive(c, ids) {
		return
	}
	for _, id := range ids {
		u := s.byID[id]
		if u.cur.divisionID == div {
			continue
		}
		n := u.clone()
		n.version++
		n.divisionID = div
		e.commit(u, n)
	}
	c.writeEmpty(http.StatusNoContent)
}
