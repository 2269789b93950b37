package scim

import "strings"

// FormatETag renders a bare version as the weak ETag W/"<version>", the form
// of both the ETag header and meta.version.
func FormatETag(version string) string { return `W/"` + version + `"` }

// parseETags reads an If-Match / If-None-Match value: a comma-separated list
// of entity tags, weak or strong, or "*". It returns the bare versions inside
// them, because SCIM clients compare by version (RFC 7644 §3.14), not by the
// weak/strong distinction.
func parseETags(header string) (versions []string, star bool) {
	for _, part := range splitETagList(header) {
		t := strings.TrimSpace(part)
		if t == "" {
			continue
		}
		if t == "*" {
			star = true
			continue
		}
		if len(t) >= 2 && (t[:2] == "W/" || t[:2] == "w/") {
			t = t[2:]
		}
		if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
			t = t[1 : len(t)-1]
		}
		versions = append(versions, t)
	}
	return versions, star
}

// splitETagList splits on commas outside quoted strings.
func splitETagList(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// preconditionFrom parses If-Match into a Precondition.
func preconditionFrom(header string) Precondition {
	v, a := parseETags(header)
	return Precondition{IfMatch: v, Any: a}
}
