package genesystest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// discard is a minimal ResponseWriter so benchmarks measure the emulator.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func benchEmulator(b *testing.B, users int) (*genesystest.Emulator, string) {
	e := genesystest.New(genesystest.Config{Fast: true})
	for i := range users {
		if _, err := e.SeedUser(genesystest.UserSeed{Name: fmt.Sprintf("User %d", i), Email: fmt.Sprintf("u%d@example.com", i)}); err != nil {
			b.Fatal(err)
		}
	}
	return e, "Bearer " + e.Token()
}

func BenchmarkListUsers(b *testing.B) {
	e, auth := benchEmulator(b, 1000)
	req := httptest.NewRequest("GET", "/api/v2/users?pageSize=100&pageNumber=3", nil)
	req.Header.Set("Authorization", auth)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		e.ServeHTTP(w, req)
	}
}

func BenchmarkSearchByEmail(b *testing.B) {
	e, auth := benchEmulator(b, 1000)
	body := `{"pageSize":25,"query":[{"type":"EXACT","fields":["email"],"value":"u500@example.com"},{"type":"EXACT","fields":["state"],"values":["active","inactive"]}]}`
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/v2/users/search", strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		clear(w.h)
		e.ServeHTTP(w, req)
	}
}
