package callerauth

import "testing"

func TestPolicyDecide(t *testing.T) {
	custom := Policy{AllowRoles: []string{"provisioner"}, ReadRoles: []string{"auditor"}}
	for _, tc := range []struct {
		name  string
		p     Policy
		roles []string
		write bool
		want  Decision
	}{
		{"default allow role writes", Policy{}, []string{"scim_provisioner"}, true, Allow},
		{"default admin reads", Policy{}, []string{"admin"}, false, Allow},
		{"no roles", Policy{}, nil, false, Deny},
		{"unlisted role", Policy{}, []string{"user"}, false, Deny},
		{"case matters", Policy{}, []string{"Admin"}, false, Deny},
		{"no trimming", Policy{}, []string{" admin"}, false, Deny},
		{"read role reads", custom, []string{"auditor"}, false, Allow},
		{"read role may not write", custom, []string{"auditor"}, true, Deny},
		{"allow role writes", custom, []string{"auditor", "provisioner"}, true, Allow},
		{"custom list replaces the default", custom, []string{"admin"}, false, Deny},
		{"empty allow list allows nobody to write", Policy{AllowRoles: []string{}, ReadRoles: []string{"r"}}, []string{"admin", "r"}, true, Deny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Decide(tc.roles, tc.write); got != tc.want {
				t.Fatalf("Decide(%q, write=%v) = %v, want %v", tc.roles, tc.write, got, tc.want)
			}
		})
	}
}
