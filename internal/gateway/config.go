package gateway

import (
	"errors"
	"fmt"
	"strings"
)

// Duplicate policies: what a create whose email an existing user holds
// answers (the Caddyfile's on_duplicate).
const (
	ReturnExisting = "return_existing" // 200 with the existing user
	Conflict       = "conflict"        // 409 uniqueness (RFC 7644 section 3.3)
)

// CheckDuplicatePolicy reports whether p is a duplicate policy.
func CheckDuplicatePolicy(p string) error {
	if p != ReturnExisting && p != Conflict {
		return fmt.Errorf("on_duplicate %q is not %s or %s", p, ReturnExisting, Conflict)
	}
	return nil
}

// Defaults applied by New.
const (
	// DefaultExternalIDAuthority is the authority externalId is stored
	// under (POST /api/v2/users/{userId}/externalid).
	DefaultExternalIDAuthority = "scim"
	// DefaultProficiency is the proficiency of a skill or language named
	// without one, in a group block or the purecloud extension.
	DefaultProficiency = 3
)

// Assignment is a skill or language by name with its proficiency (0..5).
type Assignment struct {
	Name        string
	Proficiency float64
}

// GroupRouting is one Caddyfile `group` block: what membership of the SCIM
// group named Name (matched case-insensitively against a group's display or
// value) gives a Genesys user.
type GroupRouting struct {
	Name      string
	Skills    []Assignment
	Languages []Assignment
	Queues    []string
}

// GroupKey is the identity of a group name: group blocks and SCIM groups
// match case-insensitively, surrounding spaces ignored.
func GroupKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// CheckProficiency reports whether p is a Genesys proficiency (0 to 5).
func CheckProficiency(p float64) error {
	if p < 0 || p > 5 {
		return errors.New("proficiency must be a number from 0 to 5")
	}
	return nil
}

// CheckGroup validates one group block: a name, and at least one skill,
// language or queue, each named, proficiencies from 0 to 5.
func CheckGroup(g GroupRouting) error {
	if GroupKey(g.Name) == "" {
		return errors.New("a group needs a name")
	}
	if len(g.Skills)+len(g.Languages)+len(g.Queues) == 0 {
		return errors.New("assigns nothing: give skills, languages or queues")
	}
	for _, a := range append(append([]Assignment(nil), g.Skills...), g.Languages...) {
		if strings.TrimSpace(a.Name) == "" {
			return errors.New("a skill or language needs a name")
		}
		if err := CheckProficiency(a.Proficiency); err != nil {
			return fmt.Errorf("%q: %w", a.Name, err)
		}
	}
	for _, q := range g.Queues {
		if strings.TrimSpace(q) == "" {
			return errors.New("empty queue name")
		}
	}
	return nil
}

// indexGroups validates the group blocks (each with CheckGroup, names unique
// by GroupKey) and indexes them by GroupKey. CheckGroups is the same check
// for callers that only validate.
func indexGroups(gs []GroupRouting) (map[string]*GroupRouting, error) {
	out := make(map[string]*GroupRouting, len(gs))
	for i := range gs {
		gr := &gs[i]
		if err := CheckGroup(*gr); err != nil {
			return nil, fmt.Errorf("group %q: %w", gr.Name, err)
		}
		key := GroupKey(gr.Name)
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("group %q is defined twice (names compare case-insensitively)", gr.Name)
		}
		out[key] = gr
	}
	return out, nil
}

// CheckGroups validates a configuration's group blocks as New does.
func CheckGroups(gs []GroupRouting) error {
	_, err := indexGroups(gs)
	return err
}
