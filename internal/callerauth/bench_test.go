package callerauth

import (
	"context"
	"testing"

	"github.com/caddyscim/caddyscim/internal/idptest"
)

// benchmarkVerify measures Verify with the keys already cached: the cost
// every SCIM request pays.
func benchmarkVerify(b *testing.B, opts ...idptest.MintOption) {
	h := newHarness(b, nil)
	h.start(b)
	header := "Bearer " + h.idp.Mint(idptest.Claims{Subject: "entra-app", Roles: []string{"scim_provisioner"}}, opts...)
	ctx := context.Background()
	if _, err := h.v.Verify(ctx, header); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := h.v.Verify(ctx, header); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRS256(b *testing.B) { benchmarkVerify(b, idptest.WithRSA()) }
func BenchmarkVerifyES256(b *testing.B) { benchmarkVerify(b, idptest.WithEC()) }
