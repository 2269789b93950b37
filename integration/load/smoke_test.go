package load

import (
	"io"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// TestSmoke runs every scenario at a tiny size so the harness cannot rot:
// each runs end to end and its correctness assertions hold; the throughput
// and efficiency targets need the full size (-load).
func TestSmoke(t *testing.T) {
	t.Run("overhead", func(t *testing.T) {
		res := runOverhead(t, overheadParams{Users: 120, Clients: 4, Phase: 250 * time.Millisecond})
		res.report(io.Discard)
		if res.Floor.OK == 0 || res.SCIM.OK == 0 || res.Floor.Errors+res.SCIM.Errors > 0 {
			t.Fatalf("proxy %d ok %d errors, scim %d ok %d errors",
				res.Floor.OK, res.Floor.Errors, res.SCIM.OK, res.SCIM.Errors)
		}
	})
	t.Run("bulk", func(t *testing.T) {
		res := runBulk(t, bulkParams{Users: 20, Clients: 8, RateLimit: 60000, Converge: 10 * time.Second})
		res.report(io.Discard)
		res.check(t, false)
	})
	t.Run("soak", func(t *testing.T) {
		// Milder faults with a fixed seed keep it to seconds; every fault
		// kind still occurs.
		res := runSoak(t, soakParams{Users: 6, Workers: 3, SearchLag: 300 * time.Millisecond, Cycles: 3,
			Converge: 15 * time.Second,
			Faults:   genesystest.Faults{Rate429: 0.10, RetryAfter: 1, Rate503: 0.08, RateReset: 0.05, Seed: 9}})
		res.report(io.Discard)
		res.check(t)
	})
	t.Run("membership", func(t *testing.T) {
		res := runMembership(t, membershipParams{Members: 120, RateLimit: 60000, Converge: 20 * time.Second})
		res.report(io.Discard)
		res.check(t, 10*time.Second)
	})
	t.Run("memory", func(t *testing.T) {
		res := runMemory(t, memoryParams{Users: 120, Clients: 4, First: 50, Total: 200, MaxGrowthBytes: 8 << 20})
		res.report(io.Discard)
		res.check(t)
	})
}
