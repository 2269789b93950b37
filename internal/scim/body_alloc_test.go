package scim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// largeBodies are near-limit POST /Users bodies of the two shapes that cost
// the most to decode: a user with a huge emails list (an object per entry),
// and one with a huge attribute this product does not know (one long
// string).
func largeBodies() []struct{ name, body string } {
	const head = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",` +
		`"userName":"big.user@example.com","name":{"givenName":"Big","familyName":"User"},"active":true,`
	var emails strings.Builder
	emails.WriteString(head + `"emails":[`)
	for i := 0; emails.Len() < MaxBodyBytes-200; i++ {
		if i > 0 {
			emails.WriteByte(',')
		}
		fmt.Fprintf(&emails, `{"value":"first.last.%06d@subsidiary.example.com","type":"work","primary":false}`, i)
	}
	emails.WriteString(`]}`)
	unknown := head + `"urn:example:custom:1.0:User":{"notes":"` + strings.Repeat("lorem ipsum ", (MaxBodyBytes-400)/12) + `"}}`
	return []struct{ name, body string }{{"emails", emails.String()}, {"unknown attribute", unknown}}
}

// readAndDecodeUser is the server's path: one parse.
func readAndDecodeUser(body string) error {
	v, err := ReadJSON(httptest.NewRequest(http.MethodPost, "/Users", strings.NewReader(body)))
	if err != nil {
		return err
	}
	_, err = DecodeUser(v)
	return err
}

// readAndDecodeUserTwice is the path this package had before the body was
// parsed once, kept for the comparison: the body read whole, decoded to be
// validated, then decoded again to be read.
func readAndDecodeUserTwice(body string) error {
	r := httptest.NewRequest(http.MethodPost, "/Users", strings.NewReader(body))
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return err
	}
	if _, err := DecodeJSON(bytes.NewReader(raw)); err != nil {
		return err
	}
	v, err := DecodeJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	_, err = DecodeUser(v)
	return err
}

// allocatedPerRun is the bytes allocated by one run of f, averaged.
func allocatedPerRun(runs int, f func()) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// maxAllocPerBodyByte bounds what reading and decoding a User body may
// allocate, per byte of body. The single parse measures about 10; the old
// double parse cost about 30 on the emails body.
const maxAllocPerBodyByte = 12

func TestDecodeUserLargeBodyAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes megabytes")
	}
	for _, tt := range largeBodies() {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.body) > MaxBodyBytes || len(tt.body) < MaxBodyBytes-1024 {
				t.Fatalf("body is %d bytes, want just under %d", len(tt.body), MaxBodyBytes)
			}
			if err := readAndDecodeUser(tt.body); err != nil {
				t.Fatal(err)
			}
			perByte := allocatedPerRun(5, func() { _ = readAndDecodeUser(tt.body) }) / float64(len(tt.body))
			t.Logf("%.1f bytes allocated per body byte", perByte)
			if perByte > maxAllocPerBodyByte {
				t.Fatalf("reading and decoding allocates %.1f bytes per body byte, more than %d", perByte, maxAllocPerBodyByte)
			}
		})
	}
}

// BenchmarkDecodeUserLargeBody compares the single parse with the old
// double parse on the same bodies; allocB/bodyB is bytes allocated per byte
// of body.
func BenchmarkDecodeUserLargeBody(b *testing.B) {
	for _, tt := range largeBodies() {
		for _, path := range []struct {
			name string
			f    func(string) error
		}{{"parse once", readAndDecodeUser}, {"parse twice (old)", readAndDecodeUserTwice}} {
			b.Run(tt.name+"/"+path.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(tt.body)))
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for b.Loop() {
					if err := path.f(tt.body); err != nil {
						b.Fatal(err)
					}
				}
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(tt.body)), "allocB/bodyB")
			})
		}
	}
}
