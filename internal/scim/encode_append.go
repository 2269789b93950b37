package scim

import "net/url"

// The fast encoder: a User (or Group) written straight to JSON bytes, the
// same document EncodeUser (EncodeGroup) builds as a map (same members, same
// omissions, same strings and numbers), without the map per resource, the
// reflection, or the key sort. encode_append_test.go compares the two on
// decoded JSON. Responses use it whenever no attributes / excludedAttributes
// projection applies; projection keeps working on the maps.

// refPrefixes are what the fast encoders put before an escaped id to render
// meta.location and $ref: the JSON string bodies (escaped, no quotes) of
// "<baseURL>/Users/" and "<baseURL>/Groups/". Escaping works rune by rune,
// so prefix then escaped id is the escaped URL. A nil *refPrefixes renders
// as the map encoders do without a baseURL.
type refPrefixes struct{ users, groups []byte }

// newRefPrefixes returns the prefixes of baseURL, nil for "".
func newRefPrefixes(baseURL string) *refPrefixes {
	if baseURL == "" {
		return nil
	}
	return &refPrefixes{users: appendJSONStringBody(nil, baseURL+"/Users/"),
		groups: appendJSONStringBody(nil, baseURL+"/Groups/")}
}

// appendUser writes u as EncodeUser(u, baseURL) renders it, refs being
// newRefPrefixes(baseURL).
func (w *jsonWriter) appendUser(u *User, refs *refPrefixes) {
	ent := u.Department != "" || u.ManagerID != ""
	gen := u.DivisionID != ""
	pc := len(u.RoutingSkills) > 0 || len(u.RoutingLanguages) > 0

	w.beginObject()
	w.key("schemas")
	w.beginArray()
	w.string(UserURN)
	// The order of extensionSchemas (enterprise, genesys, purecloud).
	if ent {
		w.string(EnterpriseUserURN)
	}
	if gen {
		w.string(GenesysUserURN)
	}
	if pc {
		w.string(PurecloudUserURN)
	}
	w.endArray()

	w.stringMember("id", u.ID)
	w.stringMember("externalId", u.ExternalID)
	w.stringMember("userName", u.UserName)
	if n := u.Name; n.Formatted != "" || n.GivenName != "" || n.FamilyName != "" {
		w.key("name")
		w.beginObject()
		w.stringMember("formatted", n.Formatted)
		w.stringMember("givenName", n.GivenName)
		w.stringMember("familyName", n.FamilyName)
		w.endObject()
	}
	w.stringMember("displayName", u.DisplayName)
	w.multiValues("emails", u.Emails)
	w.multiValues("phoneNumbers", u.PhoneNumbers)
	if u.Active != nil {
		w.key("active")
		w.bool(*u.Active)
	}
	w.stringMember("title", u.Title)
	if len(u.Groups) > 0 {
		w.key("groups")
		w.beginArray()
		for _, g := range u.Groups {
			w.beginObject()
			w.stringMember("value", g.Value)
			w.stringMember("display", g.Display)
			if refs != nil && g.Value != "" {
				w.ref("$ref", refs.groups, g.Value)
			}
			w.key("type")
			w.string("direct")
			w.endObject()
		}
		w.endArray()
	}

	if ent {
		w.key(EnterpriseUserURN)
		w.beginObject()
		w.stringMember("department", u.Department)
		if u.ManagerID != "" {
			w.key("manager")
			w.beginObject()
			w.stringMember("value", u.ManagerID)
			w.endObject()
		}
		w.endObject()
	}
	if gen {
		w.key(GenesysUserURN)
		w.beginObject()
		w.stringMember("divisionId", u.DivisionID)
		w.endObject()
	}
	if pc {
		w.key(PurecloudUserURN)
		w.beginObject()
		w.proficiencies("routingSkills", u.RoutingSkills)
		w.proficiencies("routingLanguages", u.RoutingLanguages)
		w.endObject()
	}

	var users []byte
	if refs != nil {
		users = refs.users
	}
	w.appendMeta("User", u.Meta, users, u.ID)
	w.endObject()
}

// appendMeta writes meta as metaDoc renders it: meta.location is prefix and
// the escaped id when both are known, m.Location otherwise.
func (w *jsonWriter) appendMeta(resourceType string, m Meta, prefix []byte, id string) {
	w.key("meta")
	w.beginObject()
	w.key("resourceType")
	w.string(resourceType)
	w.timeMember("created", m.Created)
	w.timeMember("lastModified", m.LastModified)
	if prefix != nil && id != "" {
		w.ref("location", prefix, id)
	} else {
		w.stringMember("location", m.Location)
	}
	if m.Version != "" {
		w.key("version")
		w.comma()
		w.b = append(w.b, `"W/\"`...)
		w.b = appendJSONStringBody(w.b, m.Version)
		w.b = append(w.b, `\""`...)
		w.more = true
	}
	w.endObject()
}

// ref writes k: a URL of this gateway, prefix (from refPrefixes) then the
// escaped id.
func (w *jsonWriter) ref(k string, prefix []byte, id string) {
	w.key(k)
	w.comma()
	w.b = append(w.b, '"')
	w.b = append(w.b, prefix...)
	w.b = appendJSONStringBody(w.b, url.PathEscape(id))
	w.b = append(w.b, '"')
	w.more = true
}

// multiValues writes emails or phoneNumbers: value and primary always, type
// when set; nothing for an empty list.
func (w *jsonWriter) multiValues(k string, mvs []MultiValue) {
	if len(mvs) == 0 {
		return
	}
	w.key(k)
	w.beginArray()
	for _, mv := range mvs {
		w.beginObject()
		w.key("value")
		w.string(mv.Value)
		w.stringMember("type", mv.Type)
		w.key("primary")
		w.bool(mv.Primary)
		w.endObject()
	}
	w.endArray()
}

// proficiencies writes routingSkills or routingLanguages: name always,
// proficiency when set; nothing for an empty list.
func (w *jsonWriter) proficiencies(k string, ps []NamedProficiency) {
	if len(ps) == 0 {
		return
	}
	w.key(k)
	w.beginArray()
	for _, p := range ps {
		w.beginObject()
		w.key("name")
		w.string(p.Name)
		if p.Proficiency != nil {
			w.key("proficiency")
			w.float(*p.Proficiency)
		}
		w.endObject()
	}
	w.endArray()
}

// appendListResponse writes a ListResponse of items (nil entries skipped)
// with totalResults total and startIndex start, each written by item.
func appendListResponse[T any](w *jsonWriter, total, start int, items []*T, item func(*T)) {
	n := 0
	for _, it := range items {
		if it != nil {
			n++
		}
	}
	w.beginObject()
	w.key("schemas")
	w.beginArray()
	w.string(ListResponseURN)
	w.endArray()
	w.key("totalResults")
	w.int(total)
	w.key("startIndex")
	w.int(start)
	w.key("itemsPerPage")
	w.int(n)
	w.key("Resources")
	w.beginArray()
	for _, it := range items {
		if it != nil {
			item(it)
		}
	}
	w.endArray()
	w.endObject()
}
