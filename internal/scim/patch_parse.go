package scim

import (
	"net/http"
	"strconv"
	"strings"
)

// MaxPatchOps bounds the operations of one PATCH (after path-less values are
// expanded), so a request's cost stays proportional to a sane body.
const MaxPatchOps = 1000

// ParsePatch parses and fully validates a PatchOp body (RFC 7644 §3.5.2),
// accepting the Entra and Okta shapes: op and keys in any case, path-less
// add/replace whose value keys are attribute names, dotted paths or
// extension URNs (expanded into one operation per path), value paths such as
// emails[type eq "work"].value, and values coerced as DecodeUser does. Every
// value is validated here, so a parsed Patch can be applied to any User
// without a request-dependent error: a bad operation fails the request before
// anything is written. body is the decoded request body (ReadJSON,
// DecodeJSON); parsing consumes it (see coerce.go).
func ParsePatch(body any) (*Patch, error) {
	p := &Patch{}
	if err := forEachPatchOp(body, p.addOp); err != nil {
		return nil, err
	}
	return p, nil
}

// rawOp is one PATCH operation as read, before its path is resolved: op is
// add, replace or remove (sent in any case), path is trimmed ("" when
// absent), hasValue says whether value was sent (null included), and n
// numbers the operation from 1 for error details.
type rawOp struct {
	op, path string
	value    any
	hasValue bool
	n        int
}

// forEachPatchOp reads a PatchOp body's envelope (RFC 7644 §3.5.2: schemas
// names PatchOp, Operations is a non-empty array of objects) and calls f on
// each operation in order, after the checks every resource shares: a known
// op, a string path, a path for remove (noTarget), a value for add and
// replace with a path. It stops at the first error.
func forEachPatchOp(body any, f func(o rawOp) error) error {
	obj, err := asObject(body)
	if err != nil {
		return err
	}
	if !hasPatchSchema(lookupFold(obj, "schemas")) {
		return Errorf(http.StatusBadRequest, InvalidSyntax, "schemas must contain %s", PatchOpURN)
	}
	ops, _ := lookupFold(obj, "Operations").([]any)
	if len(ops) == 0 {
		return Errorf(http.StatusBadRequest, InvalidSyntax, "Operations must be a non-empty array")
	}
	for i, raw := range ops {
		m, ok := raw.(map[string]any)
		if !ok {
			return Errorf(http.StatusBadRequest, InvalidSyntax, "operation %d is not an object", i+1)
		}
		o, err := readOp(m, i+1)
		if err != nil {
			return err
		}
		if err := f(o); err != nil {
			return err
		}
	}
	return nil
}

func readOp(m map[string]any, n int) (rawOp, error) {
	opName, _ := lookupFold(m, "op").(string)
	o := rawOp{op: strings.ToLower(strings.TrimSpace(opName)), n: n}
	if o.op != "add" && o.op != "replace" && o.op != "remove" {
		return o, Errorf(http.StatusBadRequest, InvalidSyntax, "operation %d: op must be add, replace or remove", n)
	}
	if raw := lookupFold(m, "path"); raw != nil {
		s, ok := raw.(string)
		if !ok {
			return o, badPath("operation %d: path must be a string", n)
		}
		o.path = strings.TrimSpace(s)
	}
	for k, v := range m {
		if strings.EqualFold(k, "value") {
			o.value, o.hasValue = v, true
		}
	}
	switch {
	case o.path == "" && o.op == "remove":
		return o, Errorf(http.StatusBadRequest, NoTarget, "operation %d: remove needs a path", n)
	case o.path != "" && o.op != "remove" && !o.hasValue:
		return o, BadValue("operation %d: %s needs a value", n, o.op)
	}
	return o, nil
}

// lookupFold returns obj's value for key, matching the key case-insensitively.
func lookupFold(obj map[string]any, key string) any {
	if v, ok := obj[key]; ok {
		return v
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func hasPatchSchema(v any) bool {
	switch t := v.(type) {
	case string:
		return strings.EqualFold(t, PatchOpURN)
	case []any:
		for _, s := range t {
			if str, ok := s.(string); ok && strings.EqualFold(str, PatchOpURN) {
				return true
			}
		}
	}
	return false
}

func (p *Patch) addOp(o rawOp) error {
	op, path, value, n := o.op, o.path, o.value, o.n
	if path == "" {
		return p.expand(op, coreSchema, "", value, n)
	}
	t, canon, err := resolvePath(path)
	if err != nil {
		return err
	}
	if t.attr == nil && !t.ignored { // a whole schema
		if op == "remove" {
			return p.removeSchema(t.schema, n)
		}
		return p.expand(op, t.schema, t.schema.ID+":", value, n)
	}
	return p.add(PatchOp{Op: op, Path: canon, Value: value, Ignored: t.ignored, target: t}, n)
}

// expand turns a path-less add/replace (or one whose path is a schema URN)
// into one operation per key of its value object; keys are resolved as paths
// under prefix, so top-level names, dotted paths and URN-qualified names all
// work, and a key that is an extension URN expands its object in turn.
func (p *Patch) expand(op string, s *schemaSpec, prefix string, value any, n int) error {
	obj, ok := value.(map[string]any)
	if !ok {
		return BadValue("operation %d: %s without a path needs an object value", n, op)
	}
	for _, k := range sortedKeys(obj) {
		path := prefix + k
		if s != coreSchema && strings.HasPrefix(strings.ToLower(k), "urn:") {
			path = k // already qualified
		}
		t, canon, err := resolvePath(path)
		if err != nil {
			return err
		}
		if t.attr == nil && !t.ignored {
			if err := p.expand(op, t.schema, t.schema.ID+":", obj[k], n); err != nil {
				return err
			}
			continue
		}
		if err := p.add(PatchOp{Op: op, Path: canon, Value: obj[k], Ignored: t.ignored, target: t}, n); err != nil {
			return err
		}
	}
	return nil
}

// removeSchema removes every mapped attribute of a schema (which fails for
// the core schema: userName is required).
func (p *Patch) removeSchema(s *schemaSpec, n int) error {
	for _, a := range s.Attrs {
		prefix := ""
		if s != coreSchema {
			prefix = s.ID + ":"
		}
		if err := p.add(PatchOp{Op: "remove", Path: prefix + a.Name, target: patchTarget{schema: s, attr: a}}, n); err != nil {
			return err
		}
	}
	return nil
}

// add coerces the operation's value for its target and appends it.
func (p *Patch) add(o PatchOp, n int) error {
	if len(p.Ops) >= MaxPatchOps {
		return Errorf(http.StatusRequestEntityTooLarge, TooMany, "a PATCH may hold at most %d operations", MaxPatchOps)
	}
	if o.Op == "remove" && o.Value != nil && removesEntries(o.target) {
		// Entra's legacy remove lists the entries to drop in value.
		if _, ok := o.Value.(map[string]any); ok {
			o.Value = []any{o.Value}
		}
		val, err := coerce(o.target.attr, o.Value, o.Path)
		if err != nil {
			return err
		}
		o.val = val
	}
	if !o.Ignored && o.Op != "remove" && o.Value != nil {
		val, err := coerceTarget(o.target, o.Value, o.Path)
		if err != nil {
			if e, ok := err.(*Error); ok && n > 0 {
				e.Detail = "operation " + strconv.Itoa(n) + ": " + e.Detail
			}
			return err
		}
		o.val = val
	}
	if a := o.target.attr; a != nil && a.Required && o.target.sub == nil && clears(&o) {
		// userName is REQUIRED (RFC 7643 §4.1.1): applying the other
		// operations without it would answer 200 for a change not made.
		return BadValue("operation %d: attribute %q is required; it cannot be removed or set empty", n, a.Name)
	}
	p.Ops = append(p.Ops, o)
	return nil
}

// clears reports whether an operation on a whole attribute leaves it without
// a value: a remove, a replace with null, or an empty or blank string.
func clears(o *PatchOp) bool {
	if o.Op == "remove" || (o.Op == "replace" && o.val == nil) {
		return true
	}
	s, ok := o.val.(string)
	return ok && strings.TrimSpace(s) == ""
}

// coerceTarget coerces a PATCH value for what its path points at: a whole
// attribute (a single object is accepted for a multi-valued one), one entry
// of a value filter (an object, or Entra's one-element array), or a
// sub-attribute.
func coerceTarget(t patchTarget, v any, path string) (any, error) {
	a := t.attr
	switch {
	case t.sub != nil:
		return coerceScalar(t.sub, v, path)
	case t.filter != nil:
		if list, ok := v.([]any); ok && len(list) == 1 {
			v = list[0]
		}
		if _, ok := v.(map[string]any); !ok {
			return nil, BadValue("attribute %q needs an object value", path)
		}
		return coerceComplex(a, v, path)
	case a.Multi:
		if m, ok := v.(map[string]any); ok {
			v = []any{m}
		}
	}
	return coerce(a, v, path)
}

// removesEntries reports whether a remove may carry the entries to remove as
// its value: a whole multi-valued attribute, without filter or sub-attribute.
func removesEntries(t patchTarget) bool {
	return !t.ignored && t.attr != nil && t.attr.Multi && t.filter == nil && t.sub == nil
}
