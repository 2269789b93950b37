package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

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
	// add and to remove: disjoint, each in first-seen order, nil when none.
	Add, Remove []string
}

// ParseGroupPatch parses and fully validates a PatchOp body for a Group
// (RFC 7644 §3.5.2) and folds its operations, in order, into their net
// effect, so the backend applies one change however Entra batches them. It
// accepts what Entra ID and Okta send: op in any case; add and remove of
// members with a value list ([{"value":"<id>"}], "$ref", display and type
// ignored, a single object accepted); remove by members[value eq "<id>"]
// (or two ids joined by or); remove of members without a value (all of
// them); replace of members (the new list); add, replace and remove of
// displayName (required: never removed or blank) and externalId; path-less
// add and replace whose value object holds those attributes, where id,
// schemas and meta are ignored (Okta sends the id with a rename). Anything
// else is refused (a path naming another attribute or a sub-attribute is
// invalidPath, id and meta are mutability) and nothing of the PATCH
// applies. body is the decoded request body; parsing consumes it.
func ParseGroupPatch(body any) (*GroupPatch, error) {
	var f groupFold
	count := 0
	err := forEachPatchOp(body, func(o rawOp) error {
		if count++; count > MaxPatchOps {
			return Errorf(http.StatusRequestEntityTooLarge, TooMany, "a PATCH may hold at most %d operations", MaxPatchOps)
		}
		return f.op(o)
	})
	if err != nil {
		return nil, err
	}
	return f.result(), nil
}

// groupFold accumulates the net effect of group PATCH operations.
type groupFold struct {
	p                    GroupPatch
	members, add, remove idSet
}

// op folds one operation.
func (f *groupFold) op(o rawOp) error {
	if o.path == "" {
		return f.pathless(o)
	}
	rest, ok := splitGroupURN(o.path)
	switch {
	case !ok:
		return badPath("operation %d: path %q names a schema other than %s", o.n, clip(o.path), GroupURN)
	case rest == "" && o.op == "remove": // the whole resource, displayName with it
		return errDisplayNameRequired(o.n)
	case rest == "":
		return f.pathless(o)
	}
	p, err := parsePath(rest)
	if err != nil || p.AttributePath.URIPrefix != nil {
		return badPath("operation %d: path %q is malformed", o.n, clip(o.path))
	}
	name := p.AttributePath.AttributeName
	sub := p.AttributePath.SubAttributeName()
	if p.SubAttribute != nil {
		sub = *p.SubAttribute
	}
	if containsFold(groupSchema.ReadOnly, name) {
		return Errorf(http.StatusBadRequest, Mutability, "operation %d: attribute %q is readOnly", o.n, strings.ToLower(name))
	}
	a := groupSchema.attr(name)
	switch {
	case a == nil:
		return badPath("operation %d: attribute %q is not part of the Group schema; paths are displayName, externalId, members and members[value eq \"<user id>\"]", o.n, clip(name))
	case sub != "" && a.Name == "members":
		return badPath("operation %d: members are changed whole, by value, not by sub-attribute (path %q)", o.n, clip(o.path))
	case sub != "":
		return badPath("operation %d: attribute %q has no sub-attributes", o.n, a.Name)
	case p.ValueExpression != nil && a.Name != "members":
		return badPath("operation %d: attribute %q is not multi-valued: it takes no filter", o.n, a.Name)
	case p.ValueExpression != nil:
		if o.op != "remove" {
			return badPath("operation %d: a members[...] path is supported with remove only; add members with path members and a value list", o.n)
		}
		ids, err := memberFilterIDs(p.ValueExpression, o.n)
		if err != nil {
			return err
		}
		f.removeMembers(ids)
		return nil
	}
	return f.set(o.op, a, o.value, o.n)
}

// pathless folds an add or replace without a path (or with the Group URN as
// path): each attribute of its value object in turn.
func (f *groupFold) pathless(o rawOp) error {
	obj, ok := o.value.(map[string]any)
	if !ok {
		return BadValue("operation %d: %s without a path needs an object value", o.n, o.op)
	}
	for _, k := range sortedKeys(obj) {
		name, ok := splitGroupURN(k)
		if !ok {
			return badPath("operation %d: attribute %q names a schema other than %s", o.n, clip(k), GroupURN)
		}
		if containsFold(groupSchema.ReadOnly, name) {
			continue // Okta sends the group's id with a rename
		}
		a := groupSchema.attr(name)
		if a == nil {
			return badPath("operation %d: attribute %q is not part of the Group schema", o.n, clip(name))
		}
		if err := f.set(o.op, a, obj[k], o.n); err != nil {
			return err
		}
	}
	return nil
}

// set folds an operation on a whole attribute. As for users, add with null
// adds nothing and replace with null clears.
func (f *groupFold) set(op string, a *attrSpec, v any, n int) error {
	if op == "add" && v == nil {
		return nil
	}
	unset := op == "remove" || (op == "replace" && v == nil)
	switch a.Name {
	case "displayName":
		if unset {
			return errDisplayNameRequired(n)
		}
		s, err := groupString(a, v)
		if err != nil {
			return prefixOp(err, n)
		}
		if strings.TrimSpace(s) == "" {
			return errDisplayNameRequired(n)
		}
		f.p.DisplayName = &s
	case "externalId":
		s := ""
		if !unset {
			var err error
			if s, err = groupString(a, v); err != nil {
				return prefixOp(err, n)
			}
		}
		f.p.ExternalID = &s
	case "members":
		if unset && v == nil { // replace with null, remove without a value
			f.replaceMembers(nil)
			return nil
		}
		if m, ok := v.(map[string]any); ok {
			v = []any{m} // a single member
		}
		ids, err := memberValues(v, a.Name)
		if err != nil {
			return prefixOp(err, n)
		}
		switch op {
		case "add":
			f.addMembers(ids)
		case "remove":
			f.removeMembers(ids)
		default:
			f.replaceMembers(ids)
		}
	}
	return nil
}

// prefixOp names the operation in the detail of a value error.
func prefixOp(err error, n int) error {
	if e, ok := err.(*Error); ok {
		e.Detail = fmt.Sprintf("operation %d: %s", n, e.Detail)
	}
	return err
}

func (f *groupFold) addMembers(ids []string) {
	for _, id := range ids {
		if f.p.ReplaceMembers {
			f.members.add(id)
		} else {
			f.add.add(id)
			f.remove.remove(id)
		}
	}
}

func (f *groupFold) removeMembers(ids []string) {
	for _, id := range ids {
		if f.p.ReplaceMembers {
			f.members.remove(id)
		} else {
			f.remove.add(id)
			f.add.remove(id)
		}
	}
}

func (f *groupFold) replaceMembers(ids []string) {
	f.p.ReplaceMembers = true
	f.members, f.add, f.remove = idSet{}, idSet{}, idSet{}
	for _, id := range ids {
		f.members.add(id)
	}
}

func (f *groupFold) result() *GroupPatch {
	p := f.p
	if p.ReplaceMembers {
		p.Members = f.members.list()
		if p.Members == nil {
			p.Members = []string{}
		}
	} else {
		p.Add, p.Remove = f.add.list(), f.remove.list()
	}
	return &p
}

// idSet is a set of member ids that remembers the order they joined it.
type idSet struct {
	ids []string       // "" where an id was removed
	pos map[string]int // index in ids of each id present
}

func (s *idSet) add(id string) {
	if _, ok := s.pos[id]; ok {
		return
	}
	if s.pos == nil {
		s.pos = map[string]int{}
	}
	s.pos[id] = len(s.ids)
	s.ids = append(s.ids, id)
}

func (s *idSet) remove(id string) {
	if i, ok := s.pos[id]; ok {
		s.ids[i] = ""
		delete(s.pos, id)
	}
}

// list is the ids present, in order; nil when there are none.
func (s *idSet) list() []string {
	if len(s.pos) == 0 {
		return nil
	}
	out := make([]string, 0, len(s.pos))
	for _, id := range s.ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// memberFilterIDs reads the filter of a members[...] path: value eq
// "<user id>", or such comparisons joined by or (the parser accepts one or
// inside brackets). Anything else is 400 invalidPath.
func memberFilterIDs(e filter.Expression, n int) ([]string, error) {
	switch t := e.(type) {
	case *filter.LogicalExpression:
		if t.Operator == filter.OR {
			l, err := memberFilterIDs(t.Left, n)
			if err != nil {
				return nil, err
			}
			r, err := memberFilterIDs(t.Right, n)
			return append(l, r...), err
		}
	case *filter.AttributeExpression:
		ap := t.AttributePath
		if t.Operator == filter.EQ && ap.URIPrefix == nil && ap.SubAttribute == nil && strings.EqualFold(ap.AttributeName, "value") {
			var id string
			switch v := t.CompareValue.(type) {
			case string:
				s, err := unescapeFilterString(v)
				if err != nil {
					return nil, badPath("operation %d: the members filter has an invalid escape sequence", n)
				}
				id = s
			case json.Number:
				id = v.String()
			}
			if strings.TrimSpace(id) != "" {
				return []string{id}, nil
			}
		}
	}
	return nil, badPath(`operation %d: inside members[...] only value eq "<user id>", or two joined by or, is supported`, n)
}
