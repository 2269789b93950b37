package genesystest

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures an Emulator. Zero values take the defaults noted.
type Config struct {
	ClientID, ClientSecret string        // token endpoint checks these (raw, as the SDKs send them)
	TokenTTL               time.Duration // expires_in of issued tokens; default 24h
	RateLimit              int           // API calls per RateWindow per token; 0 = unlimited
	RateWindow             time.Duration // default 1m
	Skills, Languages      []string      // seeded by name (ids generated)
	Queues                 []string      // seeded by name (ids generated)
	Divisions              []string      // seeded; a "Home" division always exists

	// Now is the clock for token expiry, rate windows and search lag; tests
	// pass a fake clock to avoid sleeping. Default time.Now.
	Now func() time.Time
	// Fast starts the emulator in fast mode (see SetFast).
	Fast bool
	// LogLimit bounds the request log (the newest entries are kept); default
	// 100000. Counts per endpoint are never dropped.
	LogLimit int
	// MaxHang bounds how long a call made to hang (HangNext) waits for the
	// client to give up before it is answered 504; default 2m.
	MaxHang time.Duration
}

// Emulator is an in-process Genesys Cloud Platform API. All methods are safe
// for concurrent use, including while it serves requests.
type Emulator struct {
	cfg Config
	now func() time.Time

	mu    sync.RWMutex // guards the store below
	store store

	tokens tokenTable
	faults faultState
	log    requestLog
	calls  []atomic.Int64 // per route, indexed by route.idx

	down     atomic.Bool
	fast     atomic.Bool
	lag      atomic.Int64 // search lag in nanoseconds
	corrSeq  atomic.Uint64
	corrBase string

	closed    chan struct{}
	closeOnce sync.Once
	srvMu     sync.Mutex
	srv       *http.Server
}

// New returns an emulator seeded from cfg. It starts no goroutine and opens
// no socket: use Start, or mount Handler yourself.
func New(cfg Config) *Emulator {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 24 * time.Hour
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = time.Minute
	}
	if cfg.LogLimit <= 0 {
		cfg.LogLimit = 100000
	}
	if cfg.MaxHang <= 0 {
		cfg.MaxHang = 2 * time.Minute
	}
	e := &Emulator{cfg: cfg, now: cfg.Now, closed: make(chan struct{}), calls: make([]atomic.Int64, len(routeTable))}
	if e.now == nil {
		e.now = time.Now
	}
	e.corrBase = newID()[:8] + "-"
	e.store.init(cfg)
	e.tokens.init()
	e.faults.init()
	e.log.limit = cfg.LogLimit
	e.fast.Store(cfg.Fast)
	return e
}

// Start listens on 127.0.0.1 on a free port and serves the API and
// /oauth/token on the same origin. It returns the base URL, e.g.
// "http://127.0.0.1:41234".
func (e *Emulator) Start() (baseURL string, err error) {
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	if e.srv != nil {
		return "", errors.New("emulator: already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go e.srv.Serve(ln) //nolint:errcheck // returns http.ErrServerClosed on Close
	return "http://" + ln.Addr().String(), nil
}

// Close stops the server (if started) and releases every call left hanging
// by fault injection. It is safe to call more than once.
func (e *Emulator) Close() {
	e.closeOnce.Do(func() { close(e.closed) })
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	if e.srv != nil {
		e.srv.Close()
	}
}

// Handler returns the emulator as an http.Handler, for httptest servers or
// in-process transports.
func (e *Emulator) Handler() http.Handler { return e }
