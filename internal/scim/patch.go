package scim

// Patch is a parsed and validated PatchOp request. Apply it with ApplyTo.
type Patch struct {
	Ops []PatchOp
}

// PatchOp is one operation, normalised: Op is lower-case add, replace or
// remove; a path-less add/replace is expanded into one operation per
// attribute path of its value object (dotted keys and URN-qualified keys
// included); Path is the parsed path. Ignored marks a well-formed path that
// names a core or enterprise attribute this product does not map (nickName,
// employeeNumber...): it is accepted and changes nothing.
type PatchOp struct {
	Op      string
	Path    string // canonical path as written after normalisation, for messages
	Value   any    // the value as sent (DecodeJSON's form); coercion canonicalises its objects in place
	Ignored bool
	// implementation-specific parsed form lives in unexported fields
	target patchTarget
	val    any // Value coerced to its canonical form (see coerce.go); nil clears
}
