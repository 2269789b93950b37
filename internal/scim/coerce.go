package scim

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Coercion turns a raw JSON value (decoded with UseNumber) into the canonical
// form of the attribute it is for. Canonical values are string, bool,
// float64, map[string]any keyed by canonical sub-attribute names, and []any
// of such maps; nil means absent. Both DecodeUser and PATCH use these
// functions, so a value means the same thing in a POST, a PUT and a PATCH.
// Errors name the attribute but never echo the value (it may be a password).
//
// Coercion consumes its input: the objects and arrays of a decoded body are
// made canonical in place rather than copied, because a request body is
// decoded once (ReadJSON) and a copy per entry would double the memory a
// large body costs. A raw value must not be used after it is coerced.

// coerce converts v for attribute a; path names it in errors.
func coerce(a *attrSpec, v any, path string) (any, error) {
	switch {
	case v == nil:
		return nil, nil
	case a.Multi:
		return coerceMulti(a, v, path)
	case a.Type == "complex":
		return coerceComplex(a, v, path)
	default:
		return coerceScalar(a, v, path)
	}
}

func coerceScalar(a *attrSpec, v any, path string) (any, error) {
	switch a.Type {
	case "boolean":
		return coerceBool(v, path)
	case "decimal":
		return coerceNumber(v, path)
	default:
		s, err := coerceString(v, path)
		if a.Lower {
			s = strings.ToLower(s)
		}
		if a.MaxLen > 0 && err == nil && utf8.RuneCountInString(s) > a.MaxLen {
			return nil, BadValue("attribute %q is longer than %d characters", path, a.MaxLen)
		}
		if vs, ok := v.(string); ok && vs == s {
			return v, err // already canonical: no new interface value to allocate
		}
		return s, err
	}
}

// coerceString accepts strings, and numbers and booleans sent where a string
// is expected.
func coerceString(v any, path string) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(t), nil
	}
	return "", BadValue("attribute %q must be a string", path)
}

// coerceBool accepts booleans and strings holding one in any case ("True").
func coerceBool(v any, path string) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, BadValue("attribute %q must be a boolean (true or false)", path)
}

// coerceNumber accepts numbers and strings holding a finite number.
func coerceNumber(v any, path string) (float64, error) {
	var s string
	switch t := v.(type) {
	case float64:
		return t, nil
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, BadValue("attribute %q must be a number", path)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, BadValue("attribute %q must be a number", path)
	}
	return f, nil
}

// coerceComplex converts one complex value (or one entry of a multi-valued
// attribute). Unknown and unmapped sub-attributes are dropped, and so are
// empty strings (absent). An attribute with a Key sub-attribute also accepts
// a bare scalar as that key (manager "id", emails ["a@b"]) and, when single
// valued, Entra's one-element array ([{"value":"id"}]); an empty array clears.
func coerceComplex(a *attrSpec, v any, path string) (map[string]any, error) {
	switch t := v.(type) {
	case map[string]any:
		// In place: canonical keys are kept or deleted as they are met;
		// other spellings are deleted and their values set afterwards
		// (a key added during range may or may not be visited).
		var renamed []any // name, value pairs
		for k, raw := range t {
			s := a.writableSub(k)
			if s == nil || raw == nil {
				delete(t, k)
				continue
			}
			cv, err := coerceScalar(s, raw, "")
			if err != nil {
				// Named only on failure: a path string per entry and
				// sub-attribute is most of what a long list costs.
				_, err = coerceScalar(s, raw, path+"."+s.Name)
				return nil, err
			}
			if k != s.Name {
				delete(t, k)
				renamed = append(renamed, s.Name, cv)
			} else if cv == "" {
				delete(t, k)
			} else {
				t[k] = cv
			}
		}
		for i := 0; i < len(renamed); i += 2 {
			if renamed[i+1] != "" {
				t[renamed[i].(string)] = renamed[i+1]
			}
		}
		return t, nil
	case string, json.Number, float64, bool:
		if a.Key != "" {
			return coerceComplex(a, map[string]any{a.Key: t}, path)
		}
	case []any:
		if a.Key != "" && !a.Multi {
			switch len(t) {
			case 0:
				return map[string]any{}, nil
			case 1:
				if _, isArray := t[0].([]any); !isArray {
					return coerceComplex(a, t[0], path)
				}
			}
		}
	}
	return nil, BadValue("attribute %q must be an object", path)
}

// coerceMulti converts a multi-valued attribute: an array of entries. Entries
// without their key sub-attribute are dropped; two primaries are refused.
func coerceMulti(a *attrSpec, v any, path string) ([]any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, BadValue("attribute %q must be an array", path)
	}
	out := list[:0] // in place: an entry is written at or before where it was read
	for _, el := range list {
		if el == nil {
			continue
		}
		m, err := coerceComplex(a, el, path)
		if err != nil {
			return nil, err
		}
		if a.Key != "" && m[a.Key] == nil && (a.AltKey == "" || m[a.AltKey] == nil) {
			continue
		}
		out = append(out, m)
	}
	clear(list[len(out):])
	return out, checkPrimary(a, out, path)
}

// checkPrimary enforces RFC 7643 §2.4: primary true appears at most once.
func checkPrimary(a *attrSpec, entries []any, path string) error {
	if a.sub("primary") == nil {
		return nil
	}
	n := 0
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok && m["primary"] == true {
			n++
		}
	}
	if n > 1 {
		return BadValue("attribute %q has more than one primary value", path)
	}
	return nil
}
