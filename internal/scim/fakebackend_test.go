package scim

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"sync"
)

var _ Backend = (*fakeBackend)(nil)

// fakeBackend is an in-memory Backend (users and groups) recording its calls.
type fakeBackend struct {
	mu             sync.Mutex
	users          map[string]*User
	groups         map[string]*Group
	next           int
	calls          []string
	lastQuery      *ListQuery
	lastGroupQuery *GroupListQuery
	lastGroupRead  *GroupRead
	lastGroupPatch *GroupPatch
	lastPre        Precondition
	notCreated     bool  // CreateUser answers created=false
	err            error // returned by every call when set
	panicMsg       string
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{users: map[string]*User{}, groups: map[string]*Group{}}
}

func (f *fakeBackend) record(call string) error {
	f.calls = append(f.calls, call)
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	return f.err
}

func (f *fakeBackend) CreateUser(_ context.Context, u *User) (*User, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("create"); err != nil {
		return nil, false, err
	}
	f.next++
	c := *u
	c.ID, c.Meta.Version, c.Password = "u-"+strconv.Itoa(f.next), "1", ""
	f.users[c.ID] = &c
	out := c
	return &out, !f.notCreated, nil
}

func (f *fakeBackend) GetUser(_ context.Context, id string) (*User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("get " + id); err != nil {
		return nil, err
	}
	u, ok := f.users[id]
	if !ok {
		return nil, NotFound(id)
	}
	c := *u
	return &c, nil
}

func (f *fakeBackend) ListUsers(_ context.Context, q *ListQuery) (*ListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastQuery = q
	if err := f.record("list"); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(f.users))
	for id := range f.users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	res := &ListResult{Total: len(ids)}
	for i := q.StartIndex - 1; i < len(ids) && len(res.Users) < q.Count; i++ {
		c := *f.users[ids[i]]
		res.Users = append(res.Users, &c)
	}
	return res, nil
}

// update checks the precondition, as the gateway does, and bumps the version.
func (f *fakeBackend) update(id string, pre Precondition, change func(u *User) (*User, error)) (*User, error) {
	f.lastPre = pre
	u, ok := f.users[id]
	if !ok {
		return nil, NotFound(id)
	}
	if !pre.Allows(u.Meta.Version) {
		return nil, Errorf(http.StatusPreconditionFailed, "", "version mismatch")
	}
	nu, err := change(u)
	if err != nil {
		return nil, err
	}
	v, _ := strconv.Atoi(u.Meta.Version)
	nu.ID, nu.Meta.Version = id, strconv.Itoa(v+1)
	f.users[id] = nu
	c := *nu
	return &c, nil
}

func (f *fakeBackend) ReplaceUser(_ context.Context, id string, u *User, pre Precondition) (*User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("replace " + id); err != nil {
		return nil, err
	}
	return f.update(id, pre, func(*User) (*User, error) { c := *u; return &c, nil })
}

func (f *fakeBackend) PatchUser(_ context.Context, id string, p *Patch, pre Precondition) (*User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("patch " + id); err != nil {
		return nil, err
	}
	return f.update(id, pre, p.ApplyTo)
}

func (f *fakeBackend) DeleteUser(_ context.Context, id string, pre Precondition) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastPre = pre
	if err := f.record("delete " + id); err != nil {
		return err
	}
	_, err := f.update(id, pre, func(u *User) (*User, error) { return u, nil })
	if err != nil {
		return err
	}
	delete(f.users, id)
	return nil
}

func (f *fakeBackend) CreateGroup(_ context.Context, g *Group) (*Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("group_create"); err != nil {
		return nil, err
	}
	f.next++
	c := *g
	c.ID, c.Meta.Version = "g-"+strconv.Itoa(f.next), "1"
	c.Members = f.withDisplay(g.Members)
	f.groups[c.ID] = &c
	return f.groupCopy(&c, true), nil
}

// withDisplay is what a backend answers for members: never nil, with the
// user's userName as display when the user exists.
func (f *fakeBackend) withDisplay(ms []Member) []Member {
	out := make([]Member, 0, len(ms))
	for _, m := range ms {
		m.Display = ""
		if u := f.users[m.Value]; u != nil {
			m.Display = u.UserName
		}
		out = append(out, m)
	}
	return out
}

func (f *fakeBackend) groupCopy(g *Group, members bool) *Group {
	c := *g
	c.Members = nil
	if members {
		c.Members = append([]Member{}, g.Members...)
	}
	return &c
}

func (f *fakeBackend) GetGroup(_ context.Context, id string, q GroupRead) (*Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastGroupRead = &q
	if err := f.record("group_get " + id); err != nil {
		return nil, err
	}
	g, ok := f.groups[id]
	if !ok {
		return nil, GroupNotFound(id)
	}
	return f.groupCopy(g, q.Members), nil
}

func (f *fakeBackend) ListGroups(_ context.Context, q *GroupListQuery) (*GroupListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastGroupQuery = q
	if err := f.record("group_list"); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(f.groups))
	for id := range f.groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	res := &GroupListResult{Total: len(ids)}
	for i := q.StartIndex - 1; i < len(ids) && len(res.Groups) < q.Count; i++ {
		res.Groups = append(res.Groups, f.groupCopy(f.groups[ids[i]], q.Members))
	}
	return res, nil
}

// updateGroup checks the precondition, as the gateway does, and bumps the
// version.
func (f *fakeBackend) updateGroup(id string, pre Precondition, change func(g *Group)) (*Group, error) {
	f.lastPre = pre
	g, ok := f.groups[id]
	if !ok {
		return nil, GroupNotFound(id)
	}
	if !pre.Allows(g.Meta.Version) {
		return nil, Errorf(http.StatusPreconditionFailed, "", "version mismatch")
	}
	change(g)
	v, _ := strconv.Atoi(g.Meta.Version)
	g.Meta.Version = strconv.Itoa(v + 1)
	return f.groupCopy(g, true), nil
}

func (f *fakeBackend) ReplaceGroup(_ context.Context, id string, ng *Group, pre Precondition) (*Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("group_replace " + id); err != nil {
		return nil, err
	}
	return f.updateGroup(id, pre, func(g *Group) {
		g.DisplayName, g.ExternalID = ng.DisplayName, ng.ExternalID
		if ng.Members != nil {
			g.Members = f.withDisplay(ng.Members)
		}
	})
}

func (f *fakeBackend) PatchGroup(_ context.Context, id string, p *GroupPatch, pre Precondition) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastGroupPatch = p
	if err := f.record("group_patch " + id); err != nil {
		return err
	}
	_, err := f.updateGroup(id, pre, func(g *Group) {
		if p.DisplayName != nil {
			g.DisplayName = *p.DisplayName
		}
		if p.ExternalID != nil {
			g.ExternalID = *p.ExternalID
		}
		ids := p.Members
		if !p.ReplaceMembers {
			drop := map[string]bool{}
			for _, id := range p.Remove {
				drop[id] = true
			}
			ids = nil
			for _, m := range g.Members {
				if !drop[m.Value] {
					ids = append(ids, m.Value)
					drop[m.Value] = true // also skips a re-add
				}
			}
			for _, id := range p.Add {
				if !drop[id] {
					ids = append(ids, id)
				}
			}
		}
		ms := make([]Member, 0, len(ids))
		for _, id := range ids {
			ms = append(ms, Member{Value: id})
		}
		g.Members = f.withDisplay(ms)
	})
	return err
}

func (f *fakeBackend) DeleteGroup(_ context.Context, id string, pre Precondition) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("group_delete " + id); err != nil {
		return err
	}
	if _, err := f.updateGroup(id, pre, func(*Group) {}); err != nil {
		return err
	}
	delete(f.groups, id)
	return nil
}
