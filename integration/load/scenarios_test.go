package load

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// The full-size scenarios of issue 9 (each needs -load).

// TestBulkProvisioning: 1,000 users through a 1,200 calls/minute limit;
// about four minutes by design (the limit is the bottleneck).
func TestBulkProvisioning(t *testing.T) {
	needLoad(t)
	res := runBulk(t, bulkParams{Users: 1000, Clients: 32, RateLimit: 1200, Converge: 3 * time.Minute})
	res.report(os.Stdout)
	res.check(t, true)
}

// soakFaults are the fault rates.
var soakFaults = genesystest.Faults{Rate429: 0.30, RetryAfter: 1, Rate503: 0.10, RateReset: 0.05}

// TestFaultSoak: 200 users provisioned through 30% 429s, 10% 503s, 5%
// resets and a 2 s search lag end exactly right.
func TestFaultSoak(t *testing.T) {
	needLoad(t)
	res := runSoak(t, soakParams{Users: 200, Workers: 8, Faults: soakFaults, SearchLag: 2 * time.Second,
		Cycles: 3, Converge: 3 * time.Minute})
	res.report(os.Stdout)
	res.check(t)
}

// TestMemory: the heap does not grow across 10,000 list requests.
func TestMemory(t *testing.T) {
	needLoad(t)
	res := runMemory(t, memoryParams{Users: 150, Clients: 8, First: 1000, Total: 10000, MaxGrowthBytes: 4 << 20})
	res.report(os.Stdout)
	res.check(t)
}

// TestGroupMembership: one PATCH adds 1,000 members to a group (1 skill, 1
// language, 1 queue), one removes them, through a 1,200 calls/minute limit:
// each answers in seconds, routing converges, and the calls stay within
// the budget (2.1 a member added + 5, 3.1 a member removed + 5).
func TestGroupMembership(t *testing.T) {
	needLoad(t)
	res := runMembership(t, membershipParams{Members: 1000, RateLimit: 1200, Converge: 6 * time.Minute})
	res.report(os.Stdout)
	res.check(t, 30*time.Second)
	if n := res.Add.Status; n == http.StatusTooManyRequests {
		t.Error("a 429 reached the caller")
	}
}
