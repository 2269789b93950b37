package genesys

import (
	"encoding/json"
	"strconv"
	"strings"
)

// User and group states.
const (
	StateActive   = "active"
	StateInactive = "inactive"
	StateDeleted  = "deleted"
)

// Contact media types and types used by this product: the SDK model Contact
// allows mediaType PHONE, EMAIL, SMS and type PRIMARY, WORK, WORK2..4, HOME,
// MOBILE, MAIN, OTHER.
const (
	MediaEmail = "EMAIL"
	MediaPhone = "PHONE"

	ContactWork   = "WORK"
	ContactMobile = "MOBILE"
	ContactHome   = "HOME"
)

// Ref is a reference to another entity (division, manager, group).
type Ref struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	SelfURI string `json:"selfUri,omitempty"`
}

// Contact is one entry of a user's addresses or primaryContactInfo.
type Contact struct {
	Address     string `json:"address,omitempty"`
	Display     string `json:"display,omitempty"`
	MediaType   string `json:"mediaType"`
	Type        string `json:"type"`
	Extension   string `json:"extension,omitempty"`
	CountryCode string `json:"countryCode,omitempty"`
}

// Version is a user's or a group's version. The API documents an integer but some responses
// render it as a string ("152"), so it decodes from either.
type Version int

// UnmarshalJSON accepts a JSON number or a string holding one.
func (v *Version) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*v = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	*v = Version(n)
	return nil
}

// User is the Platform API user (response model; only the fields this product
// reads). name is one string; there is no active flag, only state. Skills,
// Languages and Groups are only there when expanded, and GET /api/v2/users
// resolves expands "with a best effort approach" (SDK get_users): an absent
// list there does not prove an empty one.
type User struct {
	ID                 string                `json:"id"`
	Name               string                `json:"name"`
	Email              string                `json:"email"`
	Username           string                `json:"username,omitempty"`
	State              string                `json:"state"`
	Title              string                `json:"title,omitempty"`
	Department         string                `json:"department,omitempty"`
	Division           *Ref                  `json:"division,omitempty"`
	Manager            *Ref                  `json:"manager,omitempty"`
	Addresses          []Contact             `json:"addresses,omitempty"`
	PrimaryContactInfo []Contact             `json:"primaryContactInfo,omitempty"`
	Version            Version               `json:"version"`
	Skills             []UserRoutingSkill    `json:"skills,omitempty"`
	Languages          []UserRoutingLanguage `json:"languages,omitempty"`
	Groups             []Ref                 `json:"groups,omitempty"` // expand=groups: {id, selfUri} each
	SelfURI            string                `json:"selfUri,omitempty"`
}

// CreateUser is the body of POST /api/v2/users. It has no username, no active
// flag and no manager: those are not part of the create model.
type CreateUser struct {
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	DivisionID string    `json:"divisionId,omitempty"`
	Department string    `json:"department,omitempty"`
	Title      string    `json:"title,omitempty"`
	Addresses  []Contact `json:"addresses,omitempty"`
	Password   string    `json:"password,omitempty"`
	State      string    `json:"state,omitempty"`
}

// UpdateUser is the body of PATCH /api/v2/users/{id}. Version is required.
// A nil pointer leaves the field alone; a pointer to "" clears it. Addresses,
// when non-nil, replaces the whole list (an empty list clears it). State must
// be patched on its own (SDK model UpdateUser: state "If specified, it is the
// only modifiable field"): the client refuses an UpdateUser that sets State
// together with any other field.
type UpdateUser struct {
	Version    Version    `json:"version"`
	Name       *string    `json:"name,omitempty"`
	Email      *string    `json:"email,omitempty"`
	Title      *string    `json:"title,omitempty"`
	Department *string    `json:"department,omitempty"`
	Manager    *string    `json:"manager,omitempty"` // manager's user id; "" clears
	Addresses  *[]Contact `json:"addresses,omitempty"`
	State      string     `json:"state,omitempty"`
}

// MarshalJSON renders Addresses as a plain array (an empty one when it is a
// pointer to an empty slice) so that clearing works.
func (u UpdateUser) MarshalJSON() ([]byte, error) {
	type plain struct {
		Version    Version   `json:"version"`
		Name       *string   `json:"name,omitempty"`
		Email      *string   `json:"email,omitempty"`
		Title      *string   `json:"title,omitempty"`
		Department *string   `json:"department,omitempty"`
		Manager    *string   `json:"manager,omitempty"`
		Addresses  []Contact `json:"addresses,omitempty"`
		State      string    `json:"state,omitempty"`
	}
	p := plain{Version: u.Version, Name: u.Name, Email: u.Email, Title: u.Title,
		Department: u.Department, Manager: u.Manager, State: u.State}
	if u.Addresses == nil {
		return json.Marshal(p)
	}
	type withAddresses struct {
		plain
		Addresses []Contact `json:"addresses"`
	}
	a := *u.Addresses
	if a == nil {
		a = []Contact{}
	}
	return json.Marshal(withAddresses{plain: p, Addresses: a})
}

// UserPage is a UserEntityListing: the response of GET /api/v2/users and of
// GET /api/v2/groups/{id}/members.
type UserPage struct {
	Entities   []User `json:"entities"`
	PageSize   int    `json:"pageSize"`
	PageNumber int    `json:"pageNumber"`
	Total      int    `json:"total"`
	PageCount  int    `json:"pageCount"`
}

// Search criterion types and operators used by this product (SDK models
// UserSearchCriteria and GroupSearchCriteria: type and operator).
const (
	SearchExact          = "EXACT"
	SearchStartsWith     = "STARTS_WITH"
	SearchContains       = "CONTAINS"
	SearchRequiredFields = "REQUIRED_FIELDS"
	SearchMatchAll       = "MATCH_ALL"

	OpAnd = "AND"
	OpOr  = "OR"
	OpNot = "NOT"
)

// SearchCriteria is one UserSearchCriteria or GroupSearchCriteria (the same
// shape). A criterion with Group holds nested criteria combined by their
// operators.
type SearchCriteria struct {
	Type     string           `json:"type,omitempty"`
	Fields   []string         `json:"fields,omitempty"`
	Value    string           `json:"value,omitempty"`
	Values   []string         `json:"values,omitempty"`
	Operator string           `json:"operator,omitempty"`
	Group    []SearchCriteria `json:"group,omitempty"`
}

// SearchRequest is the body of POST /api/v2/users/search (UserSearchRequest)
// and, without Expand, of POST /api/v2/groups/search (GroupSearchRequest).
// See SearchUsers for the limits the client enforces.
type SearchRequest struct {
	PageSize   int              `json:"pageSize,omitempty"`
	PageNumber int              `json:"pageNumber,omitempty"`
	SortBy     string           `json:"sortBy,omitempty"`
	SortOrder  string           `json:"sortOrder,omitempty"` // ASC, DESC, SCORE
	Query      []SearchCriteria `json:"query"`
	Expand     []string         `json:"expand,omitempty"`
}

// SearchResponse is the response of POST /api/v2/users/search. With no hits,
// results may be absent: Results is then nil.
type SearchResponse struct {
	Total      int    `json:"total"`
	PageCount  int    `json:"pageCount"`
	PageSize   int    `json:"pageSize"`
	PageNumber int    `json:"pageNumber"`
	Results    []User `json:"results"`
}

// ExternalID is a UserExternalIdentifier.
type ExternalID struct {
	AuthorityName string `json:"authorityName"`
	ExternalKey   string `json:"externalKey"`
}

// NamedEntity is a skill, a language or a queue as returned by the routing
// lookups.
type NamedEntity struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	State string `json:"state,omitempty"`
}

// Proficiency assigns a skill or a language (by id) to a user: the element of
// the routingskills/routinglanguages bulk bodies. Proficiency is 0..5.
type Proficiency struct {
	ID          string  `json:"id"`
	Proficiency float64 `json:"proficiency"`
}

// UserRoutingSkill is a skill assigned to a user.
type UserRoutingSkill struct {
	ID          string  `json:"id"`
	Name        string  `json:"name,omitempty"`
	Proficiency float64 `json:"proficiency"`
	State       string  `json:"state,omitempty"`
}

// UserRoutingLanguage is a language assigned to a user.
type UserRoutingLanguage struct {
	ID          string  `json:"id"`
	Name        string  `json:"name,omitempty"`
	Proficiency float64 `json:"proficiency"`
	State       string  `json:"state,omitempty"`
}
