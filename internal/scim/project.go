package scim

import (
	"net/url"
	"strings"
)

// projection is a parsed attributes / excludedAttributes pair (RFC 7644
// §3.4.2.5); a request parses its own once, however many resources it
// renders. Names are comma-separated, case-insensitive, may be dotted
// (name.givenName) and URN-qualified (urn:...:enterprise:2.0:User:manager,
// or a whole extension URN). A value path (emails[type eq "work"], as
// Microsoft's Postman collection sends) selects its attribute. Unknown names
// are ignored. id and schemas (returned "always") and meta.resourceType are
// always kept. When both are given, attributes applies first.
type projection struct {
	attrs, excluded *selNode // nil: the parameter is absent or names nothing
}

// parseProjection parses both parameters for the resource type whose
// attribute names seg reads (userSegments, groupSegments). id and schemas
// are returned "always": excluding them has no effect.
func parseProjection(attributes, excluded string, seg segmenter) projection {
	p := projection{attrs: selection(attributes, seg), excluded: selection(excluded, seg)}
	if p.excluded != nil {
		delete(p.excluded.children, "id")
		delete(p.excluded.children, "schemas")
	}
	return p
}

// projectionFrom parses a request's attributes and excludedAttributes.
func projectionFrom(q url.Values, seg segmenter) projection {
	attrs, _ := queryParam(q, "attributes")
	excl, _ := queryParam(q, "excludedAttributes")
	return parseProjection(attrs, excl, seg)
}

// identity reports whether the projection returns every resource unchanged.
func (p projection) identity() bool { return p.attrs == nil && p.excluded == nil }

// returns reports whether the projection may return some of the top-level
// attribute name (lower-case): not when attributes is given without it (or
// one of its sub-attributes), nor when excludedAttributes names it whole. A
// backend need not read what a response will not return.
func (p projection) returns(name string) bool {
	if p.attrs != nil {
		if _, ok := p.attrs.children[name]; !ok {
			return false
		}
	}
	if p.excluded != nil {
		if c, ok := p.excluded.children[name]; ok && c.children == nil {
			return false
		}
	}
	return true
}

// asks reports whether the attributes parameter asks for the top-level
// attribute name (lower-case), and excludedAttributes does not take it away.
func (p projection) asks(name string) bool { return p.attrs != nil && p.returns(name) }

// apply projects an encoded resource. resource is never modified: a new map
// is returned, or resource itself when the projection is the identity.
func (p projection) apply(resource map[string]any) map[string]any {
	out := resource
	if p.attrs != nil {
		out = keepSelected(out, p.attrs)
		for _, k := range []string{"id", "schemas"} {
			if v, ok := resource[k]; ok {
				out[k] = v
			}
		}
		if meta, ok := resource["meta"].(map[string]any); ok && meta["resourceType"] != nil {
			m, _ := out["meta"].(map[string]any)
			if m == nil {
				m = map[string]any{}
				out["meta"] = m
			}
			m["resourceType"] = meta["resourceType"]
		}
	}
	if p.excluded != nil {
		out = dropSelected(out, p.excluded)
	}
	return out
}

// selNode is a tree of selected attribute names (lower-cased). A node without
// children selects its whole attribute.
type selNode struct{ children map[string]*selNode }

// segmenter splits one name of an attributes list into its path segments
// (the schema URN of an extension first); ok is false for names the
// resource type cannot have.
type segmenter func(name string) (segs []string, ok bool)

// userSegments reads User attribute names: core names unqualified or
// qualified by the core URN, extension attributes under their URN, or a
// whole extension.
func userSegments(name string) ([]string, bool) {
	s, rest, ok := splitURN(name)
	switch {
	case !ok:
		return nil, false
	case s != coreSchema && rest == "":
		return []string{s.ID}, true
	case s != coreSchema:
		return append([]string{s.ID}, strings.Split(rest, ".")...), true
	}
	return strings.Split(rest, "."), true
}

// groupSegments reads Group attribute names, unqualified or qualified by
// the Group URN.
func groupSegments(name string) ([]string, bool) {
	rest, ok := splitGroupURN(name)
	if !ok || rest == "" {
		return nil, false
	}
	return strings.Split(rest, "."), true
}

func selection(list string, split segmenter) *selNode {
	root := &selNode{}
	for _, name := range splitAttrList(list) {
		segs, ok := split(name)
		if !ok {
			continue
		}
		n := root
		for i, seg := range segs {
			seg = strings.ToLower(seg)
			if n.children == nil {
				n.children = map[string]*selNode{}
			}
			child := n.children[seg]
			if child == nil {
				child = &selNode{}
				n.children[seg] = child
			} else if child.children == nil && i < len(segs)-1 {
				break // the whole attribute is already selected
			}
			if i == len(segs)-1 {
				child.children = nil // a whole attribute beats its sub-attributes
			}
			n = child
		}
	}
	if root.children == nil {
		return nil
	}
	return root
}

// splitAttrList splits on commas outside brackets and quotes and drops a
// value path's filter and trailing sub-attribute (emails[...].value keeps
// emails).
func splitAttrList(list string) []string {
	var out []string
	var cur strings.Builder
	depth, skipRest := 0, false
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
		skipRest = false
	}
	for i := 0; i < len(list); i++ {
		switch c := list[i]; {
		case c == '"' && depth > 0:
			i = skipQuoted(list, i) - 1
		case c == '[':
			depth++
			skipRest = true
		case c == ']':
			if depth > 0 {
				depth--
			}
		case c == ',' && depth == 0:
			flush()
		case depth == 0 && !skipRest:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

func keepSelected(m map[string]any, sel *selNode) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		child, ok := sel.children[strings.ToLower(k)]
		if !ok {
			continue
		}
		if child.children == nil {
			out[k] = v
			continue
		}
		if pv := projectValue(v, child, keepSelected); pv != nil {
			out[k] = pv
		}
	}
	return out
}

func dropSelected(m map[string]any, sel *selNode) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		child, ok := sel.children[strings.ToLower(k)]
		switch {
		case !ok:
			out[k] = v
		case child.children == nil:
			// excluded
		default:
			if pv := projectValue(v, child, dropSelected); pv != nil {
				out[k] = pv
			}
		}
	}
	return out
}

// projectValue applies f to a complex value or to each entry of a
// multi-valued one; empty results are dropped. Other values pass unchanged.
func projectValue(v any, sel *selNode, f func(map[string]any, *selNode) map[string]any) any {
	switch t := v.(type) {
	case map[string]any:
		if m := f(t, sel); len(m) > 0 {
			return m
		}
		return nil
	case []any:
		var list []any
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				if pm := f(m, sel); len(pm) > 0 {
					list = append(list, pm)
				}
			} else {
				list = append(list, e)
			}
		}
		if len(list) == 0 {
			return nil
		}
		return list
	}
	return v
}
