package genesys

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Group type and visibility this product creates groups with (SDK model
// GroupCreate allows type official, social and visibility public, owners,
// members).
const (
	GroupTypeOfficial     = "official"
	GroupVisibilityPublic = "public"
)

// Group is the Platform API group (SDK model Group; only the fields this
// product reads). State is active, inactive or deleted (the user states).
type Group struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	State       string  `json:"state,omitempty"`
	Type        string  `json:"type,omitempty"`
	Visibility  string  `json:"visibility,omitempty"`
	Version     Version `json:"version"`
	MemberCount int     `json:"memberCount"`
	SelfURI     string  `json:"selfUri,omitempty"`
}

// GroupPage is a GroupEntityListing: the response of GET /api/v2/groups.
type GroupPage struct {
	Entities   []Group `json:"entities"`
	PageSize   int     `json:"pageSize"`
	PageNumber int     `json:"pageNumber"`
	Total      int     `json:"total"`
	PageCount  int     `json:"pageCount"`
}

// GroupSearchResponse is a GroupsSearchResponse: the response of
// POST /api/v2/groups/search. With no hits Results is nil.
type GroupSearchResponse struct {
	Total      int     `json:"total"`
	PageCount  int     `json:"pageCount"`
	PageSize   int     `json:"pageSize"`
	PageNumber int     `json:"pageNumber"`
	Results    []Group `json:"results"`
}

// groupCreate is the body of POST /api/v2/groups (SDK model GroupCreate,
// whose name, type, rulesVisible and visibility are all required).
type groupCreate struct {
	Name         string `json:"name"`
	Type         string `json:"type"`
	RulesVisible bool   `json:"rulesVisible"`
	Visibility   string `json:"visibility"`
}

// UpdateGroup is the body of PUT /api/v2/groups/{id} (SDK model
// GroupUpdate, which has no type). Version is required. A nil pointer or an
// empty State is not sent; a pointer to "" sends "" (clearing a
// description). Whether Genesys keeps a field a PUT leaves out is not
// documented: the Terraform provider (genesyscloud/group/
// resource_genesyscloud_group.go, updateGroup) sends name, description,
// visibility and rulesVisible on every PUT, so a caller that must keep a
// field sends it.
type UpdateGroup struct {
	Version      Version `json:"version"`
	Name         *string `json:"name,omitempty"`
	Description  *string `json:"description,omitempty"`
	State        string  `json:"state,omitempty"`
	Visibility   string  `json:"visibility,omitempty"`
	RulesVisible *bool   `json:"rulesVisible,omitempty"`
}

// groupSearchRequest is the body of POST /api/v2/groups/search (SDK model
// GroupSearchRequest): a SearchRequest without expand, which groups do not
// have.
type groupSearchRequest struct {
	PageSize   int              `json:"pageSize,omitempty"`
	PageNumber int              `json:"pageNumber,omitempty"`
	SortBy     string           `json:"sortBy,omitempty"`
	SortOrder  string           `json:"sortOrder,omitempty"`
	Query      []SearchCriteria `json:"query"`
}

// groupMembersUpdate is the body of POST /api/v2/groups/{id}/members
// (SDK model GroupMembersUpdate).
type groupMembersUpdate struct {
	MemberIDs []string `json:"memberIds"`
	Version   Version  `json:"version"`
}

// Group membership limits: "A maximum of 50 members are allowed per
// request" for both POST and DELETE /api/v2/groups/{id}/members (SDK
// GroupMembersUpdate.memberIds, delete_group_members ids), the chunk size
// the Terraform provider's updateGroupMembers uses too. A members page
// holds at most 100 users.
const (
	groupMembersMax         = 50
	groupMembersMaxPageSize = 100
)

// ErrCommaInID is returned, before any call, for a user id that contains a
// comma where ids travel as one comma-separated value: it would split into
// other ids on the way.
var ErrCommaInID = errors.New("genesys: a user id must not contain a comma")

const groupsPath = "/api/v2/groups"

// groupPath is /api/v2/groups/{id} with the id escaped.
func groupPath(id string) string { return groupsPath + "/" + url.PathEscape(id) }

// CreateGroup creates an official group (POST /api/v2/groups) with
// visibility public, because group search does not return groups whose
// visibility is members, and rulesVisible true. GroupCreate takes no
// description that sticks (the Terraform provider's createGroup: it "can
// only be set in a PUT"), so there is none here: UpdateGroup sets it.
//
// Like CreateUser it is never repeated blindly: a transport error, timeout,
// 408 or 5xx returns an error wrapping ErrOutcomeUnknown (the caller checks
// by search, which lags). A 429 or 401 answer is repeated.
func (c *Client) CreateGroup(ctx context.Context, name string) (*Group, error) {
	var out Group
	err := c.do(ctx, call{method: http.MethodPost, endpoint: "POST /api/v2/groups", path: groupsPath,
		body: groupCreate{Name: name, Type: GroupTypeOfficial, RulesVisible: true, Visibility: GroupVisibilityPublic}, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetGroup reads a group (GET /api/v2/groups/{id}); a missing group is
// an error for which IsNotFound is true. A deleted group may still be
// answered, with State "deleted": it is returned as it is, and callers treat
// both answers as gone.
func (c *Client) GetGroup(ctx context.Context, id string) (*Group, error) {
	var out Group
	err := c.do(ctx, call{method: http.MethodGet, endpoint: "GET /api/v2/groups/{id}", path: groupPath(id), out: &out, repeatable: true})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListGroups reads one page of GET /api/v2/groups; a pageSize or pageNumber
// of 0 is left to the API default (25, page 1).
func (c *Client) ListGroups(ctx context.Context, pageSize, pageNumber int) (*GroupPage, error) {
	q := url.Values{}
	if pageSize > 0 {
		q.Set("pageSize", strconv.Itoa(pageSize))
	}
	if pageNumber > 0 {
		q.Set("pageNumber", strconv.Itoa(pageNumber))
	}
	var out GroupPage
	err := c.do(ctx, call{method: http.MethodGet, endpoint: "GET /api/v2/groups", path: groupsPath, query: q, out: &out, repeatable: true})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SearchGroups runs POST /api/v2/groups/search, repeated like a GET, with
// the search limits of SearchUsers (a *LimitError before any call).
// req.Expand is never sent: GroupSearchRequest has no expand. The search
// does not return groups whose visibility is members, its index lags
// behind writes, and an EXACT match on name may be case-sensitive. With no
// hits Results is nil.
func (c *Client) SearchGroups(ctx context.Context, req SearchRequest) (*GroupSearchResponse, error) {
	const endpoint = "POST /api/v2/groups/search"
	if err := checkSearch(endpoint, &req); err != nil {
		return nil, err
	}
	body := groupSearchRequest{PageSize: req.PageSize, PageNumber: req.PageNumber, SortBy: req.SortBy, SortOrder: req.SortOrder, Query: req.Query}
	out := GroupSearchResponse{Results: make([]Group, 0, req.PageSize)}
	err := c.do(ctx, call{method: http.MethodPost, endpoint: endpoint, path: groupsPath + "/search", body: body, out: &out, repeatable: true})
	if err != nil {
		return nil, err
	}
	if len(out.Results) == 0 {
		out.Results = nil
	}
	return &out, nil
}

// UpdateGroup replaces a group's fields (PUT /api/v2/groups/{id}) at
// upd.Version. It refuses, before any call, an UpdateGroup without a
// version (ErrMissingVersion). It does not re-read on a version mismatch:
// the caller decides (IsVersionMismatch). The PUT is repeated after a 5xx
// or connection error: the version makes a repeat of an applied PUT fail as
// a version mismatch, never apply twice.
func (c *Client) UpdateGroup(ctx context.Context, id string, upd UpdateGroup) (*Group, error) {
	if upd.Version == 0 {
		return nil, ErrMissingVersion
	}
	var out Group
	err := c.do(ctx, call{method: http.MethodPut, endpoint: "PUT /api/v2/groups/{id}", path: groupPath(id), body: upd, out: &out, repeatable: true})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteGroup deletes a group (DELETE /api/v2/groups/{id}, 200 with no
// body). A repeat after an attempt that may have been applied treats "not
// found" as done, and a version answer is repeated within MaxRetries, as
// the Terraform provider's deleteGroup does (util.RetryWhen(
// util.IsVersionMismatch, ...)). Terraform also reads the group afterwards
// and deletes again while it is neither 404 nor state deleted (its
// DEVTOOLING-485 note: the delete may be answered 200 and fail later); that
// check is the caller's.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	return c.do(ctx, call{method: http.MethodDelete, endpoint: "DELETE /api/v2/groups/{id}", path: groupPath(id),
		repeatable: true, doneOnRepeat: isNotFoundAPI, retryOn: isVersionMismatchAPI})
}

// GroupMembers reads one page of a group's members
// (GET /api/v2/groups/{id}/members, SDK get_group_members: "includes
// individuals, owners, and dynamically included people"), as a
// UserEntityListing. pageSize is 0 (the API default, 25) to 100; another is
// refused before any call with a *LimitError. pageNumber 0 is page 1.
// expand may name groups, skills, languages.
func (c *Client) GroupMembers(ctx context.Context, id string, pageSize, pageNumber int, expand ...string) (*UserPage, error) {
	const endpoint = "GET /api/v2/groups/{id}/members"
	if pageSize < 0 || pageSize > groupMembersMaxPageSize {
		return nil, &LimitError{Endpoint: endpoint, Limit: fmt.Sprintf("pageSize must be 0..%d", groupMembersMaxPageSize), Got: pageSize}
	}
	q := url.Values{}
	if pageSize > 0 {
		q.Set("pageSize", strconv.Itoa(pageSize))
	}
	if pageNumber > 0 {
		q.Set("pageNumber", strconv.Itoa(pageNumber))
	}
	for _, e := range expand {
		q.Add("expand", e)
	}
	out := UserPage{Entities: make([]User, 0, pageSize)}
	err := c.do(ctx, call{method: http.MethodGet, endpoint: endpoint, path: groupPath(id) + "/members", query: q, out: &out, repeatable: true})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AddGroupMembers adds users to a group (POST /api/v2/groups/{id}/members)
// in ONE call at the group's current version, which the caller read: the
// write moves the version, so a caller adding more than 50 re-reads it
// between calls as the Terraform provider's addGroupMembers does. It
// refuses, before any call, no ids or more than 50 (*LimitError) and a zero
// version (ErrMissingVersion). Genesys answers 2xx (202 included) with an
// empty body.
//
// The POST is repeated after a 5xx or connection error: the version makes
// a repeat of an applied add fail as a version mismatch, never apply twice.
// A version answer therefore means the group moved, possibly by this very
// call: re-read the group and its members before adding again.
func (c *Client) AddGroupMembers(ctx context.Context, groupID string, version Version, userIDs []string) error {
	const endpoint = "POST /api/v2/groups/{id}/members"
	if len(userIDs) == 0 || len(userIDs) > groupMembersMax {
		return &LimitError{Endpoint: endpoint, Limit: fmt.Sprintf("memberIds must hold 1..%d ids", groupMembersMax), Got: len(userIDs)}
	}
	if version == 0 {
		return ErrMissingVersion
	}
	return c.do(ctx, call{method: http.MethodPost, endpoint: endpoint, path: groupPath(groupID) + "/members",
		body: groupMembersUpdate{MemberIDs: userIDs, Version: version}, repeatable: true})
}

// RemoveGroupMembers removes users from a group
// (DELETE /api/v2/groups/{id}/members?ids=a,b), 50 per call, the ids of
// a call comma-separated in one query value. It needs no version. It
// refuses, before any call, an id containing a comma (ErrCommaInID). Each
// call is repeated after a 5xx or connection error (a repeat that answers
// not found is done) and on a version answer, as the Terraform provider's
// updateGroupMembers repeats its removals; it stops at the first failing
// call. No ids make no call.
func (c *Client) RemoveGroupMembers(ctx context.Context, groupID string, userIDs []string) error {
	for _, id := range userIDs {
		if strings.Contains(id, ",") {
			return ErrCommaInID
		}
	}
	path := groupPath(groupID) + "/members"
	return inChunks(userIDs, groupMembersMax, func(chunk []string) error {
		return c.do(ctx, call{method: http.MethodDelete, endpoint: "DELETE /api/v2/groups/{id}/members", path: path,
			query: url.Values{"ids": {strings.Join(chunk, ",")}}, repeatable: true, doneOnRepeat: isNotFoundAPI, retryOn: isVersionMismatchAPI})
	})
}
