package outboxe2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// Deadlines: the outbox scans every couple of seconds with backoff from
// about 1 s, and a SIGKILLed holder's file lock goes stale after 10 s.
const (
	deadline = 30 * time.Second
	pollStep = 50 * time.Millisecond
)

// eventually is harness.Eventually.
var eventually = harness.Eventually

// storedEntry is what these tests read of an outbox entry in the storage
// folder: enough to tell whose step it is and whether an attempt ran.
type storedEntry struct {
	File     string
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	Attempts int    `json:"attempts"`
}

// outboxEntries lists the entries in a file_system storage folder (layout
// scim_genesys/outbox/<instance>/entries/*.json).
func outboxEntries(t *testing.T, storage string) []storedEntry {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(storage, "scim_genesys", "outbox", "*", "entries", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []storedEntry
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if os.IsNotExist(err) { // completed between the listing and the read
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		e := storedEntry{File: f}
		if err := json.Unmarshal(raw, &e); err != nil {
			// Written in place by another process right now; the caller polls.
			e.Kind = "unreadable"
		}
		out = append(out, e)
	}
	return out
}

// entriesFor returns the stored entries whose key is userID.
func entriesFor(t *testing.T, storage, userID string) []storedEntry {
	t.Helper()
	var out []storedEntry
	for _, e := range outboxEntries(t, storage) {
		if e.Key == userID {
			out = append(out, e)
		}
	}
	return out
}

// entryLocks lists the storage lock files of outbox entries
// (certmagic's FileStorage keeps them in <storage>/locks, named after the
// entry's key with the slashes dropped).
func entryLocks(t *testing.T, storage string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(storage, "locks", "scim_genesys*.lock"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// metric scrapes site's /metrics and returns the unlabelled sample name.
func metric(t *testing.T, s *harness.Stack, site, name string) float64 {
	t.Helper()
	r := s.Do(http.MethodGet, site+"/metrics", "", nil).Expect(t, http.StatusOK)
	sc := bufio.NewScanner(bytes.NewReader(r.Raw))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), name+" ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			t.Fatalf("metric %s: %v", name, err)
		}
		return f
	}
	t.Fatalf("%s/metrics has no %s sample", site, name)
	return 0
}

const depthMetric = "caddy_scim_genesys_outbox_depth"

// outboxDepth is the depth gauge a Caddy at site reports.
func outboxDepth(t *testing.T, s *harness.Stack, site string) float64 {
	t.Helper()
	return metric(t, s, site, depthMetric)
}

// auditEntry is one decoded audit line.
type auditEntry map[string]any

func (e auditEntry) str(k string) string { s, _ := e[k].(string); return s }

// time is when Caddy logged the entry (zap's ts, seconds).
func (e auditEntry) time() time.Time {
	ts, _ := e["ts"].(float64)
	return time.Unix(0, int64(ts*float64(time.Second)))
}

// auditLog reads the audit entries from Caddy JSON log files.
func auditLog(t *testing.T, files ...string) []auditEntry {
	t.Helper()
	var out []auditEntry
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(raw, []byte("\n")) {
			var e auditEntry
			if json.Unmarshal(line, &e) == nil && e.str("logger") == "http.handlers.scim_genesys.audit" {
				out = append(out, e)
			}
		}
	}
	return out
}

// auditOf converts the harness's entries.
func auditOf(s *harness.Stack) []auditEntry {
	var out []auditEntry
	for _, e := range s.AuditEntries() {
		out = append(out, e)
	}
	return out
}

// events returns the entries named event about userID, optionally only
// those of one operation.
func events(entries []auditEntry, event, userID, operation string) []auditEntry {
	var out []auditEntry
	for _, e := range entries {
		if e.str("event") == event && e.str("genesys_id") == userID && (operation == "" || e.str("operation") == operation) {
			out = append(out, e)
		}
	}
	return out
}
