package scim

// GroupPatch is a parsed group PATCH folded into its net effect: the
// operations applied in order, all or nothing. Member ids are user ids.
type GroupPatch struct {
	// DisplayName, when not nil, is the new displayName (never blank).
	DisplayName *string
	// ExternalID, when not nil, is the new externalId; "" removes it.
	ExternalID *string
	// ReplaceMembers says the members are replaced wholesale by Members.
	ReplaceMembers bool
	// Members is, when ReplaceMembers, the complete new member list
	// (possibly empty); nil otherwise.
	Members []string
	// Add and Remove are, when ReplaceMembers is false, the member ids to
	// add and to remove: disjoint, each in first-seen order.
	Add, Remove []string
}
