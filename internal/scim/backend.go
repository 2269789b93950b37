package scim

import "context"

// Backend is what the SCIM protocol layer needs from the store behind it:
// Users and Groups. The gateway implements it over Genesys. Methods return
// *Error for every failure a caller should see; any other error becomes a
// generic 500.
type Backend interface {
	UserBackend
	GroupBackend
}

// UserBackend serves /Users.
type UserBackend interface {
	// CreateUser provisions u. created is false when an existing user was
	// returned under the return_existing duplicate policy (200, not 201).
	CreateUser(ctx context.Context, u *User) (out *User, created bool, err error)
	// GetUser reads one user; unknown or deleted ids are NotFound.
	GetUser(ctx context.Context, id string) (*User, error)
	// ListUsers answers a query.
	ListUsers(ctx context.Context, q *ListQuery) (*ListResult, error)
	// ReplaceUser is PUT: a full replace of the mapped attributes.
	ReplaceUser(ctx context.Context, id string, u *User, pre Precondition) (*User, error)
	// PatchUser applies p atomically.
	PatchUser(ctx context.Context, id string, p *Patch, pre Precondition) (*User, error)
	// DeleteUser deletes the user.
	DeleteUser(ctx context.Context, id string, pre Precondition) error
}

// GroupBackend serves /Groups (RFC 7643 §4.2). Identity providers manage
// membership through it: Entra ID and Okta push groups and change members
// with PATCH, in batches.
type GroupBackend interface {
	// CreateGroup provisions g (201). g.Members lists the initial members.
	CreateGroup(ctx context.Context, g *Group) (*Group, error)
	// GetGroup reads one group; unknown or deleted ids are NotFound. The
	// members are read only when q.Members is set: a response that
	// excludes them must not cost a read of a large group.
	GetGroup(ctx context.Context, id string, q GroupRead) (*Group, error)
	// ListGroups answers a query.
	ListGroups(ctx context.Context, q *GroupListQuery) (*GroupListResult, error)
	// ReplaceGroup is PUT: displayName, externalId and, when g.Members is
	// not nil, the complete member list.
	ReplaceGroup(ctx context.Context, id string, g *Group, pre Precondition) (*Group, error)
	// PatchGroup applies p atomically. The response of a PATCH is 204, so
	// nothing is returned; the server reads the group back with GetGroup
	// when the client asked for attributes.
	PatchGroup(ctx context.Context, id string, p *GroupPatch, pre Precondition) error
	// DeleteGroup deletes the group (its members stay).
	DeleteGroup(ctx context.Context, id string, pre Precondition) error
}

// ListQuery is a parsed GET /Users query. StartIndex is >= 1 and Count is in
// 0..MaxResults (already defaulted and capped). Filter is nil for no filter.
type ListQuery struct {
	Filter     Filter
	StartIndex int
	Count      int
	// Groups is true only when the attributes parameter asks for groups;
	// otherwise the listed users' groups are not rendered and need not be
	// read.
	Groups bool
	// ExternalID is false when attributes or excludedAttributes leave
	// externalId out of the response: the backend need not look it up.
	ExternalID bool
}

// ListResult is one page: Total is the number of matches, Users the window.
type ListResult struct {
	Total int
	Users []*User
}

// GroupRead says what a read of one group must return.
type GroupRead struct {
	// Members is false when the response leaves members out (attributes
	// without members, or excludedAttributes=members).
	Members bool
}

// GroupListQuery is a parsed GET /Groups query: StartIndex and Count as in
// ListQuery, Filter from ParseGroupFilter (nil for no filter), Members as in
// GroupRead.
type GroupListQuery struct {
	Filter     Filter
	StartIndex int
	Count      int
	Members    bool
}

// GroupListResult is one page: Total is the number of matches, Groups the
// window.
type GroupListResult struct {
	Total  int
	Groups []*Group
}

// Precondition carries If-Match. The zero value allows everything.
type Precondition struct {
	// IfMatch holds the versions (bare, no W/ or quotes) the caller accepts;
	// Any is set for "*". Both empty: no If-Match header.
	IfMatch []string
	Any     bool
}

// Allows reports whether the current version satisfies the precondition.
func (p Precondition) Allows(current string) bool {
	if p.Any || len(p.IfMatch) == 0 {
		return true
	}
	for _, v := range p.IfMatch {
		if v == current {
			return true
		}
	}
	return false
}
