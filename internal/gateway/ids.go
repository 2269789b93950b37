package gateway

import "github.com/caddyscim/caddyscim/internal/scim"

// isGenesysID reports whether id can be a Genesys entity id. Genesys ids are
// UUIDs (8-4-4-4-12 hexadecimal digits, as GET /api/v2/users/{userId}
// returns them): anything else names no user or group, so it is answered
// without an upstream call, and no id can put "." or ".." (or anything
// else) into a Genesys URL path as a segment of its own.
func isGenesysID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// checkPathValue refuses "." and "..", the dot segments of RFC 3986 section
// 3.3, in a value the client escapes into a Genesys URL path
// (GET /api/v2/users/externalid/{authorityName}/{externalKey}): escaping
// leaves them as they are, and a server or proxy that removes dot segments
// would send the call to another endpoint.
func checkPathValue(attr, v string) error {
	if v == "." || v == ".." {
		return scim.BadValue("%s %q is not a valid value", attr, v)
	}
	return nil
}
