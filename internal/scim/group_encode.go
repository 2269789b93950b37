package scim

import "net/url"

// EncodeGroup renders g as a SCIM Group resource (RFC 7643 §4.2): absent
// values omitted, members only when g.Members is not nil (an empty list is
// "members":[]), each member with "type":"User". baseURL, when not empty,
// is the URL of base_path as the client sees it: meta.location is then
// <baseURL>/Groups/<id> and each member gets its $ref,
// <baseURL>/Users/<value>; without it meta.location is g.Meta.Location.
func EncodeGroup(g *Group, baseURL string) map[string]any {
	doc := map[string]any{"schemas": []any{GroupURN}}
	putString(doc, "id", g.ID)
	putString(doc, "externalId", g.ExternalID)
	putString(doc, "displayName", g.DisplayName)
	if g.Members != nil {
		members := make([]any, 0, len(g.Members))
		for _, m := range g.Members {
			e := map[string]any{"type": "User"}
			putString(e, "value", m.Value)
			putString(e, "display", m.Display)
			if baseURL != "" && m.Value != "" {
				e["$ref"] = baseURL + "/Users/" + url.PathEscape(m.Value)
			}
			members = append(members, e)
		}
		doc["members"] = members
	}
	doc["meta"] = metaDoc("Group", g.Meta, resourceLocation(baseURL, "/Groups/", g.ID, g.Meta.Location))
	return doc
}

// appendGroup writes g as EncodeGroup(g, baseURL) renders it, refs being
// newRefPrefixes(baseURL). A large group is most of a response, so this is
// the path that matters.
func (w *jsonWriter) appendGroup(g *Group, refs *refPrefixes) {
	w.beginObject()
	w.key("schemas")
	w.beginArray()
	w.string(GroupURN)
	w.endArray()
	w.stringMember("id", g.ID)
	w.stringMember("externalId", g.ExternalID)
	w.stringMember("displayName", g.DisplayName)
	if g.Members != nil {
		w.key("members")
		w.beginArray()
		for _, m := range g.Members {
			w.beginObject()
			w.stringMember("value", m.Value)
			w.stringMember("display", m.Display)
			if refs != nil && m.Value != "" {
				w.ref("$ref", refs.users, m.Value)
			}
			w.key("type")
			w.string("User")
			w.endObject()
		}
		w.endArray()
	}
	var groups []byte
	if refs != nil {
		groups = refs.groups
	}
	w.appendMeta("Group", g.Meta, groups, g.ID)
	w.endObject()
}
