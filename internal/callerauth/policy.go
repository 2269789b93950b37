package callerauth

import "slices"

// DefaultAllowRoles may do everything when Policy.AllowRoles is nil.
var DefaultAllowRoles = []string{"scim_provisioner", "admin"}

// anyIn reports whether any of roles is in set (exact comparison).
func anyIn(roles, set []string) bool {
	for _, r := range roles {
		if slices.Contains(set, r) {
			return true
		}
	}
	return false
}
