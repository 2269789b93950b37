package scim

import "time"

// Schema URNs.
const (
	UserURN           = "urn:ietf:params:scim:schemas:core:2.0:User"
	EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// GenesysUserURN carries divisionId (this product's extension).
	GenesysUserURN = "urn:ietf:params:scim:schemas:extension:genesys:User"
	// PurecloudUserURN is Genesys's own SCIM extension: routingSkills and
	// routingLanguages by name.
	PurecloudUserURN = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User"
	ListResponseURN  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpURN       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// User is the SCIM User as this product understands it: exactly the
// attributes it maps (the attribute table in schema.go), already coerced to
// their types. An
// empty string or nil slice means absent. Decoding (DecodeUser) is
// case-insensitive on attribute names and treats JSON null as absent.
type User struct {
	ID           string
	ExternalID   string
	UserName     string // as sent; normalisation is the gateway's job
	Name         Name
	DisplayName  string
	Emails       []MultiValue
	PhoneNumbers []MultiValue
	Active       *bool // nil: not sent
	Title        string
	Password     string // write-only: never rendered
	Groups       []GroupRef

	// Enterprise extension.
	Department string
	ManagerID  string // manager.value

	// GenesysUserURN extension.
	DivisionID string

	// PurecloudUserURN extension.
	RoutingSkills    []NamedProficiency
	RoutingLanguages []NamedProficiency

	Meta Meta
}

// Name is the complex name attribute.
type Name struct {
	Formatted  string
	GivenName  string
	FamilyName string
}

// MultiValue is one entry of emails or phoneNumbers.
type MultiValue struct {
	Value   string
	Type    string // lower-cased on decode
	Primary bool
}

// GroupRef is one entry of groups (value is the group id, display its name).
type GroupRef struct {
	Value   string
	Display string
}

// NamedProficiency is a routing skill or language by name. Proficiency is nil
// when not sent.
type NamedProficiency struct {
	Name        string
	Proficiency *float64
}

// Meta is the resource's meta attribute. Version is the bare version (no W/
// and no quotes); the server renders meta.version and ETag as W/"<version>".
// Location is filled by the server.
type Meta struct {
	Created      time.Time
	LastModified time.Time
	Version      string
	Location     string
}
