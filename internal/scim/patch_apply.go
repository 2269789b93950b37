package scim

import "strings"

// ApplyTo returns a copy of u with the patch applied; u itself is never
// modified, so a failure leaves nothing half-done. Operations act on the
// canonical document of u (userDoc) and the result is read back with the
// same code DecodeUser uses. Per RFC 7644 §3.5.2: replace on a complex
// attribute merges its sub-attributes; add to a multi-valued attribute merges
// an entry with the same key; a value filter that matches nothing makes
// add/replace create the entry (Entra relies on this) and remove a no-op;
// setting primary on one entry clears it on the others.
func (p *Patch) ApplyTo(u *User) (*User, error) {
	doc := userDoc(u)
	for i := range p.Ops {
		if o := &p.Ops[i]; !o.Ignored {
			applyOp(doc, o)
		}
	}
	out, err := docToUser(doc)
	if err != nil {
		return nil, err
	}
	out.ID, out.Meta = u.ID, u.Meta
	return out, nil
}

func applyOp(doc map[string]any, o *PatchOp) {
	t := o.target
	c := container(doc, t.schema, o.Op != "remove")
	if c == nil {
		return // removing from an absent extension
	}
	val := deepCopy(o.val)
	a := t.attr
	switch {
	case t.filter != nil:
		c[a.Name] = applyFiltered(entries(c[a.Name]), a, t, o.Op, val)
	case t.sub != nil && a.Multi:
		list := entries(c[a.Name])
		if len(list) == 0 && o.Op != "remove" && val != nil {
			list = []map[string]any{{}}
		}
		for _, m := range list {
			setOrDelete(m, t.sub.Name, val, o.Op)
		}
		all := map[int]bool{}
		for i := range list {
			all[i] = true
		}
		c[a.Name] = entryList(list, all)
	case t.sub != nil:
		m, _ := c[a.Name].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		setOrDelete(m, t.sub.Name, val, o.Op)
		c[a.Name] = m
	case o.Op == "remove" && val != nil: // remove the listed entries only
		c[a.Name] = removeEntries(a, entries(c[a.Name]), entries(val))
	case o.Op == "remove" || (o.Op == "replace" && val == nil):
		delete(c, a.Name)
	case val == nil: // add null: nothing to add
	case a.Multi && o.Op == "add":
		c[a.Name] = addEntries(a, entries(c[a.Name]), entries(val))
	case a.Multi: // replace the whole list
		c[a.Name] = val
	case a.Type == "complex":
		m, _ := c[a.Name].(map[string]any)
		nm := val.(map[string]any)
		if len(nm) == 0 { // Entra clears manager with an empty value
			delete(c, a.Name)
			return
		}
		if m == nil {
			m = map[string]any{}
		}
		for k, v := range nm {
			m[k] = v
		}
		c[a.Name] = m
	default:
		c[a.Name] = val
	}
	tidy(doc, c, t.schema, a)
}

// tidy removes an attribute left empty, and an extension left empty.
func tidy(doc, c map[string]any, s *schemaSpec, a *attrSpec) {
	if a != nil {
		switch v := c[a.Name].(type) {
		case []any:
			if len(v) == 0 {
				delete(c, a.Name)
			}
		case map[string]any:
			if len(v) == 0 {
				delete(c, a.Name)
			}
		}
	}
	if s != coreSchema && len(c) == 0 {
		delete(doc, s.ID)
	}
}

func setOrDelete(m map[string]any, k string, v any, op string) {
	if op == "remove" || v == nil || v == "" {
		delete(m, k)
		return
	}
	m[k] = v
}

// applyFiltered applies an operation whose path has a value filter.
func applyFiltered(list []map[string]any, a *attrSpec, t patchTarget, op string, val any) []any {
	matched := map[int]bool{}
	for i, m := range list {
		if matches(m, t.filter) {
			matched[i] = true
		}
	}
	if op == "remove" {
		var kept []map[string]any
		for i, m := range list {
			switch {
			case !matched[i]:
				kept = append(kept, m)
			case t.sub != nil && t.sub.Name != a.Key:
				delete(m, t.sub.Name)
				kept = append(kept, m)
			}
		}
		return entryList(kept, nil)
	}
	if len(matched) == 0 {
		m := map[string]any{}
		for _, term := range t.filter {
			m[term.sub.Name] = term.value
		}
		list = append(list, m)
		matched[len(list)-1] = true
	}
	for i := range matched {
		m := list[i]
		if t.sub != nil {
			setOrDelete(m, t.sub.Name, val, op)
			continue
		}
		nm, _ := val.(map[string]any)
		for k, v := range nm {
			m[k] = v
		}
	}
	return entryList(list, matched)
}

// matches reports whether an entry satisfies every term (strings compare
// case-insensitively: type and value are caseExact false).
func matches(m map[string]any, terms []eqTerm) bool {
	for _, t := range terms {
		v := m[t.sub.Name]
		if t.sub.Type == "boolean" && v == nil {
			v = false // an omitted primary is false
		}
		ts, tok := t.value.(string)
		vs, vok := v.(string)
		if tok && vok {
			if !strings.EqualFold(ts, vs) {
				return false
			}
		} else if v != t.value {
			return false
		}
	}
	return true
}

// addEntries merges added entries into list: an entry whose key equals an
// existing one's updates it, others are appended.
func addEntries(a *attrSpec, list, added []map[string]any) []any {
	touched := map[int]bool{}
	for _, n := range added {
		ns, _ := n[a.Key].(string)
		target := -1
		for i, m := range list {
			if ks, _ := m[a.Key].(string); strings.EqualFold(ks, ns) {
				target = i
				break
			}
		}
		if target < 0 {
			list = append(list, n)
			touched[len(list)-1] = true
			continue
		}
		for k, v := range n {
			list[target][k] = v
		}
		touched[target] = true
	}
	return entryList(list, touched)
}

// removeEntries drops the entries of list whose key equals a listed one's.
func removeEntries(a *attrSpec, list, listed []map[string]any) []any {
	var kept []map[string]any
	for _, m := range list {
		ks, _ := m[a.Key].(string)
		drop := false
		for _, l := range listed {
			if ls, _ := l[a.Key].(string); strings.EqualFold(ks, ls) {
				drop = true
			}
		}
		if !drop {
			kept = append(kept, m)
		}
	}
	return entryList(kept, nil)
}

// entryList returns list as a canonical multi-valued value. When one of the
// touched entries (by index) became primary, the others stop being primary.
func entryList(list []map[string]any, touched map[int]bool) []any {
	primary := false
	for i := range touched {
		if list[i]["primary"] == true {
			primary = true
		}
	}
	out := make([]any, 0, len(list))
	for i, m := range list {
		if primary && !touched[i] && m["primary"] == true {
			m["primary"] = false
		}
		out = append(out, m)
	}
	return out
}

// deepCopy copies canonical values so applying a Patch never aliases (and
// later mutates) the Patch's own values.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}
