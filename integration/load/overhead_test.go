package load

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestOverhead: scim_genesys keeps at least 80% of a plain reverse_proxy's
// throughput on a 100-user page, with JWT verification on.
func TestOverhead(t *testing.T) {
	needLoad(t)
	res := runOverhead(t, overheadParams{Users: 150, Clients: 32, Phase: 10 * time.Second})
	res.report(os.Stdout)
	for name, s := range map[string]sample{"proxy": res.Floor, "scim_genesys": res.SCIM} {
		if s.Errors > 0 {
			t.Errorf("%s: %d requests did not answer a full page", name, s.Errors)
		}
	}
	if res.Ratio() < 0.80 {
		t.Errorf("scim_genesys throughput is %.1f%% of the proxy's (%.0f vs %.0f req/s), target >= 80%%",
			100*res.Ratio(), res.SCIM.RPS(), res.Floor.RPS())
	}
}

// BenchmarkOverhead measures the same two paths as TestOverhead, one
// request per op from parallel clients (-cpu sets how many per GOMAXPROCS).
//
//	go test ./integration/load/ -run '^$' -bench Overhead -benchtime 10s
func BenchmarkOverhead(b *testing.B) {
	r := newOverheadRig(b, 150)
	for _, bc := range r.probes() {
		b.Run(bc.name, func(b *testing.B) {
			c := newClient(64)
			defer c.CloseIdleConnections()
			do := pathCheck(c, bc.url, bc.token, bc.want)
			if !do(context.Background()) {
				b.Fatalf("%s does not answer a full page", bc.url)
			}
			b.SetParallelism(16) // 16 x GOMAXPROCS concurrent clients
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if !do(context.Background()) {
						b.Errorf("GET %s: not a full page", bc.url)
						return
					}
				}
			})
		})
	}
}
