package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

const testBase = "https://gw.example.com/scim/v2"

type testServer struct {
	t        *testing.T
	be       *fakeBackend
	srv      *Server
	outcomes []Outcome
}

func newTestServer(t *testing.T) *testServer {
	ts := &testServer{t: t, be: newFakeBackend()}
	ts.srv = &Server{Backend: ts.be, MaxResults: 3,
		OnDone: func(_ context.Context, o Outcome) { ts.outcomes = append(ts.outcomes, o) }}
	return ts
}

// do serves one request the way the gateway does: rel is the decoded path
// below /scim/v2.
func (ts *testServer) do(method, target, body string, headers ...string) *httptest.ResponseRecorder {
	ts.t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, "http://gw.example.com"+target, nil)
	} else {
		r = httptest.NewRequest(method, "http://gw.example.com"+target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	ts.srv.Serve(w, r, strings.TrimPrefix(r.URL.Path, "/scim/v2"), testBase+"/")
	if n := len(ts.outcomes); n == 0 || ts.outcomes[n-1].Status != w.Code {
		ts.t.Fatalf("OnDone not called with the status %d: %+v", w.Code, ts.outcomes)
	}
	return w
}

func (ts *testServer) create(userName string) map[string]any {
	ts.t.Helper()
	w := ts.do("POST", "/scim/v2/Users", `{"schemas":["`+UserURN+`"],"userName":"`+userName+`","active":true}`)
	if w.Code != http.StatusCreated {
		ts.t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	return decodeBody(ts.t, w)
}

func decodeBody(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return m
}

func TestServerRouting(t *testing.T) {
	tests := []struct {
		method, target string
		status         int
		allow          string
		op             Operation
	}{
		{"GET", "/scim/v2/Users", 200, "", "list"},
		{"GET", "/scim/v2/users", 200, "", "list"},
		{"GET", "/scim/v2/Users/", 200, "", "list"},
		{"PUT", "/scim/v2/Users", 405, "GET, POST", ""},
		{"DELETE", "/scim/v2/Users", 405, "GET, POST", ""},
		{"GET", "/scim/v2/Users/u-1", 200, "", "read"},
		{"GET", "/scim/v2/USERS/u-1", 200, "", "read"},
		{"POST", "/scim/v2/Users/u-1", 405, "GET, PUT, PATCH, DELETE", ""},
		{"GET", "/scim/v2/Users/nope", 404, "", "read"},
		{"GET", "/scim/v2/ServiceProviderConfig", 200, "", "discovery"},
		{"GET", "/scim/v2/serviceproviderconfig", 200, "", "discovery"},
		{"POST", "/scim/v2/ServiceProviderConfig", 405, "GET", ""},
		{"GET", "/scim/v2/ServiceProviderConfig?filter=x", 403, "", "discovery"},
		{"GET", "/scim/v2/Schemas", 200, "", "discovery"},
		{"GET", "/scim/v2/Schemas?FILTER=" + "id%20eq%20%22x%22", 403, "", "discovery"},
		{"GET", "/scim/v2/Schemas/" + UserURN, 200, "", "discovery"},
		{"GET", "/scim/v2/Schemas/urn:bogus", 404, "", "discovery"},
		{"DELETE", "/scim/v2/Schemas/" + UserURN, 405, "GET", ""},
		{"GET", "/scim/v2/ResourceTypes", 200, "", "discovery"},
		{"GET", "/scim/v2/ResourceTypes/User", 200, "", "discovery"},
		{"GET", "/scim/v2/ResourceTypes/Group", 200, "", "discovery"},
		{"GET", "/scim/v2/ResourceTypes/Role", 404, "", "discovery"},
		{"POST", "/scim/v2/Bulk", 501, "", ""},
		{"GET", "/scim/v2/Me", 501, "", ""},
		{"POST", "/scim/v2/.search", 501, "", ""},
		{"POST", "/scim/v2/Users/.search", 501, "", ""},
		{"GET", "/scim/v2", 404, "", ""},
		{"GET", "/scim/v2/", 404, "", ""},
		{"GET", "/scim/v2/Groups", 200, "", "group_list"},
		{"GET", "/scim/v2/Users/u-1/extra", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			ts := newTestServer(t)
			ts.create("a@b.c")
			w := ts.do(tt.method, tt.target, "")
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != ContentType {
				t.Fatalf("Content-Type %q", ct)
			}
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Fatalf("Allow %q, want %q", got, tt.allow)
			}
			body := decodeBody(t, w)
			if tt.status >= 400 {
				if body["status"] != strconv.Itoa(tt.status) || body["schemas"].([]any)[0] != ErrorURN || body["detail"] == "" {
					t.Fatalf("not a SCIM error body: %v", body)
				}
			}
			rel := strings.TrimPrefix(strings.SplitN(tt.target, "?", 2)[0], "/scim/v2")
			if got := OperationFor(tt.method, rel); got != tt.op {
				t.Fatalf("OperationFor = %q, want %q", got, tt.op)
			}
			if last := ts.outcomes[len(ts.outcomes)-1]; last.Operation != tt.op || (last.Err != nil) != (tt.status >= 400) {
				t.Fatalf("outcome %+v", last)
			}
		})
	}
}

func TestServerCreate(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do("POST", "/scim/v2/Users", `{"schemas":["`+UserURN+`"],"userName":"test.user@okta.local",
	  "name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
	  "displayName":"Test User","locale":"en-US","externalId":"00uj","groups":[],"password":"1mz050nq","active":true}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if loc := w.Header().Get("Location"); loc != testBase+"/Users/u-1" {
		t.Fatalf("Location %q", loc)
	}
	if et := w.Header().Get("ETag"); et != `W/"1"` {
		t.Fatalf("ETag %q", et)
	}
	if strings.Contains(w.Body.String(), "1mz050nq") {
		t.Fatal("password rendered")
	}
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+UserURN+`"],"id":"u-1","externalId":"00uj",
	  "userName":"test.user@okta.local","name":{"givenName":"Test","familyName":"User"},"displayName":"Test User",
	  "emails":[{"value":"test.user@okta.local","type":"work","primary":true}],"active":true,
	  "meta":{"resourceType":"User","location":"`+testBase+`/Users/u-1","version":"W/\"1\""}}`)

	ts.be.notCreated = true // return_existing: 200, same headers
	w = ts.do("POST", "/scim/v2/Users?attributes=userName", `{"userName":"x@y.z"}`, "Content-Type", "application/json")
	if w.Code != http.StatusOK || w.Header().Get("Location") == "" {
		t.Fatalf("existing user: %d %v", w.Code, w.Header())
	}
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+UserURN+`"],"id":"u-2","userName":"x@y.z","meta":{"resourceType":"User"}}`)
}

// Requests the protocol layer refuses never reach the Backend.
func TestServerRejectsBeforeBackend(t *testing.T) {
	big := `{"userName":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	tests := []struct {
		name, method, target, body, contentType string
		status                                  int
		scimType                                string
	}{
		{"create: bad JSON", "POST", "/scim/v2/Users", `{"userName":`, "", 400, InvalidSyntax},
		{"create: bad value", "POST", "/scim/v2/Users", `{"userName":"a","active":"maybe"}`, "", 400, InvalidValue},
		{"create: externalId too long", "POST", "/scim/v2/Users", `{"userName":"a","externalId":"` + strings.Repeat("x", 256) + `"}`, "", 400, InvalidValue},
		{"replace: externalId too long", "PUT", "/scim/v2/Users/u-1", `{"userName":"a","externalId":"` + strings.Repeat("x", 256) + `"}`, "", 400, InvalidValue},
		{"create: text/plain", "POST", "/scim/v2/Users", `{"userName":"a"}`, "text/plain", 415, ""},
		{"create: too large", "POST", "/scim/v2/Users", big, "", 413, ""},
		{"list: bad filter", "GET", "/scim/v2/Users?filter=" + "nickName%20eq%20%22x%22", "", "", 400, InvalidFilter},
		{"list: bad count", "GET", "/scim/v2/Users?count=ten", "", "", 400, InvalidValue},
		{"replace: trailing data", "PUT", "/scim/v2/Users/u-1", `{"userName":"a"} {}`, "", 400, InvalidSyntax},
		{"patch: bad path", "PATCH", "/scim/v2/Users/u-1", patchBody(`{"op":"replace","path":"bogus","value":1}`), "", 400, InvalidPath},
		{"patch: one bad op of two", "PATCH", "/scim/v2/Users/u-1",
			patchBody(`{"op":"replace","path":"title","value":"x"},{"op":"replace","path":"active","value":"maybe"}`), "", 400, InvalidValue},
		{"patch: removing userName fails the whole PATCH", "PATCH", "/scim/v2/Users/u-1",
			patchBody(`{"op":"replace","path":"title","value":"x"},{"op":"remove","path":"userName"}`), "", 400, InvalidValue},
		{"patch: readOnly id", "PATCH", "/scim/v2/Users/u-1", patchBody(`{"op":"replace","path":"id","value":"x"}`), "", 400, Mutability},
		{"patch: remove without path", "PATCH", "/scim/v2/Users/u-1", patchBody(`{"op":"remove"}`), "", 400, NoTarget},
		{"read: %2F in id", "GET", "/scim/v2/Users/u-1%2Fx", "", "", 404, ""},
		{"read: %00 in id", "GET", "/scim/v2/Users/u-1%00", "", "", 404, ""},
		{"read: control character", "GET", "/scim/v2/Users/u%0A1", "", "", 404, ""},
		{"read: id too long", "GET", "/scim/v2/Users/" + strings.Repeat("x", 129), "", "", 404, ""},
		{"delete: %2F in id", "DELETE", "/scim/v2/Users/..%2F..%2Fadmin", "", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			var headers []string
			if tt.contentType != "" {
				headers = []string{"Content-Type", tt.contentType}
			}
			w := ts.do(tt.method, tt.target, tt.body, headers...)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			body := decodeBody(t, w)
			if st, _ := body["scimType"].(string); st != tt.scimType {
				t.Fatalf("scimType %q, want %q", st, tt.scimType)
			}
			if len(ts.be.calls) != 0 {
				t.Fatalf("backend called: %v", ts.be.calls)
			}
			if o := ts.outcomes[0]; o.BackendCalled || o.Err == nil || o.Err.Status != tt.status {
				t.Fatalf("outcome %+v", o)
			}
		})
	}
}

func TestServerIDLimit(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do("GET", "/scim/v2/Users/"+strings.Repeat("x", 128), "")
	if w.Code != http.StatusNotFound || len(ts.be.calls) != 1 {
		t.Fatalf("a 128-byte id must reach the backend: %d %v", w.Code, ts.be.calls)
	}
}

func TestServerList(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do("GET", "/scim/v2/Users?filter="+"userName%20eq%20%22none%22", "")
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+ListResponseURN+`"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`)
	if show(ts.be.lastQuery.Filter) != `userName eq "none"` || ts.be.lastQuery.Count != 3 {
		t.Fatalf("query %+v", ts.be.lastQuery)
	}
	for _, n := range []string{"a", "b", "c", "d"} {
		ts.create(n + "@x.com")
	}
	w = ts.do("GET", "/scim/v2/Users?startIndex=2&count=2&attributes=userName&sortBy=userName", "")
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+ListResponseURN+`"],"totalResults":4,"startIndex":2,"itemsPerPage":2,"Resources":[
	  {"schemas":["`+UserURN+`"],"id":"u-2","userName":"b@x.com","meta":{"resourceType":"User"}},
	  {"schemas":["`+UserURN+`"],"id":"u-3","userName":"c@x.com","meta":{"resourceType":"User"}}]}`)
	w = ts.do("GET", "/scim/v2/Users?count=0", "")
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+ListResponseURN+`"],"totalResults":4,"startIndex":1,"itemsPerPage":0,"Resources":[]}`)
	w = ts.do("GET", "/scim/v2/Users?count=50&excludedAttributes=active,meta", "")
	body := decodeBody(t, w)
	if body["itemsPerPage"] != 3.0 { // capped at MaxResults
		t.Fatalf("itemsPerPage %v", body["itemsPerPage"])
	}
	first := body["Resources"].([]any)[0].(map[string]any)
	if _, ok := first["active"]; ok || first["meta"] != nil || first["id"] != "u-1" {
		t.Fatalf("excludedAttributes not applied: %v", first)
	}
	w = ts.do("GET", "/scim/v2/Users", "")
	loc := decodeBody(t, w)["Resources"].([]any)[0].(map[string]any)["meta"].(map[string]any)["location"]
	if loc != testBase+"/Users/u-1" {
		t.Fatalf("meta.location %v", loc)
	}
}

func TestServerReadETag(t *testing.T) {
	tests := []struct {
		ifNoneMatch string
		status      int
	}{
		{"", 200},
		{`W/"1"`, 304},
		{`"1"`, 304},
		{`W/"0", W/"1"`, 304},
		{`*`, 304},
		{`W/"2"`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.ifNoneMatch, func(t *testing.T) {
			ts := newTestServer(t)
			ts.create("a@b.c")
			w := ts.do("GET", "/scim/v2/Users/u-1", "", "If-None-Match", tt.ifNoneMatch)
			if w.Code != tt.status || w.Header().Get("ETag") != `W/"1"` {
				t.Fatalf("status %d ETag %q, want %d", w.Code, w.Header().Get("ETag"), tt.status)
			}
			if tt.status == 304 && w.Body.Len() != 0 {
				t.Fatalf("304 with a body: %s", w.Body)
			}
		})
	}
}

func TestServerIfMatch(t *testing.T) {
	tests := []struct {
		name, method, body, ifMatch string
		status                      int
		want                        Precondition
	}{
		{"PUT weak current", "PUT", `{"userName":"n@b.c"}`, `W/"1"`, 200, Precondition{IfMatch: []string{"1"}}},
		{"PUT strong current", "PUT", `{"userName":"n@b.c"}`, `"1"`, 200, Precondition{IfMatch: []string{"1"}}},
		{"PUT stale", "PUT", `{"userName":"n@b.c"}`, `W/"0"`, 412, Precondition{IfMatch: []string{"0"}}},
		{"PATCH any", "PATCH", patchBody(`{"op":"replace","path":"title","value":"T"}`), `*`, 200, Precondition{Any: true}},
		{"PATCH none", "PATCH", patchBody(`{"op":"replace","path":"title","value":"T"}`), ``, 200, Precondition{}},
		{"DELETE stale", "DELETE", "", `W/"7", W/"8"`, 412, Precondition{IfMatch: []string{"7", "8"}}},
		{"DELETE current", "DELETE", "", `W/"1"`, 204, Precondition{IfMatch: []string{"1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.create("a@b.c")
			var h []string
			if tt.ifMatch != "" {
				h = []string{"If-Match", tt.ifMatch}
			}
			w := ts.do(tt.method, "/scim/v2/Users/u-1", tt.body, h...)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if !jsonDeepEqual(ts.be.lastPre, tt.want) {
				t.Fatalf("precondition %+v, want %+v", ts.be.lastPre, tt.want)
			}
			if tt.status == 200 && w.Header().Get("ETag") != `W/"2"` {
				t.Fatalf("ETag %q", w.Header().Get("ETag"))
			}
		})
	}
}

func TestServerPatch(t *testing.T) {
	ts := newTestServer(t)
	ts.create("a@b.c")
	// Entra's legacy shapes, answered with the resource and attributes honoured.
	w := ts.do("PATCH", "/scim/v2/Users/u-1?attributes=active,emails", patchBody(
		`{"op":"Replace","path":"active","value":"False"},
		 {"op":"Add","path":"emails[type eq \"work\"].value","value":"w@b.c"}`))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+UserURN+`"],"id":"u-1","active":false,
	  "emails":[{"value":"w@b.c","type":"work","primary":false}],"meta":{"resourceType":"User"}}`)
	// DELETE, then the user is gone.
	if w := ts.do("DELETE", "/scim/v2/Users/u-1", ""); w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	if w := ts.do("GET", "/scim/v2/Users/u-1", ""); w.Code != http.StatusNotFound {
		t.Fatalf("read after delete: %d", w.Code)
	}
}

func TestServerBackendFailures(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		panicMsg string
		status   int
		detail   string
	}{
		{"SCIM error passes through", &Error{Status: 429, Detail: "slow down", RetryAfter: 3e9}, "", 429, "slow down"},
		{"wrapped SCIM error", fmt.Errorf("gateway: %w", Errorf(409, Uniqueness, "taken")), "", 409, "taken"},
		{"plain error is a generic 500", errors.New("GET https://api.mypurecloud.com/api/v2/users: token xyz"), "", 500, "internal error"},
		{"panic is a generic 500", nil, "boom at https://api.mypurecloud.com", 500, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.be.err, ts.be.panicMsg = tt.err, tt.panicMsg
			w := ts.do("GET", "/scim/v2/Users", "")
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.detail) {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if strings.Contains(w.Body.String(), "purecloud") || strings.Contains(w.Body.String(), "xyz") {
				t.Fatalf("internals leaked: %s", w.Body)
			}
			o := ts.outcomes[0]
			if !o.BackendCalled || o.Operation != "list" || o.Err == nil || o.Err.Status != tt.status {
				t.Fatalf("outcome %+v", o)
			}
			if tt.status == 500 && o.Err.Cause == nil {
				t.Fatal("the cause is lost for the audit log")
			}
		})
	}
}
