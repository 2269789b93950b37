package outboxe2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// binaryPackage is the bundled binary: Caddy's standard modules plus
// scim_genesys.
const binaryPackage = "github.com/caddyscim/caddyscim/caddyscim"

// buildTimeout bounds the one build of the binary (30-60 s cold).
const buildTimeout = 4 * time.Minute

var (
	caddyBin string // the built binary; "" under -short
	buildErr error  // why the build failed, reported by the tests that need it
)

// TestMain builds the bundled binary once for the separate-process tests,
// unless -short skips them.
func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if !testing.Short() {
		dir, err := os.MkdirTemp("", "outboxe2e-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		caddyBin, buildErr = buildBinary(filepath.Join(dir, "caddyscim"))
	}
	return m.Run()
}

// buildBinary runs `go build` for the bundled binary into out.
func buildBinary(out string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", out, binaryPackage)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", binaryPackage, err, clip(msg, 4096))
	}
	return out, nil
}

// needBinary skips t under -short and fails it if the build failed.
func needBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("separate Caddy processes need the bundled binary; skipped under -short")
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	if caddyBin == "" {
		t.Fatal(errors.New("the bundled binary was not built"))
	}
	return caddyBin
}

// clip bounds text quoted in a failure message.
func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
