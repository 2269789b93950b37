package scim

import "sort"

// DecodeUser decodes a User from a POST or PUT body. Attribute names are
// case-insensitive at every level; extension attributes are read under their
// schema URN (or as URN-qualified names); JSON null means absent; unknown
// and unmapped attributes, readOnly ones (id, meta) and schemas are ignored.
// Values are coerced (see coerce.go); what cannot be is 400 invalidValue
// naming the attribute. body is the decoded request body (ReadJSON,
// DecodeJSON); decoding consumes it (see coerce.go).
func DecodeUser(body any) (*User, error) {
	obj, err := asObject(body)
	if err != nil {
		return nil, err
	}
	doc, err := docFromObject(obj)
	if err != nil {
		return nil, err
	}
	return docToUser(doc)
}

// docFromObject coerces a User body into a canonical document: core
// attributes at the top level under their canonical names, extension
// attributes in a map under the extension URN.
func docFromObject(obj map[string]any) (map[string]any, error) {
	doc := map[string]any{}
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		if v == nil {
			continue
		}
		s, rest, ok := splitURN(k)
		if !ok {
			continue // unknown schema
		}
		if rest != "" {
			if err := setDocAttr(doc, s, rest, v); err != nil {
				return nil, err
			}
			continue
		}
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil, BadValue("attribute %q must be an object", s.ID)
		}
		for _, k2 := range sortedKeys(m) {
			if err := setDocAttr(doc, s, k2, m[k2]); err != nil {
				return nil, err
			}
		}
	}
	return doc, nil
}

// setDocAttr coerces v as attribute name of schema s into doc; names the
// schema does not map are ignored.
func setDocAttr(doc map[string]any, s *schemaSpec, name string, v any) error {
	s, a := lookupAttr(s, name)
	if a == nil {
		return nil
	}
	cv, err := coerce(a, v, a.Name)
	if err != nil || cv == nil {
		return err
	}
	container(doc, s, true)[a.Name] = cv
	return nil
}

// container returns the map holding schema s's attributes in doc: doc itself
// for the core schema, doc[URN] for an extension (created when create is set;
// nil otherwise when absent).
func container(doc map[string]any, s *schemaSpec, create bool) map[string]any {
	if s == coreSchema {
		return doc
	}
	m, _ := doc[s.ID].(map[string]any)
	if m == nil && create {
		m = map[string]any{}
		doc[s.ID] = m
	}
	return m
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// docToUser builds a User from a canonical document (the inverse of userDoc).
func docToUser(doc map[string]any) (*User, error) {
	for _, a := range []*attrSpec{coreSchema.attr("emails"), coreSchema.attr("phoneNumbers")} {
		list, _ := doc[a.Name].([]any)
		if err := checkPrimary(a, list, a.Name); err != nil {
			return nil, err
		}
	}
	u := &User{
		ExternalID:   str(doc, "externalId"),
		UserName:     str(doc, "userName"),
		DisplayName:  str(doc, "displayName"),
		Title:        str(doc, "title"),
		Password:     str(doc, "password"),
		Emails:       multiValues(doc["emails"]),
		PhoneNumbers: multiValues(doc["phoneNumbers"]),
	}
	if n, ok := doc["name"].(map[string]any); ok {
		u.Name = Name{Formatted: str(n, "formatted"), GivenName: str(n, "givenName"), FamilyName: str(n, "familyName")}
	}
	if b, ok := doc["active"].(bool); ok {
		u.Active = &b
	}
	for _, m := range entries(doc["groups"]) {
		// Either names the group: identity providers send value (an id),
		// display, or both, and the gateway matches on either.
		if str(m, "value") == "" && str(m, "display") == "" {
			continue
		}
		u.Groups = append(u.Groups, GroupRef{Value: str(m, "value"), Display: str(m, "display")})
	}
	if ent := container(doc, enterpriseSchema, false); ent != nil {
		u.Department = str(ent, "department")
		if m, ok := ent["manager"].(map[string]any); ok {
			u.ManagerID = str(m, "value")
		}
	}
	if gen := container(doc, genesysSchema, false); gen != nil {
		u.DivisionID = str(gen, "divisionId")
	}
	if pc := container(doc, purecloudSchema, false); pc != nil {
		u.RoutingSkills = proficiencies(pc["routingSkills"])
		u.RoutingLanguages = proficiencies(pc["routingLanguages"])
	}
	return u, nil
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// entries returns the maps of a canonical multi-valued attribute.
func entries(v any) []map[string]any {
	list, _ := v.([]any)
	var out []map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func multiValues(v any) []MultiValue {
	list, _ := v.([]any)
	var out []MultiValue
	for _, e := range list {
		m, _ := e.(map[string]any)
		if str(m, "value") == "" {
			continue // an entry without value (a PATCH set only its type)
		}
		if out == nil {
			out = make([]MultiValue, 0, len(list)) // sized once: the list may be long
		}
		p, _ := m["primary"].(bool)
		out = append(out, MultiValue{Value: str(m, "value"), Type: str(m, "type"), Primary: p})
	}
	return out
}

func proficiencies(v any) []NamedProficiency {
	var out []NamedProficiency
	for _, m := range entries(v) {
		if str(m, "name") == "" {
			continue
		}
		np := NamedProficiency{Name: str(m, "name")}
		if f, ok := m["proficiency"].(float64); ok {
			np.Proficiency = &f
		}
		out = append(out, np)
	}
	return out
}
