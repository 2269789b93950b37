package scim

// GroupURN is the schema of the Group resource (RFC 7643 §4.2, §8.7.1).
const GroupURN = "urn:ietf:params:scim:schemas:core:2.0:Group"

// Group is the SCIM Group as this product understands it: displayName,
// externalId and the members by user id. An empty string means absent.
type Group struct {
	ID          string
	ExternalID  string
	DisplayName string // as sent (never blank in a request); normalisation is the backend's job
	// Members, in a request, are the members as sent: deduplicated by value
	// in first-seen order, nil when the body has no members attribute and
	// empty (not nil) when it sends an empty list. In a response, nil means
	// the members were not read (GroupRead.Members false) and renders no
	// members attribute; an empty list renders "members":[].
	Members []Member
	// Meta.Version is the bare version, as for users; the server fills
	// meta.location.
	Meta Meta
}

// Member is one entry of members. Value is the user's id; Display, in a
// response, its display name (ignored in requests). $ref and type are
// rendered by this package and ignored in requests.
type Member struct {
	Value   string
	Display string
}
