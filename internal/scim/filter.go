package scim

// Canonical attribute names of the filter AST. Parsing maps any casing and
// the URN-qualified forms onto these. User filters (ParseFilter) use all
// but AttrMembers; Group filters (ParseGroupFilter) use AttrID,
// AttrExternalID, AttrDisplayName and AttrMembers.
const (
	AttrID          = "id"
	AttrExternalID  = "externalId"
	AttrUserName    = "userName"
	AttrDisplayName = "displayName"
	AttrNameFmt     = "name.formatted"
	AttrEmails      = "emails.value"                 // any email
	AttrWorkEmail   = `emails[type eq "work"].value` // the entry typed work
	AttrActive      = "active"
	AttrMembers     = "members.value" // a Group's member (user id): members, members.value, members[value eq x]
)

// Filter is a parsed, validated SCIM filter. It is one of *Compare, *And, *Or
// and *Not. And and Or are flattened (no And directly inside an And).
type Filter interface{ isFilter() }

// Compare is one attribute expression. Op is lower-case: eq, ne, co, sw, ew,
// gt, ge, lt, le, pr. Value is a string, a bool, a json.Number or nil (pr).
type Compare struct {
	Attr  string
	Op    string
	Value any
}

// And is a conjunction of two or more filters.
type And struct{ Terms []Filter }

// Or is a disjunction of two or more filters.
type Or struct{ Terms []Filter }

// Not negates a filter.
type Not struct{ Term Filter }

func (*Compare) isFilter() {}
func (*And) isFilter()     {}
func (*Or) isFilter()      {}
func (*Not) isFilter()     {}
