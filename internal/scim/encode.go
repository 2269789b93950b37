package scim

import (
	"net/url"
	"time"
)

// EncodeUser renders u as a SCIM User resource. Absent values are omitted
// (never null) and password is never rendered; meta.version is
// W/"<version>". baseURL, when not empty, is the URL of base_path as the
// client sees it: meta.location is then <baseURL>/Users/<id> and each group
// gets its $ref, <baseURL>/Groups/<value>; without it meta.location is
// u.Meta.Location. Each group is "type":"direct": the product knows no
// nested groups (RFC 7643 §4.1.2).
func EncodeUser(u *User, baseURL string) map[string]any {
	doc := userDoc(u)
	delete(doc, "password")
	schemas := []any{UserURN}
	for _, s := range extensionSchemas {
		if doc[s.ID] != nil {
			schemas = append(schemas, s.ID)
		}
	}
	doc["schemas"] = schemas
	if u.ID != "" {
		doc["id"] = u.ID
	}
	for _, g := range entries(doc["groups"]) {
		g["type"] = "direct"
		if v := str(g, "value"); v != "" && baseURL != "" {
			g["$ref"] = baseURL + "/Groups/" + url.PathEscape(v)
		}
	}
	doc["meta"] = metaDoc("User", u.Meta, resourceLocation(baseURL, "/Users/", u.ID, u.Meta.Location))
	return doc
}

// resourceLocation is meta.location: <baseURL><collection><id> when both
// are known, the given location otherwise.
func resourceLocation(baseURL, collection, id, location string) string {
	if baseURL != "" && id != "" {
		return baseURL + collection + url.PathEscape(id)
	}
	return location
}

// metaDoc renders meta (RFC 7643 §3.1).
func metaDoc(resourceType string, m Meta, location string) map[string]any {
	meta := map[string]any{"resourceType": resourceType}
	putTime(meta, "created", m.Created)
	putTime(meta, "lastModified", m.LastModified)
	putString(meta, "location", location)
	if m.Version != "" {
		meta["version"] = FormatETag(m.Version)
	}
	return meta
}

func putTime(m map[string]any, k string, t time.Time) {
	if !t.IsZero() {
		m[k] = t.UTC().Format(time.RFC3339)
	}
}

func putString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// userDoc is the canonical document of u's writable attributes (password
// included), the form PATCH operates on and docToUser reads back.
func userDoc(u *User) map[string]any {
	doc := map[string]any{}
	putString(doc, "externalId", u.ExternalID)
	putString(doc, "userName", u.UserName)
	putString(doc, "displayName", u.DisplayName)
	putString(doc, "title", u.Title)
	putString(doc, "password", u.Password)
	name := map[string]any{}
	putString(name, "formatted", u.Name.Formatted)
	putString(name, "givenName", u.Name.GivenName)
	putString(name, "familyName", u.Name.FamilyName)
	putMap(doc, "name", name)
	putList(doc, "emails", multiValueDocs(u.Emails))
	putList(doc, "phoneNumbers", multiValueDocs(u.PhoneNumbers))
	if u.Active != nil {
		doc["active"] = *u.Active
	}
	var groups []any
	for _, g := range u.Groups {
		m := map[string]any{}
		putString(m, "value", g.Value)
		putString(m, "display", g.Display)
		groups = append(groups, m)
	}
	putList(doc, "groups", groups)

	ent := map[string]any{}
	putString(ent, "department", u.Department)
	if u.ManagerID != "" {
		ent["manager"] = map[string]any{"value": u.ManagerID}
	}
	putMap(doc, EnterpriseUserURN, ent)
	gen := map[string]any{}
	putString(gen, "divisionId", u.DivisionID)
	putMap(doc, GenesysUserURN, gen)
	pc := map[string]any{}
	putList(pc, "routingSkills", proficiencyDocs(u.RoutingSkills))
	putList(pc, "routingLanguages", proficiencyDocs(u.RoutingLanguages))
	putMap(doc, PurecloudUserURN, pc)
	return doc
}

func putMap(m map[string]any, k string, v map[string]any) {
	if len(v) > 0 {
		m[k] = v
	}
}

func putList(m map[string]any, k string, v []any) {
	if len(v) > 0 {
		m[k] = v
	}
}

func multiValueDocs(mvs []MultiValue) []any {
	var out []any
	for _, mv := range mvs {
		m := map[string]any{"value": mv.Value, "primary": mv.Primary}
		putString(m, "type", mv.Type)
		out = append(out, m)
	}
	return out
}

func proficiencyDocs(ps []NamedProficiency) []any {
	var out []any
	for _, p := range ps {
		m := map[string]any{"name": p.Name}
		if p.Proficiency != nil {
			m["proficiency"] = *p.Proficiency
		}
		out = append(out, m)
	}
	return out
}
