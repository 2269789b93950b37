package genesystest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// User is a copy of a user's state, for test assertions.
type User struct {
	ID, Name, Email, State   string
	Title, Department        string
	Manager                  string // manager user id; "" when none
	DivisionID, DivisionName string
	Version                  int
	Addresses                []Contact
	Skills, Languages        []Proficiency
	ExternalIDs              []ExternalID
	Groups                   []string // ids of the non-deleted groups the user is a member of, in the order joined
}

// Proficiency is an assigned skill or language.
type Proficiency struct {
	ID, Name    string
	Proficiency float64
}

// userCopy builds a User from u. The caller holds a lock.
func (e *Emulator) userCopy(u *user) User {
	s := &e.store
	n := u.cur
	div, _ := s.divisions.nameOf(n.divisionID)
	out := User{
		ID: n.id, Name: n.name, Email: n.email, State: n.state, Title: n.title, Department: n.department,
		Manager: n.manager, DivisionID: n.divisionID, DivisionName: div, Version: n.version,
		Addresses:   slices.Clone(n.addresses),
		ExternalIDs: slices.Clone(u.extIDs),
		Groups:      userGroups(u),
	}
	for _, k := range []kind{skillKind, languageKind} {
		cat := s.catalogOf(k)
		var ps []Proficiency
		for _, a := range *u.assignments(k) {
			name, _ := cat.nameOf(a.id)
			ps = append(ps, Proficiency{ID: a.id, Name: name, Proficiency: a.prof})
		}
		if k == skillKind {
			out.Skills = ps
		} else {
			out.Languages = ps
		}
	}
	return out
}

// User returns the user with id in any state.
func (e *Emulator) User(id string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.store.lookup(id)
	if u == nil {
		return User{}, false
	}
	return e.userCopy(u), true
}

// UserByEmail returns the user holding email (case-insensitively), in any
// state.
func (e *Emulator) UserByEmail(email string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.store.byEmail[strings.ToLower(email)]
	if u == nil {
		return User{}, false
	}
	return e.userCopy(u), true
}

// Users returns every user, deleted ones included, in creation order.
func (e *Emulator) Users() []User {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]User, 0, len(e.store.users))
	for _, u := range e.store.users {
		out = append(out, e.userCopy(u))
	}
	return out
}

// UserCount returns how many users exist in state ("" counts all states).
func (e *Emulator) UserCount(state string) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	n := 0
	for _, u := range e.store.users {
		if state == "" || u.cur.state == state {
			n++
		}
	}
	return n
}

// QueueMembers returns the ids of the members of the queue with id, in the
// order they were added.
func (e *Emulator) QueueMembers(queueID string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.store.members[queueID])
}

// UserByExternalID returns the user mapped to authority/key (any state).
func (e *Emulator) UserByExternalID(authority, key string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.store.extIDs[ExternalID{Authority: authority, Key: key}]
	if u == nil {
		return User{}, false
	}
	return e.userCopy(u), true
}

// SkillID, LanguageID, QueueID and DivisionID look up a seeded entity's id
// by its exact name.
func (e *Emulator) SkillID(name string) (string, bool)    { return e.idOf(&e.store.skills, name) }
func (e *Emulator) LanguageID(name string) (string, bool) { return e.idOf(&e.store.languages, name) }
func (e *Emulator) QueueID(name string) (string, bool)    { return e.idOf(&e.store.queues, name) }
func (e *Emulator) DivisionID(name string) (string, bool) { return e.idOf(&e.store.divisions, name) }

func (e *Emulator) idOf(c *catalog, name string) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return c.idOf(name)
}

// AddSkill, AddLanguage, AddQueue and AddDivision add an entity at run time
// (or return the id of the existing one with that name).
func (e *Emulator) AddSkill(name string) string    { return e.addEntity(&e.store.skills, name) }
func (e *Emulator) AddLanguage(name string) string { return e.addEntity(&e.store.languages, name) }
func (e *Emulator) AddQueue(name string) string    { return e.addEntity(&e.store.queues, name) }
func (e *Emulator) AddDivision(name string) string { return e.addEntity(&e.store.divisions, name) }

// UserDivision returns the id of the division of the user with id, in any
// state ("" for an unknown user). DivisionID("Home") is the home division.
func (e *Emulator) UserDivision(userID string) string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.store.lookup(userID); u != nil {
		return u.cur.divisionID
	}
	return ""
}

func (e *Emulator) addEntity(c *catalog, name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return c.add(name)
}

// UserSeed describes a user created directly, bypassing the API (no
// request is logged and search sees it at once).
type UserSeed struct {
	Name, Email       string // required
	State             string // active (default), inactive or deleted
	Title, Department string
	Division          string // division name; default Home
	Manager           string // manager user id
	Addresses         []Contact
	ExternalIDs       []ExternalID
}

// SeedUser creates a user directly. It enforces what the API would (email format and
// uniqueness, known division and manager, unique external ids) so seeded
// data is always data the real API could hold.
func (e *Emulator) SeedUser(su UserSeed) (User, error) {
	switch {
	case strings.TrimSpace(su.Name) == "":
		return User{}, errors.New("emulator: seed user needs a name")
	case !looksLikeEmail(su.Email):
		return User{}, errors.New("emulator: seed user needs a valid email")
	}
	state := su.State
	if state == "" {
		state = stateActive
	}
	if !oneOf(state, []string{stateActive, stateInactive, stateDeleted}) {
		return User{}, errors.New("emulator: seed user state must be active, inactive or deleted")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	div := s.homeID
	if su.Division != "" {
		var ok bool
		if div, ok = s.divisions.idOf(su.Division); !ok {
			return User{}, errors.New("emulator: unknown division " + su.Division)
		}
	}
	if s.byEmail[strings.ToLower(su.Email)] != nil {
		return User{}, errors.New("emulator: email already in use")
	}
	if su.Manager != "" && s.live(su.Manager) == nil {
		return User{}, errors.New("emulator: unknown manager")
	}
	for _, x := range su.ExternalIDs {
		if x.Authority == "" || x.Key == "" || s.extIDs[x] != nil {
			return User{}, errors.New("emulator: invalid or duplicate external id")
		}
	}
	n := &snap{
		name: su.Name, email: su.Email, state: state, title: su.Title, department: su.Department,
		manager: su.Manager, divisionID: div, addresses: slices.Clone(su.Addresses),
	}
	u := e.insert(n)
	u.publish(e.now(), 0) // seeded users exist before the test starts
	for _, x := range su.ExternalIDs {
		u.extIDs = append(u.extIDs, x)
		s.extIDs[x] = u
	}
	return e.userCopy(u), nil
}

// Group is a copy of a group's state, for test assertions.
type Group struct {
	ID, Name, Description string
	State                 string // active or deleted
	Version               int
	Visibility, Type      string
	MemberCount           int      // as the API reports it: deleted users count
	Members               []string // member user ids in the order added, deleted users included
}

func groupCopy(g *group) Group {
	n := g.cur
	return Group{
		ID: n.id, Name: n.name, Description: n.description, State: n.state, Version: n.version,
		Visibility: n.visibility, Type: n.typ, MemberCount: n.memberCount, Members: slices.Clone(g.members),
	}
}

// userGroups lists the ids of u's non-deleted groups. The caller holds a
// lock.
func userGroups(u *user) []string {
	var out []string
	for _, g := range u.groups {
		if g.cur.state != stateDeleted {
			out = append(out, g.cur.id)
		}
	}
	return out
}

// SeedGroup creates an official, public group with visible rules directly,
// bypassing the API (no request is logged and search sees it at once),
// with memberIDs as its members, and returns its id. Names need not be
// unique, as with the real API. It panics on a blank name, a member that
// is unknown or deleted, or one already in 100 official groups: seeded
// data must be data the real API could hold.
func (e *Emulator) SeedGroup(name string, memberIDs ...string) string {
	if strings.TrimSpace(name) == "" {
		panic("emulator: seed group needs a name")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.store
	n := &groupSnap{typ: "official", visibility: "public", rulesVisible: true, name: name}
	g := &group{indexed: indexed[groupSnap]{cur: n}} // canJoin reads the type
	for _, id := range memberIDs {
		u := s.live(id)
		if u == nil {
			panic("emulator: seed group member " + strconv.Quote(id) + " is not an active or inactive user")
		}
		if msg := canJoin(g, u); msg != "" {
			panic("emulator: " + msg)
		}
		addMember(g, u)
	}
	e.insertGroup(g, n)
	g.publish(e.now(), 0) // seeded groups exist before the test starts
	return n.id
}

// Group returns the group with id, in any state.
func (e *Emulator) Group(id string) (Group, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	g := e.store.groupsByID[id]
	if g == nil {
		return Group{}, false
	}
	return groupCopy(g), true
}

// Groups returns every group that is not deleted, in creation order.
func (e *Emulator) Groups() []Group { return e.groupsWhere(func(*group) bool { return true }) }

// GroupsByName returns the groups that are not deleted and are named
// exactly name (case-sensitively), in creation order. Names are not
// unique, so there may be several.
func (e *Emulator) GroupsByName(name string) []Group {
	return e.groupsWhere(func(g *group) bool { return g.cur.name == name })
}

func (e *Emulator) groupsWhere(match func(*group) bool) []Group {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []Group
	for _, g := range e.store.groups {
		if g.cur.state != stateDeleted && match(g) {
			out = append(out, groupCopy(g))
		}
	}
	return out
}

// GroupMembers returns the member user ids of the group with id (any
// state), in the order added, deleted users included; nil for an unknown
// group.
func (e *Emulator) GroupMembers(groupID string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if g := e.store.groupsByID[groupID]; g != nil {
		return slices.Clone(g.members)
	}
	return nil
}

// UserGroups returns the ids of the non-deleted groups the user with id is
// a member of, in the order joined (what expand=groups lists).
func (e *Emulator) UserGroups(userID string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.store.lookup(userID); u != nil {
		return userGroups(u)
	}
	return nil
}

// RenameGroup renames a group as an administrator would, outside the
// gateway: a new version, seen by search after the search lag.
func (e *Emulator) RenameGroup(id, name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("emulator: a group name must not be empty")
	}
	return e.adminGroupWrite(id, func(g *group) error {
		e.rewriteGroup(g, func(n *groupSnap) { n.name = name })
		return nil
	})
}

// DeleteGroup deletes a group as an administrator would, outside the
// gateway: it turns state deleted at a new version (search drops it after
// the search lag).
func (e *Emulator) DeleteGroup(id string) error {
	return e.adminGroupWrite(id, func(g *group) error {
		e.rewriteGroup(g, func(n *groupSnap) { n.state = stateDeleted })
		return nil
	})
}

// AddGroupMember adds a member as an administrator would, outside the
// gateway, with the API's rules (an active or inactive user, at most 100
// official groups): a new group version. Adding a member again is a no-op
// that still makes a new version, as the API's add does.
func (e *Emulator) AddGroupMember(groupID, userID string) error {
	return e.adminGroupWrite(groupID, func(g *group) error {
		u := e.store.live(userID)
		if u == nil {
			return errors.New("emulator: " + strconv.Quote(userID) + " is not an active or inactive user")
		}
		if msg := canJoin(g, u); msg != "" {
			return errors.New("emulator: " + msg)
		}
		addMember(g, u)
		e.rewriteGroup(g, nil)
		return nil
	})
}

// RemoveGroupMember removes a member as an administrator would, outside
// the gateway: a new group version. It fails when the user is not a
// member.
func (e *Emulator) RemoveGroupMember(groupID, userID string) error {
	return e.adminGroupWrite(groupID, func(g *group) error {
		if !e.store.removeMember(g, userID) {
			return errors.New("emulator: " + strconv.Quote(userID) + " is not a member of the group")
		}
		e.rewriteGroup(g, nil)
		return nil
	})
}

// adminGroupWrite runs write on the live group with id under the write
// lock.
func (e *Emulator) adminGroupWrite(id string, write func(g *group) error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.store.liveGroup(id)
	if g == nil {
		return errors.New("emulator: no group " + strconv.Quote(id) + " (unknown or deleted)")
	}
	return write(g)
}
