package gateway

// Test harness for the create/routing/outbox tests: a started Genesys Cloud
// emulator, a real genesys.Client pointed at it, a Gateway, its audit trail,
// and file storage for the outbox. Every test using it ends by asserting the
// emulator recorded no rejection.

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/caddyscim/caddyscim/internal/audit"
	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/genesystest"
	"github.com/caddyscim/caddyscim/internal/outbox"
	"github.com/caddyscim/caddyscim/internal/scim"
)

const (
	envClientID     = "gw-client"
	envClientSecret = "gw+secret/=x"
)

// manySkills are seeded so one group can carry more than 50 skills.
func manySkills() []string {
	out := make([]string, 60)
	for i := range out {
		out[i] = fmt.Sprintf("Skill %02d", i+1)
	}
	return out
}

// envOptions shape a testEnv; the zero value is a gateway with the default
// policy, an outbox, and the groups of defaultGroups.
type envOptions struct {
	groups      []GroupRouting
	onDuplicate string
	noOutbox    bool
	maxRetries  int // client retries; 0 means 1 (keeps fault tests fast)
	// wrap, if set, wraps the client's transport (fault injection the
	// emulator cannot do, e.g. losing a response after the write).
	wrap func(http.RoundTripper) http.RoundTripper
}

func defaultGroups() []GroupRouting {
	return []GroupRouting{
		{Name: "Support Agents", Skills: []Assignment{{"Billing", 2}}, Languages: []Assignment{{"English", 4}}, Queues: []string{"Support"}},
		{Name: "Senior Billing", Skills: []Assignment{{"Billing", 5}, {"Sales", 1}}, Languages: []Assignment{{"English", 1}, {"Spanish", 3}}, Queues: []string{"Support", "Sales"}},
	}
}

type testEnv struct {
	t       *testing.T
	emu     *genesystest.Emulator
	client  *genesys.Client
	gw      *Gateway
	audits  *observer.ObservedLogs
	storage certmagic.Storage
}

func newTestEnv(t *testing.T, o envOptions) *testEnv {
	t.Helper()
	emu := genesystest.New(genesystest.Config{
		ClientID: envClientID, ClientSecret: envClientSecret,
		Skills:    append([]string{"Billing", "Sales"}, manySkills()...),
		Languages: []string{"English", "Spanish"},
		Queues:    []string{"Support", "Sales"},
	})
	base, err := emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{t: t, emu: emu}
	t.Cleanup(env.assertNoRejections) // runs last
	t.Cleanup(emu.Close)

	var rt http.RoundTripper = &http.Transport{MaxIdleConnsPerHost: 64}
	if o.wrap != nil {
		rt = o.wrap(rt)
	}
	retries := o.maxRetries
	if retries == 0 {
		retries = 1
	}
	env.client, err = genesys.New(genesys.Config{
		APIURL: base, LoginURL: base, ClientID: envClientID, ClientSecret: envClientSecret,
		Timeout: 5 * time.Second, MaxRetries: &retries, MaxRetryWait: 2 * time.Second,
		RateLimit: 1_000_000, RateWindow: time.Minute, MaxConcurrency: 32,
		HTTPClient: &http.Client{Transport: rt},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.client.Close)

	core, logs := observer.New(zapcore.InfoLevel)
	env.audits = logs
	groups := o.groups
	if groups == nil {
		groups = defaultGroups()
	}
	cfg := Config{
		Client: env.client, OnDuplicate: o.onDuplicate, Groups: groups,
		Audit: audit.New(zap.New(core)), Logger: zap.NewNop(),
		tuneOutbox: func(c *outbox.Config) {
			c.MinBackoff, c.MaxBackoff, c.PollInterval = 10*time.Millisecond, 50*time.Millisecond, time.Hour
		},
	}
	if !o.noOutbox {
		env.storage = &certmagic.FileStorage{Path: t.TempDir()}
		cfg.Storage, cfg.OutboxPrefix = env.storage, "outbox-test"
	}
	env.gw, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.gw.Start()
	t.Cleanup(env.gw.Close)
	return env
}

func (e *testEnv) assertNoRejections() {
	for _, r := range e.emu.Rejections() {
		e.t.Errorf("emulator rejected %s %s: %d %s: %s", r.Method, r.Path, r.Status, r.Code, r.Message)
	}
}

// ctx is a request context carrying an audit request, as the server makes.
func (e *testEnv) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	e.t.Cleanup(cancel)
	return audit.NewContext(ctx, &audit.Request{ID: "req", Operation: "create", Start: time.Now()})
}

// create calls CreateUser and fails the test on error.
func (e *testEnv) create(u *scim.User) (*scim.User, bool) {
	e.t.Helper()
	out, created, err := e.gw.CreateUser(e.ctx(), u)
	if err != nil {
		e.t.Fatalf("CreateUser(%s): %v", u.UserName, err)
	}
	return out, created
}

// user returns the emulator's user holding email, failing if none.
func (e *testEnv) user(email string) genesystest.User {
	e.t.Helper()
	u, ok := e.emu.UserByEmail(email)
	if !ok {
		e.t.Fatalf("no Genesys user with email %s", email)
	}
	return u
}

// events returns the audit entries named name.
func (e *testEnv) events(name string) []observer.LoggedEntry {
	return e.audits.FilterField(zap.String("event", name)).All()
}

// eventField returns the string field key of an audit entry.
func eventField(le observer.LoggedEntry, key string) string {
	v, _ := le.ContextMap()[key].(string)
	return v
}

// wantStatus fails unless err is a *scim.Error with status.
func wantStatus(t *testing.T, err error, status int) *scim.Error {
	t.Helper()
	se, ok := err.(*scim.Error)
	if !ok || se.Status != status {
		t.Fatalf("err = %v, want a SCIM %d", err, status)
	}
	return se
}

// settledCounts returns the emulator's call counts once they stop changing.
// The emulator counts a call after writing its answer, so a client can see
// the answer a moment before the count moves.
func (e *testEnv) settledCounts() map[string]int {
	prev := e.emu.CallCounts()
	for i := 0; i < 200; i++ {
		time.Sleep(5 * time.Millisecond)
		cur := e.emu.CallCounts()
		if maps.Equal(prev, cur) {
			return cur
		}
		prev = cur
	}
	return prev
}

// calls is one endpoint's settled call count.
func (e *testEnv) calls(endpoint string) int {
	return e.settledCounts()[endpoint]
}
