package gateway

import (
	"strings"
	"testing"
)

// nameCases exercise both paths of splitName: plain ASCII names take the
// fast path, anything with other whitespace, runs of spaces or non-ASCII
// the general one.
var nameCases = []string{"", "Ann", "Ann Bee", "Mary Ann Smith", " Ann Bee", "Ann Bee ", "Ann  Bee",
	"Ann\tBee", "Ann\u00a0Bee", "Ann\u3000Bee", "Zoë Ångström", " ", "  ", "a b c d e", "O'Neil-Smith Jr."}

func TestSplitNameMatchesFields(t *testing.T) {
	for _, name := range nameCases {
		checkSplitName(t, name)
	}
}

func FuzzSplitName(f *testing.F) {
	for _, name := range nameCases {
		f.Add(name)
	}
	f.Fuzz(checkSplitName)
}

// checkSplitName holds splitName to its definition: the last of
// strings.Fields is the family name, the others joined by one space the
// given name.
func checkSplitName(t *testing.T, name string) {
	f := strings.Fields(name)
	var given, family string
	if len(f) > 0 {
		given, family = strings.Join(f[:len(f)-1], " "), f[len(f)-1]
	}
	if g, fam := splitName(name); g != given || fam != family {
		t.Fatalf("splitName(%q) = %q, %q; want %q, %q", name, g, fam, given, family)
	}
}
