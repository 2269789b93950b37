package scim

import "context"

// Backend is what the SCIM protocol layer needs from the store behind it. The
// gateway implements it over Genesys. Methods return *Error for every failure
// a caller should see; any other error becomes a generic 500.
type Backend interface {
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

// ListQuery is a parsed GET /Users query. StartIndex is >= 1 and Count is in
// 0..MaxResults (already defaulted and capped). Filter is nil for no filter.
type ListQuery struct {
	Filter     Filter
	StartIndex int
	Count      int
}

// ListResult is one page: Total is the number of matches, Users the window.
type ListResult struct {
	Total int
	Users []*User
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
