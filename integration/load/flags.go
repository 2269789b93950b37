package load

import (
	"flag"
	"testing"
)

// loadFlag turns on the full-size runs (minutes); without it only the smoke
// test runs.
var loadFlag = flag.Bool("load", false, "run the full-size load and fault scenarios (minutes)")

// needLoad skips a full-size scenario unless -load was passed.
func needLoad(t *testing.T) {
	t.Helper()
	if !*loadFlag {
		t.Skip("full-size load scenario: pass -load to run it")
	}
}
