package genesystest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// userExpands are the expand values GET /api/v2/users accepts (the SDKs'
// get_users). Only skills, languages and groups change the answer here;
// the others are accepted and ignored, as the emulator does not model them.
var userExpands = []string{
	"routingStatus", "presence", "integrationPresence", "conversationSummary", "outOfOffice",
	"geolocation", "station", "authorization", "lasttokenissued", "authorization.unusedRoles",
	"team", "workPlanBidRanks", "externalContactsSettings", "groups", "customAttributes",
	"profileSkills", "certifications", "locations", "skills", "languages", "languagePreference",
	"employerInfo", "biography", "dateLastLogin", "dateWelcomeSent",
}

// expansion says which arrays a user body carries beyond the User.
type expansion struct{ skills, languages, groups bool }

// parseExpand validates expand values; it rejects an unknown one.
func (c *call) parseExpand(vals []string) (expansion, bool) {
	var x expansion
	for _, v := range vals {
		if !oneOf(v, userExpands) {
			c.badRequest("unknown expand value " + v)
			return x, false
		}
		x.skills = x.skills || v == "skills"
		x.languages = x.languages || v == "languages"
		x.groups = x.groups || v == "groups"
	}
	return x, true
}

// createBody is CreateUser. Anything else (name as an object, active,
// username, manager...) is refused by decodeObject.
type createBody struct {
	Name, Email, DivisionID, Department, Title, Password, State *string
	Addresses                                                   json.RawMessage
}

// handleCreateUser is POST /api/v2/users.
func (e *Emulator) handleCreateUser(c *call) {
	raw, ok := c.bodyOnly()
	if !ok {
		return
	}
	var b createBody
	if err := decodeObject(raw, fields{
		"name": &b.Name, "email": &b.Email, "divisionId": &b.DivisionID, "department": &b.Department,
		"title": &b.Title, "password": &b.Password, "state": &b.State, "addresses": &b.Addresses,
	}); err != nil {
		c.badRequest(err.Error())
		return
	}
	n := &snap{state: stateActive}
	switch {
	case b.Name == nil || strings.TrimSpace(*b.Name) == "":
		c.badRequest("name is required")
		return
	case b.Email == nil || !looksLikeEmail(*b.Email):
		c.badRequest("email is required and must be a valid email address")
		return
	case b.State != nil && *b.State != stateActive && *b.State != stateInactive:
		// The model lists "deleted" too; creating a deleted user makes no
		// sense and is refused (strict).
		c.badRequest("state must be active or inactive")
		return
	case b.Password != nil && *b.Password == "":
		c.badRequest("password must not be empty")
		return
	}
	n.name, n.email = *b.Name, *b.Email
	if b.State != nil {
		n.state = *b.State
	}
	if b.Department != nil {
		n.department = *b.Department
	}
	if b.Title != nil {
		n.title = *b.Title
	}
	if b.Addresses != nil {
		addrs, err := decodeContacts(b.Addresses)
		if err != nil {
			c.badRequest(err.Error())
			return
		}
		n.addresses = addrs
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	n.divisionID = s.homeID
	if b.DivisionID != nil {
		if _, ok := s.divisions.nameOf(*b.DivisionID); !ok {
			c.badRequest("divisionId does not name an existing division")
			return
		}
		n.divisionID = *b.DivisionID
	}
	if s.byEmail[strings.ToLower(n.email)] != nil {
		c.conflict(http.StatusBadRequest, "A user with this email address already exists (conflicting users)")
		return
	}
	u := e.insert(n)
	c.writeJSON(http.StatusOK, u.cur.json)
}

// insert adds a new user from n (id and version are assigned). The caller
// holds the write lock and has checked email uniqueness.
func (e *Emulator) insert(n *snap) *user {
	s := &e.store
	n.id, n.version = newID(), 1
	u := &user{}
	e.commit(u, n)
	s.users = append(s.users, u)
	s.byID[n.id] = u
	s.byEmail[n.lemail] = u
	return u
}

// handleGetUser is GET /api/v2/users/{id}. Without state=deleted it finds
// active and inactive users; with it, only a deleted one (strict: what the
// real API answers for a live user asked with state=deleted is unverified).
func (e *Emulator) handleGetUser(c *call) {
	q, ok := c.queryParams([]string{"expand", "state", "integrationPresenceSource", "userCustomAttributeSchemaIds"}, []string{"expand", "userCustomAttributeSchemaIds"})
	if !ok {
		return
	}
	wantDeleted := false
	if st, ok := q["state"]; ok {
		if st[0] != stateActive && st[0] != stateDeleted {
			c.badRequest("state must be active or deleted")
			return
		}
		wantDeleted = st[0] == stateDeleted
	}
	x, ok := c.parseExpand(listValues(q["expand"]))
	if !ok {
		return
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.store.lookup(c.p[0])
	if u == nil || (u.cur.state == stateDeleted) != wantDeleted {
		c.notFound("user")
		return
	}
	c.buf = e.appendUser(c.buf, u, u.cur, x)
	c.writeJSON(http.StatusOK, c.buf)
}

// maxInactivePaging is the deep-paging cap Genesys applies to
// state=inactive listings (the Terraform provider's user proxy, DEVTOOLING-862:
// 400 beyond 10,000 users).
const maxInactivePaging = 10000

// handleListUsers is GET /api/v2/users: creation order (stable), filtered
// by state (default active) and optionally by id.
func (e *Emulator) handleListUsers(c *call) {
	q, ok := c.queryParams([]string{"pageSize", "pageNumber", "id", "jabberId", "sortOrder", "expand", "integrationPresenceSource", "state", "userCustomAttributeSchemaIds"},
		[]string{"id", "jabberId", "expand", "userCustomAttributeSchemaIds"})
	if !ok {
		return
	}
	pageSize, pageNumber, ok := c.paging(q, 500)
	if !ok {
		return
	}
	state := stateActive
	if st, ok := q["state"]; ok {
		state = st[0]
		if !oneOf(state, []string{stateActive, stateInactive, stateDeleted, "any"}) {
			c.badRequest("state must be active, inactive, deleted or any")
			return
		}
	}
	if state == stateInactive && pageSize*pageNumber > maxInactivePaging {
		c.badRequest("paging beyond 10000 inactive users is not supported")
		return
	}
	desc, ok := c.sortOrderParam(q)
	if !ok {
		return
	}
	if q.Has("jabberId") {
		// Not modeled; refusing beats silently ignoring a filter.
		c.badRequest("jabberId filtering is not modeled by the emulator")
		return
	}
	x, ok := c.parseExpand(listValues(q["expand"]))
	if !ok {
		return
	}
	ids := listValues(q["id"])

	e.mu.RLock()
	defer e.mu.RUnlock()
	match := func(u *user) bool {
		if state != "any" && u.cur.state != state {
			return false
		}
		return ids == nil || oneOf(u.cur.id, ids)
	}
	base := "/api/v2/users?"
	if state != stateActive {
		base += "state=" + state + "&"
	}
	c.buf = appendEntityListing(c.buf, e.store.users, desc, match, pageSize, pageNumber, base, func(b []byte, u *user) []byte {
		return e.appendUser(b, u, u.cur, x)
	})
	c.writeJSON(http.StatusOK, c.buf)
}

// appendUser appends the User body of version n of u, with the arrays x
// asks for (always the current ones, even for an older n). The caller
// holds a lock.
func (e *Emulator) appendUser(b []byte, u *user, n *snap, x expansion) []byte {
	if x == (expansion{}) {
		return append(b, n.json...)
	}
	b = append(b, n.json[:len(n.json)-1]...)
	if x.skills {
		b = append(b, `,"skills":`...)
		b = e.appendAssignments(b, u, skillKind)
	}
	if x.languages {
		b = append(b, `,"languages":`...)
		b = e.appendAssignments(b, u, languageKind)
	}
	if x.groups {
		b = append(b, `,"groups":`...)
		b = appendGroupRefs(b, u)
	}
	return append(b, '}')
}
