package genesystest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Groups, as the SDKs' GroupsApi documents them. The emulator models a
// group's individual members only: no owners, no dynamic rules, no images
// or addresses (bodies that set them are refused), so a group's members
// are its individuals.
//
// A deleted user stays a member of its groups (a restore brings the
// memberships back) but no member listing shows it; memberCount counts it
// (the least convenient plausible answer: memberCount is not the listing's
// total). A deleted group keeps its members for inspection, and leaves the
// listings, the search and users' groups.

const (
	// maxGroupListPageSize: the Terraform provider pages GET /api/v2/groups
	// with pageSize 500.
	maxGroupListPageSize = 500
	// maxGroupMembersPageSize: the users-listing maximum (strict).
	maxGroupMembersPageSize = 100
	// maxGroupMemberIDs: GroupMembersUpdate's memberIds and
	// delete_group_members' ids: "A maximum of 50 members are allowed per
	// request".
	maxGroupMemberIDs = 50
	// maxOfficialGroups is how many official groups a user can belong to.
	maxOfficialGroups = 100
)

// dateLayout is how Genesys writes a date-time: ISO-8601 with
// milliseconds, in UTC.
const dateLayout = "2006-01-02T15:04:05.000Z"

var (
	groupTypes        = []string{"official", "social"}
	groupVisibilities = []string{"public", "owners", "members"}
)

// groupSnap is one immutable version of a group, like snap for users. json
// is its pre-rendered Group body.
type groupSnap struct {
	id, name, lname, description, state, typ, visibility    string
	rulesVisible, rolesEnabled, includeOwners, callsEnabled bool
	version, memberCount                                    int
	json                                                    []byte
}

type group struct {
	indexed[groupSnap]
	members []string // user ids, in the order added (deleted users included)
}

// field returns the lower-cased value of a group search field of g.
func (g *groupSnap) field(f string) string {
	if f == "name" {
		return g.lname
	}
	return g.rawField(f)
}

// rawField returns the value of a group search field of g as written.
func (g *groupSnap) rawField(f string) string {
	switch f {
	case "id":
		return g.id
	case "name":
		return g.name
	}
	return ""
}

// groupDoc is the Group body the API returns.
type groupDoc struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Description   string `json:"description,omitempty"`
	DateModified  string `json:"dateModified"`
	MemberCount   int    `json:"memberCount"`
	State         string `json:"state"`
	Version       int    `json:"version"`
	Type          string `json:"type"`
	RulesVisible  bool   `json:"rulesVisible"`
	Visibility    string `json:"visibility"`
	RolesEnabled  bool   `json:"rolesEnabled"`
	IncludeOwners bool   `json:"includeOwners"`
	CallsEnabled  bool   `json:"callsEnabled"`
	SelfURI       string `json:"selfUri"`
}

// commitGroup makes n the current version of g (a new group when g.cur is
// nil) and schedules it for search. The caller holds the write lock.
func (e *Emulator) commitGroup(g *group, n *groupSnap) {
	now := e.now()
	n.lname = strings.ToLower(n.name)
	n.memberCount = len(g.members)
	n.json, _ = json.Marshal(groupDoc{
		ID: n.id, Name: n.name, Description: n.description, DateModified: now.UTC().Format(dateLayout),
		MemberCount: n.memberCount, State: n.state, Version: n.version, Type: n.typ, RulesVisible: n.rulesVisible,
		Visibility: n.visibility, RolesEnabled: n.rolesEnabled, IncludeOwners: n.includeOwners, CallsEnabled: n.callsEnabled,
		SelfURI: "/api/v2/groups/" + n.id,
	})
	g.cur = n
	g.publish(now, e.searchLag())
}

// insertGroup adds g, a new group (possibly with members already), at
// version n (id, version and state are assigned). The caller holds the
// write lock.
func (e *Emulator) insertGroup(g *group, n *groupSnap) {
	s := &e.store
	n.id, n.version, n.state = newID(), 1, stateActive
	e.commitGroup(g, n)
	s.groups = append(s.groups, g)
	s.groupsByID[n.id] = g
}

// rewriteGroup makes a new version of g with change applied (nil: only
// the version and the member count change). The caller holds the write
// lock.
func (e *Emulator) rewriteGroup(g *group, change func(n *groupSnap)) {
	n := *g.cur
	n.version++
	if change != nil {
		change(&n)
	}
	e.commitGroup(g, &n)
}

// liveGroup returns the group with id unless it is unknown or deleted.
func (s *store) liveGroup(id string) *group {
	g := s.groupsByID[id]
	if g == nil || g.cur.state == stateDeleted {
		return nil
	}
	return g
}

// officialGroups counts the live official groups u is a member of.
func officialGroups(u *user) int {
	n := 0
	for _, g := range u.groups {
		if g.cur.state != stateDeleted && g.cur.typ == "official" {
			n++
		}
	}
	return n
}

// canJoin says why u cannot become a member of g ("" when it can): it is
// already in maxOfficialGroups official groups. The caller holds a lock.
func canJoin(g *group, u *user) string {
	if g.cur.typ == "official" && !slices.Contains(u.groups, g) && officialGroups(u) >= maxOfficialGroups {
		return fmt.Sprintf("user %s is already a member of %d official groups", u.cur.id, maxOfficialGroups)
	}
	return ""
}

// addMember makes u a member of g (a no-op when it is one). The caller
// holds the write lock and has checked canJoin.
func addMember(g *group, u *user) {
	if !slices.Contains(g.members, u.cur.id) {
		g.members = append(g.members, u.cur.id)
		u.groups = append(u.groups, g)
	}
}

// removeMember takes the user with id out of g; it reports whether it was
// a member. The caller holds the write lock.
func (s *store) removeMember(g *group, id string) bool {
	i := slices.Index(g.members, id)
	if i < 0 {
		return false
	}
	g.members = slices.Delete(g.members, i, i+1)
	if u := s.byID[id]; u != nil {
		u.groups = slices.DeleteFunc(u.groups, func(x *group) bool { return x == g })
	}
	return true
}

// liveMember reports whether the user with id is listed as a member: it
// exists and is not deleted. The caller holds a lock.
func (s *store) liveMember(id string) bool { return s.live(id) != nil }

// groupBody is a GroupCreate or GroupUpdate body as far as the emulator
// models it.
type groupBody struct {
	id, name, description, state, typ, visibility           *string
	version                                                 *int
	rulesVisible, rolesEnabled, includeOwners, callsEnabled *bool
	ownerIDs                                                []string
	addresses                                               []json.RawMessage
	typeOnUpdate                                            json.RawMessage
}

// decode decodes and checks a GroupCreate (create) or GroupUpdate body. It
// returns the reason for refusing it, or "".
func (b *groupBody) decode(raw []byte, create bool) string {
	fs := fields{
		"name": &b.name, "description": &b.description, "visibility": &b.visibility,
		"rulesVisible": &b.rulesVisible, "rolesEnabled": &b.rolesEnabled, "includeOwners": &b.includeOwners,
		"callsEnabled": &b.callsEnabled, "ownerIds": &b.ownerIDs, "addresses": &b.addresses,
	}
	if create {
		fs["type"] = &b.typ
	} else {
		fs["version"], fs["state"], fs["id"], fs["type"] = &b.version, &b.state, &b.id, &b.typeOnUpdate
	}
	if err := decodeObject(raw, fs); err != nil {
		return err.Error()
	}
	switch {
	case b.typeOnUpdate != nil:
		return "type cannot be changed: GroupUpdate has no type"
	case create && (b.name == nil || b.typ == nil || b.rulesVisible == nil || b.visibility == nil):
		return "name, type, rulesVisible and visibility are required"
	case !create && b.version == nil:
		return "version is required"
	case b.name != nil && strings.TrimSpace(*b.name) == "":
		return "name must not be empty"
	case b.typ != nil && !oneOf(*b.typ, groupTypes):
		return "type must be official or social"
	case b.visibility != nil && !oneOf(*b.visibility, groupVisibilities):
		return "visibility must be public, owners or members"
	case b.state != nil && *b.state != stateActive:
		// GroupUpdate's state is undocumented beyond "State of the group";
		// deleting is DELETE (strict).
		return "state can only be active"
	case len(b.addresses) > 0:
		return "group addresses are not modeled by the emulator"
	}
	for _, o := range b.ownerIDs {
		// The Terraform provider sends [" "] to mean "no owners" on PUT;
		// real owners are not modeled, and refused rather than dropped.
		if strings.TrimSpace(o) != "" {
			return "group owners are not modeled by the emulator"
		}
	}
	return ""
}

// apply sets the optional fields of b on n.
func (b *groupBody) apply(n *groupSnap) {
	set := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	if b.name != nil {
		n.name = *b.name
	}
	if b.visibility != nil {
		n.visibility = *b.visibility
	}
	set(&n.rulesVisible, b.rulesVisible)
	set(&n.rolesEnabled, b.rolesEnabled)
	set(&n.includeOwners, b.includeOwners)
	set(&n.callsEnabled, b.callsEnabled)
}

// handleCreateGroup is POST /api/v2/groups (GroupCreate): name, type,
// rulesVisible and visibility are required. description is accepted and
// ignored, as the real API does (the Terraform provider: "Description can
// only be set in a PUT. This is a bug with the API"). Group names are not
// unique: a second group with a taken name is created (the least
// convenient answer: nothing refuses a duplicate). Answers 200 with the
// Group.
func (e *Emulator) handleCreateGroup(c *call) {
	raw, ok := c.bodyOnly()
	if !ok {
		return
	}
	var b groupBody
	if msg := b.decode(raw, true); msg != "" {
		c.badRequest(msg)
		return
	}
	n := &groupSnap{typ: *b.typ}
	b.apply(n)
	e.mu.Lock()
	defer e.mu.Unlock()
	g := &group{}
	e.insertGroup(g, n)
	c.writeJSON(http.StatusOK, g.cur.json)
}

// handleGetGroup is GET /api/v2/groups/{id}. A deleted group is answered
// 200 with state "deleted": the real API answers that or 404 (the
// Terraform provider's group delete accepts either), and this is the less
// convenient of the two.
func (e *Emulator) handleGetGroup(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	g := e.store.groupsByID[c.p[0]]
	if g == nil {
		c.notFound("group")
		return
	}
	c.writeJSON(http.StatusOK, g.cur.json)
}

// handleListGroups is GET /api/v2/groups (GroupEntityListing): every group
// but the deleted ones, whatever its visibility, in creation order,
// optionally filtered by id.
func (e *Emulator) handleListGroups(c *call) {
	q, ok := c.queryParams([]string{"pageSize", "pageNumber", "id", "jabberId", "sortOrder"}, []string{"id", "jabberId"})
	if !ok {
		return
	}
	size, number, ok := c.paging(q, maxGroupListPageSize)
	if !ok {
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
	ids := listValues(q["id"])
	e.mu.RLock()
	defer e.mu.RUnlock()
	match := func(g *group) bool {
		return g.cur.state != stateDeleted && (ids == nil || oneOf(g.cur.id, ids))
	}
	c.buf = appendEntityListing(c.buf, e.store.groups, desc, match, size, number, "/api/v2/groups?", func(b []byte, g *group) []byte {
		return append(b, g.cur.json...)
	})
	c.writeJSON(http.StatusOK, c.buf)
}

// handleUpdateGroup is PUT /api/v2/groups/{id} (GroupUpdate): version is
// required and must be current (else 409 general.conflict, the code a
// duplicate has too); type cannot be sent. Answers 200 with the Group at
// its new version. A deleted group is 404.
func (e *Emulator) handleUpdateGroup(c *call) {
	raw, ok := c.bodyOnly()
	if !ok {
		return
	}
	var b groupBody
	if msg := b.decode(raw, false); msg != "" {
		c.badRequest(msg)
		return
	}
	if b.id != nil && *b.id != c.p[0] {
		c.badRequest("id does not match the group being updated")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.store.liveGroup(c.p[0])
	if g == nil {
		c.notFound("group")
		return
	}
	if *b.version != g.cur.version {
		c.versionConflict(http.StatusConflict, "group")
		return
	}
	e.rewriteGroup(g, func(n *groupSnap) {
		b.apply(n)
		if b.description != nil {
			n.description = *b.description
		}
	})
	c.writeJSON(http.StatusOK, g.cur.json)
}

// handleDeleteGroup is DELETE /api/v2/groups/{id}: 200 with no body (the
// SDKs' delete_group returns nothing). The group turns state "deleted" at a
// new version. Deleting an unknown or deleted group is 404 (strict: the
// Terraform provider retries deletes, so a real repeat may well be 200).
func (e *Emulator) handleDeleteGroup(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.store.liveGroup(c.p[0])
	if g == nil {
		c.notFound("group")
		return
	}
	e.rewriteGroup(g, func(n *groupSnap) { n.state = stateDeleted })
	c.writeEmpty(http.StatusOK)
}

// handleGroupMembers is GET /api/v2/groups/{id}/members (get_group_members:
// a UserEntityListing, pageSize at most 100, sortOrder and expand as for
// users): the member users, in the order added, deleted users left out.
func (e *Emulator) handleGroupMembers(c *call) {
	q, ok := c.queryParams([]string{"pageSize", "pageNumber", "sortOrder", "expand"}, []string{"expand"})
	if !ok {
		return
	}
	size, number, ok := c.paging(q, maxGroupMembersPageSize)
	if !ok {
		return
	}
	desc, ok := c.sortOrderParam(q)
	if !ok {
		return
	}
	x, ok := c.parseExpand(listValues(q["expand"]))
	if !ok {
		return
	}
	e.writeMembers(c, x, desc, size, number, "members")
}

// handleGroupIndividuals is GET /api/v2/groups/{id}/individuals
// (get_group_individuals takes no paging parameters): every member user in
// one UserEntityListing.
func (e *Emulator) handleGroupIndividuals(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	e.writeMembers(c, expansion{}, false, 0, 1, "individuals")
}

// writeMembers answers a page of the live members of the group c.p[0] as a
// UserEntityListing; size 0 puts them all on one page.
func (e *Emulator) writeMembers(c *call, x expansion, desc bool, size, number int, seg string) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s := &e.store
	g := s.liveGroup(c.p[0])
	if g == nil {
		c.notFound("group")
		return
	}
	if size == 0 {
		for _, id := range g.members {
			if s.liveMember(id) {
				size++
			}
		}
		size = max(size, 1)
	}
	c.buf = appendEntityListing(c.buf, g.members, desc, s.liveMember, size, number, "/api/v2/groups/"+g.cur.id+"/"+seg+"?", func(b []byte, id string) []byte {
		u := s.byID[id]
		return e.appendUser(b, u, u.cur, x)
	})
	c.writeJSON(http.StatusOK, c.buf)
}

// handleAddGroupMembers is POST /api/v2/groups/{id}/members
// (GroupMembersUpdate): 1..50 memberIds and the group's version. version
// is required, as GroupMembersUpdate had it through SDK 246 (optional
// since 247: strict), and must be current (else 409 general.conflict).
// Every id must name an active or inactive user, and no user may pass
// maxOfficialGroups official groups: else 400 and nothing changes (a
// normal answer, not a shape rejection: a user can be deleted after the
// client checked). A member added again is a no-op. The call makes a new
// group version and answers 202 with no body (post_group_members returns
// an untyped object: an empty body is the least convenient answer to a
// client that decodes it).
func (e *Emulator) handleAddGroupMembers(c *call) {
	raw, ok := c.bodyOnly()
	if !ok {
		return
	}
	var (
		ids     []string
		version *int
	)
	if err := decodeObject(raw, fields{"memberIds": &ids, "version": &version}); err != nil {
		c.badRequest(err.Error())
		return
	}
	if msg := checkMemberIDs(ids, "memberIds"); msg != "" {
		c.badRequest(msg)
		return
	}
	if version == nil {
		c.badRequest("version is required")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	g := s.liveGroup(c.p[0])
	if g == nil {
		c.notFound("group")
		return
	}
	if *version != g.cur.version {
		c.versionConflict(http.StatusConflict, "group")
		return
	}
	if !e.allLive(c, ids) {
		return
	}
	// The cap counts each user once, however often the body names it.
	for _, id := range ids {
		if msg := canJoin(g, s.byID[id]); msg != "" {
			c.fail(http.StatusBadRequest, "bad.request", msg)
			return
		}
	}
	for _, id := range ids {
		addMember(g, s.byID[id])
	}
	e.rewriteGroup(g, nil)
	c.writeEmpty(http.StatusAccepted)
}

// handleRemoveGroupMembers is DELETE /api/v2/groups/{id}/members?ids=a,b
// (delete_group_members: ids is a required comma-separated list of at most
// 50 user ids; no version). Ids that are not members are ignored. The call
// makes a new group version and answers 202 with no body.
func (e *Emulator) handleRemoveGroupMembers(c *call) {
	q, ok := c.queryParams([]string{"ids"}, nil)
	if !ok {
		return
	}
	ids := listValues(q["ids"])
	if msg := checkMemberIDs(ids, "ids"); msg != "" {
		c.badRequest(msg)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	g := s.liveGroup(c.p[0])
	if g == nil {
		c.notFound("group")
		return
	}
	for _, id := range ids {
		s.removeMember(g, id)
	}
	e.rewriteGroup(g, nil)
	c.writeEmpty(http.StatusAccepted)
}

// checkMemberIDs checks a list of member ids named name: 1..50 non-empty
// ids. It returns the reason for refusing it, or "".
func checkMemberIDs(ids []string, name string) string {
	if len(ids) == 0 || len(ids) > maxGroupMemberIDs {
		return name + " must hold 1 to " + strconv.Itoa(maxGroupMemberIDs) + " user ids, got " + strconv.Itoa(len(ids))
	}
	if slices.Contains(ids, "") {
		return name + " holds an empty id"
	}
	return ""
}

// handleGroupSearch is POST /api/v2/groups/search (GroupSearchRequest; no
// expand). It sees the lagging index, like the user search: a group
// created, changed or deleted moments ago shows its old state. Deleted
// groups and groups whose visibility is "members" are never returned.
func (e *Emulator) handleGroupSearch(c *call) {
	req, ok := c.readSearch(&groupSearch, nil)
	if !ok {
		return
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	now := e.now()
	var hits []*groupSnap
	for _, g := range e.store.groups {
		if n := g.visible(now); n != nil && n.state != stateDeleted && n.visibility != "members" && matchAll(req.query, n) {
			hits = append(hits, n)
		}
	}
	sortHits(hits, &req, func(n *groupSnap) searchDoc { return n })
	c.writeSearch(&req, &groupSearch, len(hits), func(b []byte, i int) []byte {
		return append(b, hits[i].json...)
	})
}

// appendGroupRefs appends u's live groups as the User model's groups:
// [{"id","selfUri"}], ids only (the least convenient of the plausible
// expansions: a client gets no names). The caller holds a lock.
func appendGroupRefs(b []byte, u *user) []byte {
	b = append(b, '[')
	first := true
	for _, g := range u.groups {
		if g.cur.state == stateDeleted {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"id":"`...)
		b = append(b, g.cur.id...)
		b = append(b, `","selfUri":"/api/v2/groups/`...)
		b = append(b, g.cur.id...)
		b = append(b, `"}`...)
	}
	return append(b, ']')
}
