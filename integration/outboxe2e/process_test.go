package outboxe2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// procTimeout bounds a process's start (listening) and its exit after a
// signal.
const procTimeout = 20 * time.Second

// cluster is the world of the separate-process tests: the harness's
// emulator (behind a front) and identity provider, one storage folder, and
// Caddy processes of the bundled binary sharing it.
type cluster struct {
	*harness.Stack
	front   *front
	storage string
	dir     string
	bin     string
	token   string // the writer token every request uses
	seq     int
	files   []string // every log and stderr file the processes wrote
}

// newCluster skips under -short. The harness's own in-process Caddy is
// stopped: only the processes serve here.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	bin := needBinary(t)
	hs := harness.New(t, harness.Options{})
	if err := caddy.Stop(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := &cluster{Stack: hs, front: newFront(t, hs.Emu), storage: filepath.Join(dir, "shared-storage"),
		dir: dir, bin: bin, token: hs.Writer()}
	// Registered before any process, so it runs after they have all exited.
	t.Cleanup(c.checkLogHygiene)
	return c
}

// proc is one running Caddy process.
type proc struct {
	t       testing.TB
	name    string
	Site    string
	Base    string
	LogFile string
	stderr  string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// start runs a new Caddy process and waits until it listens.
func (c *cluster) start(name string) *proc {
	t := c.T
	t.Helper()
	c.seq++
	base := filepath.Join(c.dir, fmt.Sprintf("%02d-%s", c.seq, name))
	site := fmt.Sprintf("http://127.0.0.1:%d", harness.FreePort(t))
	p := &proc{t: t, name: name, Site: site, Base: site + "/scim/v2", LogFile: base + ".log",
		stderr: base + ".stderr", exited: make(chan struct{})}
	// max_retries 1 keeps failing attempts quick; the tests do not depend
	// on how many calls one attempt makes.
	cfg := harness.Caddyfile(harness.Site{Storage: c.storage, LogFile: p.LogFile, Address: site,
		APIURL: c.front.URL, ClientID: harness.ClientID, JWKSURL: c.JWKSURL, Issuer: c.IdP.Issuer(),
		Options: "max_retries 1\n" + harness.DefaultGroups})
	cfgFile := base + ".Caddyfile"
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	errOut, err := os.Create(p.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer errOut.Close()
	c.files = append(c.files, p.LogFile, p.stderr)

	home := filepath.Join(c.dir, "home")
	p.cmd = exec.Command(c.bin, "run", "--config", cfgFile, "--adapter", "caddyfile")
	// TEST_GENESYS_SECRET comes from the harness (t.Setenv); Caddy's own
	// data and config folders stay inside the test's temporary folder.
	p.cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home)
	p.cmd.Stdout, p.cmd.Stderr = errOut, errOut
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.stop(syscall.SIGKILL) })
	p.waitListening()
	return p
}

func (p *proc) waitListening() {
	p.t.Helper()
	addr := strings.TrimPrefix(p.Site, "http://")
	end := time.Now().Add(procTimeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-p.exited:
			p.t.Fatalf("caddy %s exited before listening (%v):\n%s", p.name, p.waitErr, p.output())
		default:
		}
		if time.Now().After(end) {
			p.t.Fatalf("caddy %s not listening on %s after %s:\n%s", p.name, addr, procTimeout, p.output())
		}
		time.Sleep(pollStep)
	}
}

// stop sends sig and waits for the process to exit (SIGKILL after
// procTimeout). It does nothing once the process has exited.
func (p *proc) stop(sig syscall.Signal) {
	p.t.Helper()
	select {
	case <-p.exited:
		return
	default:
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Logf("signalling caddy %s: %v", p.name, err)
	}
	select {
	case <-p.exited:
	case <-time.After(procTimeout):
		p.cmd.Process.Kill() //nolint:errcheck // it is exiting or gone
		<-p.exited
		p.t.Errorf("caddy %s did not exit within %s of %s", p.name, procTimeout, sig)
	}
}

// output is the end of what the process wrote to stderr, for failures.
func (p *proc) output() string {
	b, _ := os.ReadFile(p.stderr)
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(b)
}

// checkLogHygiene fails the test if the client secret or the caller's
// token appears in anything a process wrote (the harness checks only its
// own in-process Caddy's log).
func (c *cluster) checkLogHygiene() {
	for _, f := range c.files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, secret := range []string{harness.ClientSecret, c.token} {
			if bytes.Contains(b, []byte(secret)) {
				c.T.Errorf("%s contains a secret this test used (%d bytes)", filepath.Base(f), len(secret))
			}
		}
	}
}
