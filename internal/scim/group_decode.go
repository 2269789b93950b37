package scim

import "strings"

// DecodeGroup decodes a Group from a POST or PUT body (RFC 7643 §4.2).
// Attribute names are case-insensitive and may be qualified by the Group
// URN; JSON null means absent; id, meta, schemas and unknown attributes are
// ignored. displayName is required and must not be blank; externalId is at
// most 255 characters; members is an array of objects whose value is a
// user id (display, $ref and type are ignored), kept in first-seen order
// without duplicates. Values are coerced as for users (a number where a
// string is expected is its text). Failures are 400 invalidValue naming the
// attribute. body is the decoded request body (ReadJSON, DecodeJSON);
// decoding consumes it.
func DecodeGroup(body any) (*Group, error) {
	obj, err := asObject(body)
	if err != nil {
		return nil, err
	}
	g := &Group{}
	for _, k := range sortedKeys(obj) {
		name, ok := splitGroupURN(k)
		a := groupSchema.attr(name)
		if !ok || a == nil || obj[k] == nil {
			continue
		}
		switch a.Name {
		case "members":
			ids, err := memberValues(obj[k], a.Name)
			if err != nil {
				return nil, err
			}
			g.Members = make([]Member, len(ids))
			for i, id := range ids {
				g.Members[i] = Member{Value: id}
			}
		case "displayName":
			if g.DisplayName, err = groupString(a, obj[k]); err != nil {
				return nil, err
			}
		case "externalId":
			if g.ExternalID, err = groupString(a, obj[k]); err != nil {
				return nil, err
			}
		}
	}
	if strings.TrimSpace(g.DisplayName) == "" {
		return nil, errDisplayNameRequired(0)
	}
	return g, nil
}

// errDisplayNameRequired is the refusal of a Group without a displayName;
// n, when positive, is the PATCH operation at fault.
func errDisplayNameRequired(n int) *Error {
	if n > 0 {
		return BadValue(`operation %d: attribute "displayName" is required (RFC 7643 §4.2); it cannot be removed or set blank`, n)
	}
	return BadValue(`attribute "displayName" is required (RFC 7643 §4.2) and must not be blank`)
}

// splitGroupURN strips the Group URN from an attribute name qualified by it
// ("urn:...:Group:displayName"); an unqualified name is returned as is, and
// the URN alone gives "". ok is false for a name qualified by another URN.
func splitGroupURN(name string) (rest string, ok bool) {
	if len(name) < 4 || !strings.EqualFold(name[:4], "urn:") {
		return name, true
	}
	n := len(GroupURN)
	if len(name) < n || !strings.EqualFold(name[:n], GroupURN) {
		return "", false
	}
	if len(name) == n {
		return "", true
	}
	if name[n] != ':' {
		return "", false
	}
	return name[n+1:], true
}

// groupString coerces a string attribute of the Group schema (limits
// included), naming it in errors.
func groupString(a *attrSpec, v any) (string, error) {
	cv, err := coerceScalar(a, v, a.Name)
	s, _ := cv.(string)
	return s, err
}

// memberValues reads a members value: an array of objects, each with a
// value that is a user id (a non-blank string; a number is its text).
// display, $ref, type and anything else in an entry are ignored (Entra sends
// "$ref":null, Okta display), null entries are skipped, and duplicates
// collapse in first-seen order. path names the attribute in errors.
func memberValues(v any, path string) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, BadValue(`attribute %q must be an array of objects like {"value":"<user id>"}`, path)
	}
	valueAttr := groupSchema.attr("members").sub("value")
	ids := make([]string, 0, len(list))
	seen := make(map[string]struct{}, len(list))
	for i, e := range list {
		if e == nil {
			continue
		}
		m, ok := e.(map[string]any)
		if !ok {
			return nil, BadValue(`attribute %q: entry %d must be an object like {"value":"<user id>"}`, path, i+1)
		}
		raw := lookupFold(m, "value")
		cv, err := coerceScalar(valueAttr, raw, path+".value")
		id, _ := cv.(string)
		if raw == nil || err != nil || strings.TrimSpace(id) == "" {
			return nil, BadValue(`attribute %q: entry %d must have a value that is a user id (a non-empty string)`, path, i+1)
		}
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			ids = append(ids, id)
		}
	}
	return ids, nil
}
