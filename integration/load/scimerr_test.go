package load

import (
	"net/http"
	"strings"
	"testing"
)

func TestSCIMErrorProblem(t *testing.T) {
	scim := http.Header{"Content-Type": {"application/scim+json"}}
	good := `{"schemas":["` + errorURN + `"],"status":"429","detail":"slow down"}`
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		body   string
		want   string // substring of the problem; "" for none
	}{
		{"a SCIM error", 429, scim, good, ""},
		{"charset parameter", 429, http.Header{"Content-Type": {"application/scim+json; charset=utf-8"}}, good, ""},
		{"plain JSON type", 429, http.Header{"Content-Type": {"application/json"}}, good, "Content-Type"},
		{"Genesys body leaked", 429, scim, `{"message":"x","code":"too.many.requests","status":429}`, "schemas"},
		{"numeric status", 503, scim, `{"schemas":["` + errorURN + `"],"status":503,"detail":"x"}`, "status field"},
		{"status of another code", 503, scim, `{"schemas":["` + errorURN + `"],"status":"500","detail":"x"}`, "status field"},
		{"no detail", 429, scim, `{"schemas":["` + errorURN + `"],"status":"429"}`, "no detail"},
		{"not JSON", 502, scim, `<html>bad gateway</html>`, "not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := scimErrorProblem(reply{Status: tc.status, Header: tc.header, Body: []byte(tc.body)})
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("problem %q, want one containing %q", got, tc.want)
			}
		})
	}
}
