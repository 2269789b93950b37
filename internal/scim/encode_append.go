package scim

import "net/url"

// The fast encoder: a User written straight to JSON bytes, the same document
// EncodeUser builds as a map (same members, same omissions, same strings and
// numbers), without the map per user, the reflection, or the key sort.
// encode_append_test.go compares the two on decoded JSON. Responses use it
// whenever no attributes / excludedAttributes projection applies; projection
// keeps working on EncodeUser's map.

// appendUser writes u as a SCIM User resource. locationPrefix, when non-nil,
// is the JSON string body (escaped, no quotes) of "<baseURL>/Users/": a user
// with an id gets that plus its escaped id as meta.location, as
// handler.location does; without a prefix meta.location is u.Meta.Location.
func (w *jsonWriter) appendUser(u *User, locationPrefix []byte) {
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

	w.key("meta")
	w.beginObject()
	w.key("resourceType")
	w.string("User")
	w.timeMember("created", u.Meta.Created)
	w.timeMember("lastModified", u.Meta.LastModified)
	if locationPrefix != nil && u.ID != "" {
		w.key("location")
		w.comma()
		w.b = append(w.b, '"')
		w.b = append(w.b, locationPrefix...)
		w.b = appendJSONStringBody(w.b, url.PathEscape(u.ID))
		w.b = append(w.b, '"')
		w.more = true
	} else {
		w.stringMember("location", u.Meta.Location)
	}
	if u.Meta.Version != "" {
		w.key("version")
		w.comma()
		w.b = append(w.b, `"W/\"`...)
		w.b = appendJSONStringBody(w.b, u.Meta.Version)
		w.b = append(w.b, `\""`...)
		w.more = true
	}
	w.endObject()
	w.endObject()
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

// appendListResponse writes a ListResponse of users (nil entries skipped)
// with totalResults total and startIndex start.
func (w *jsonWriter) appendListResponse(total, start int, users []*User, locationPrefix []byte) {
	n := 0
	for _, u := range users {
		if u != nil {
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
	for _, u := range users {
		if u != nil {
			w.appendUser(u, locationPrefix)
		}
	}
	w.endArray()
	w.endObject()
}
