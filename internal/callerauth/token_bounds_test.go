package callerauth

import (
	"fmt"
	"strings"
	"testing"
)

// TestTopLevelBounds: duplicate members are refused however many there are,
// and an absurd member count is refused: this runs on unverified input, so
// its work must stay linear in the token's size.
func TestTopLevelBounds(t *testing.T) {
	obj := func(n int, dupAt int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			k := i
			if i == dupAt {
				k = 0
			}
			fmt.Fprintf(&b, `"k%d":1`, k)
		}
		b.WriteString("}")
		return b.String()
	}
	for _, tc := range []struct {
		name string
		in   string
		ok   bool
	}{
		{"few members", obj(5, -1), true},
		{"duplicate among few", obj(5, 3), false},
		{"members past the linear scan", obj(200, -1), true},
		{"duplicate past the linear scan", obj(200, 150), false},
		{"too many members", obj(maxMembers+1, -1), false},
	} {
		_, err := topLevel(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
