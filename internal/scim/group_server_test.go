package scim

import (
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func (ts *testServer) createGroup(body string) map[string]any {
	ts.t.Helper()
	w := ts.do("POST", "/scim/v2/Groups", body)
	if w.Code != http.StatusCreated {
		ts.t.Fatalf("create group: %d %s", w.Code, w.Body)
	}
	return decodeBody(ts.t, w)
}

func filterQuery(f string) string { return "filter=" + url.QueryEscape(f) }

func TestServerGroupRouting(t *testing.T) {
	tests := []struct {
		method, target string
		status         int
		allow          string
		op             Operation
	}{
		{"GET", "/scim/v2/Groups", 200, "", OpGroupList},
		{"GET", "/scim/v2/groups/", 200, "", OpGroupList},
		{"POST", "/scim/v2/GROUPS", 400, "", OpGroupCreate}, // no body
		{"PUT", "/scim/v2/Groups", 405, "GET, POST", ""},
		{"PATCH", "/scim/v2/Groups", 405, "GET, POST", ""},
		{"DELETE", "/scim/v2/Groups", 405, "GET, POST", ""},
		{"GET", "/scim/v2/Groups/g-1", 200, "", OpGroupRead},
		{"GET", "/scim/v2/groups/g-1", 200, "", OpGroupRead},
		{"PUT", "/scim/v2/Groups/g-1", 400, "", OpGroupReplace},
		{"PATCH", "/scim/v2/Groups/g-1", 400, "", OpGroupPatch},
		{"DELETE", "/scim/v2/Groups/g-1", 204, "", OpGroupDelete},
		{"POST", "/scim/v2/Groups/g-1", 405, "GET, PUT, PATCH, DELETE", ""},
		{"GET", "/scim/v2/Groups/nope", 404, "", OpGroupRead},
		{"POST", "/scim/v2/Groups/.search", 501, "", ""},
		{"GET", "/scim/v2/Groups/g-1/members", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			ts := newTestServer(t)
			ts.createGroup(`{"displayName":"Sales"}`)
			w := ts.do(tt.method, tt.target, "")
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Fatalf("Allow %q, want %q", got, tt.allow)
			}
			rel := strings.TrimPrefix(tt.target, "/scim/v2")
			if got := OperationFor(tt.method, rel); got != tt.op {
				t.Fatalf("OperationFor = %q, want %q", got, tt.op)
			}
			if last := ts.outcomes[len(ts.outcomes)-1]; last.Operation != tt.op {
				t.Fatalf("outcome %+v", last)
			}
		})
	}
}

// Entra ID's group provisioning, request by request (Microsoft's tutorial:
// Group Operations).
func TestServerGroupsEntra(t *testing.T) {
	ts := newTestServer(t)
	ts.create("u1@example.com") // u-1
	ts.create("u2@example.com") // u-2

	// Is there a Group1? Members are not wanted, and the backend is told.
	w := ts.do("GET", "/scim/v2/Groups?excludedAttributes=members&"+filterQuery(`displayName eq "Group1"`), "")
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+ListResponseURN+`"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`)
	if q := ts.be.lastGroupQuery; q.Members || show(q.Filter) != `displayName eq "Group1"` {
		t.Fatalf("query %+v", q)
	}

	w = ts.do("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
	  "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Group1","members":[],"meta":{"resourceType":"Group"}}`)
	if w.Code != http.StatusCreated || w.Header().Get("Location") != testBase+"/Groups/g-3" || w.Header().Get("ETag") != `W/"1"` {
		t.Fatalf("create: %d %v %s", w.Code, w.Header(), w.Body)
	}
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+GroupURN+`"],"id":"g-3","externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
	  "displayName":"Group1","members":[],"meta":{"resourceType":"Group","location":"`+testBase+`/Groups/g-3","version":"W/\"1\""}}`)

	w = ts.do("GET", "/scim/v2/Groups/g-3?excludedAttributes=members", "")
	if w.Code != 200 || ts.be.lastGroupRead.Members {
		t.Fatalf("read: %d, members read %v", w.Code, ts.be.lastGroupRead.Members)
	}
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+GroupURN+`"],"id":"g-3","externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
	  "displayName":"Group1","meta":{"resourceType":"Group","location":"`+testBase+`/Groups/g-3","version":"W/\"1\""}}`)

	patch := func(ops string, want *GroupPatch) {
		t.Helper()
		w := ts.do("PATCH", "/scim/v2/Groups/g-3", patchBody(ops))
		if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
			t.Fatalf("PATCH %s: %d %s", ops, w.Code, w.Body)
		}
		if !reflect.DeepEqual(ts.be.lastGroupPatch, want) {
			t.Fatalf("PATCH %s: backend got %+v, want %+v", ops, ts.be.lastGroupPatch, want)
		}
	}
	patch(`{"op":"Add","path":"members","value":[{"$ref":null,"value":"u-1"},{"$ref":null,"value":"u-2"}]}`,
		&GroupPatch{Add: []string{"u-1", "u-2"}})

	// Membership check.
	w = ts.do("GET", "/scim/v2/Groups?excludedAttributes=members&"+filterQuery(`id eq "g-3" and members eq "u-1"`), "")
	if w.Code != 200 || show(ts.be.lastGroupQuery.Filter) != `and(id eq "g-3", members.value eq "u-1")` || ts.be.lastGroupQuery.Members {
		t.Fatalf("membership check: %d %+v", w.Code, ts.be.lastGroupQuery)
	}
	if res := decodeBody(t, w)["Resources"].([]any); len(res) != 1 || res[0].(map[string]any)["members"] != nil {
		t.Fatalf("membership check answer: %v", res)
	}

	patch(`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u-1"}]}`, &GroupPatch{Remove: []string{"u-1"}})
	patch(`{"op":"Remove","path":"members[value eq \"u-2\"]"}`, &GroupPatch{Remove: []string{"u-2"}})
	patch(`{"op":"Replace","path":"displayName","value":"New name"}`, &GroupPatch{DisplayName: strPtr("New name")})
	if g := ts.be.groups["g-3"]; g.DisplayName != "New name" || len(g.Members) != 0 || g.Meta.Version != "5" {
		t.Fatalf("group after the PATCHes: %+v", g)
	}

	if w := ts.do("DELETE", "/scim/v2/Groups/g-3", ""); w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	if w := ts.do("GET", "/scim/v2/Groups/g-3", ""); w.Code != http.StatusNotFound {
		t.Fatalf("read after delete: %d", w.Code)
	}
}

// Okta's Push Groups, request by request (Okta's reference: SCIM Group
// operations).
func TestServerGroupsOkta(t *testing.T) {
	ts := newTestServer(t)
	ts.create("a@example.com") // u-1
	ts.create("b@example.com") // u-2

	if w := ts.do("GET", "/scim/v2/Groups?"+filterQuery(`displayName eq "Sales"`)+"&startIndex=1&count=100", ""); w.Code != 200 ||
		!ts.be.lastGroupQuery.Members || ts.be.lastGroupQuery.Count != 3 {
		t.Fatalf("lookup: %d %+v", w.Code, ts.be.lastGroupQuery)
	}
	body := ts.createGroup(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales",
	  "members":[{"value":"u-1","display":"a@example.com"}]}`)
	jsonEqual(t, body, `{"schemas":["`+GroupURN+`"],"id":"g-3","displayName":"Sales",
	  "members":[{"value":"u-1","display":"a@example.com","$ref":"`+testBase+`/Users/u-1","type":"User"}],
	  "meta":{"resourceType":"Group","location":"`+testBase+`/Groups/g-3","version":"W/\"1\""}}`)

	w := ts.do("PATCH", "/scim/v2/Groups/g-3", patchBody(`{"op":"replace","value":{"id":"g-3","displayName":"New name"}}`))
	if w.Code != http.StatusNoContent || ts.be.groups["g-3"].DisplayName != "New name" {
		t.Fatalf("rename: %d %s", w.Code, w.Body)
	}
	w = ts.do("PATCH", "/scim/v2/Groups/g-3", patchBody(`{"op":"add","path":"members","value":[{"value":"u-2","display":"b@example.com"}]}`))
	if w.Code != http.StatusNoContent {
		t.Fatalf("add: %d %s", w.Code, w.Body)
	}
	w = ts.do("PATCH", "/scim/v2/Groups/g-3", patchBody(`{"op":"remove","path":"members","value":[{"value":"u-1","display":"a@example.com"}]}`))
	if w.Code != http.StatusNoContent || !reflect.DeepEqual(ts.be.groups["g-3"].Members, []Member{{Value: "u-2", Display: "b@example.com"}}) {
		t.Fatalf("remove: %d %+v", w.Code, ts.be.groups["g-3"].Members)
	}

	// Older integrations PUT the full member list.
	w = ts.do("PUT", "/scim/v2/Groups/g-3", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-3","displayName":"Sales",
	  "members":[{"value":"u-1","display":"a@example.com"},{"value":"u-2","display":"b@example.com"}]}`)
	if w.Code != http.StatusOK || w.Header().Get("ETag") != `W/"5"` || w.Header().Get("Location") != "" {
		t.Fatalf("PUT: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if got := decodeBody(t, w); got["displayName"] != "Sales" || len(got["members"].([]any)) != 2 {
		t.Fatalf("PUT answer: %v", got)
	}
	if w := ts.do("DELETE", "/scim/v2/Groups/g-3", ""); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", w.Code)
	}
}

// A PATCH answers 200 with the group when the request asks for attributes
// (RFC 7644 §3.5.2), read back after the change with what the projection
// needs.
func TestServerGroupPatchWithAttributes(t *testing.T) {
	tests := []struct {
		query       string
		members     bool
		wantMembers bool
	}{
		{"attributes=displayName", false, false},
		{"attributes=members", true, true},
		{"excludedAttributes=members", false, false},
		{"excludedAttributes=externalId", true, true},
		{"attributes=", true, true}, // asked, naming nothing: the whole group
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			ts := newTestServer(t)
			ts.create("a@example.com")
			ts.createGroup(`{"displayName":"Sales","externalId":"e"}`)
			w := ts.do("PATCH", "/scim/v2/Groups/g-2?"+tt.query, patchBody(`{"op":"add","path":"members","value":[{"value":"u-1"}]}`))
			if w.Code != http.StatusOK || w.Header().Get("ETag") != `W/"2"` {
				t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
			}
			if calls := ts.be.calls; calls[len(calls)-2] != "group_patch g-2" || calls[len(calls)-1] != "group_get g-2" {
				t.Fatalf("calls %v", calls)
			}
			if ts.be.lastGroupRead.Members != tt.members {
				t.Fatalf("GroupRead.Members = %v, want %v", ts.be.lastGroupRead.Members, tt.members)
			}
			body := decodeBody(t, w)
			if _, ok := body["members"]; ok != tt.wantMembers || body["id"] != "g-2" {
				t.Fatalf("body %v", body)
			}
		})
	}
}

func TestServerGroupReadETag(t *testing.T) {
	for _, tt := range []struct {
		ifNoneMatch string
		status      int
	}{{"", 200}, {`W/"1"`, 304}, {`*`, 304}, {`W/"2"`, 200}} {
		t.Run(tt.ifNoneMatch, func(t *testing.T) {
			ts := newTestServer(t)
			ts.createGroup(`{"displayName":"Sales"}`)
			w := ts.do("GET", "/scim/v2/Groups/g-1", "", "If-None-Match", tt.ifNoneMatch)
			if w.Code != tt.status || w.Header().Get("ETag") != `W/"1"` || (tt.status == 304 && w.Body.Len() != 0) {
				t.Fatalf("status %d ETag %q body %q, want %d", w.Code, w.Header().Get("ETag"), w.Body, tt.status)
			}
		})
	}
}

func TestServerGroupIfMatch(t *testing.T) {
	tests := []struct {
		name, method, body, ifMatch string
		status                      int
		want                        Precondition
	}{
		{"PUT current", "PUT", `{"displayName":"N"}`, `W/"1"`, 200, Precondition{IfMatch: []string{"1"}}},
		{"PUT stale", "PUT", `{"displayName":"N"}`, `W/"0"`, 412, Precondition{IfMatch: []string{"0"}}},
		{"PATCH stale", "PATCH", patchBody(`{"op":"replace","path":"displayName","value":"N"}`), `"7"`, 412, Precondition{IfMatch: []string{"7"}}},
		{"PATCH any", "PATCH", patchBody(`{"op":"replace","path":"displayName","value":"N"}`), `*`, 204, Precondition{Any: true}},
		{"DELETE stale", "DELETE", "", `W/"3", W/"4"`, 412, Precondition{IfMatch: []string{"3", "4"}}},
		{"DELETE none", "DELETE", "", ``, 204, Precondition{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.createGroup(`{"displayName":"Sales"}`)
			var h []string
			if tt.ifMatch != "" {
				h = []string{"If-Match", tt.ifMatch}
			}
			w := ts.do(tt.method, "/scim/v2/Groups/g-1", tt.body, h...)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if !jsonDeepEqual(ts.be.lastPre, tt.want) {
				t.Fatalf("precondition %+v, want %+v", ts.be.lastPre, tt.want)
			}
		})
	}
}

// Requests the protocol layer refuses never reach the Backend.
func TestServerGroupRejectsBeforeBackend(t *testing.T) {
	tests := []struct {
		name, method, target, body, contentType string
		status                                  int
		scimType                                string
	}{
		{"create: bad JSON", "POST", "/scim/v2/Groups", `{"displayName":`, "", 400, InvalidSyntax},
		{"create: no displayName", "POST", "/scim/v2/Groups", `{"members":[]}`, "", 400, InvalidValue},
		{"create: a member without value", "POST", "/scim/v2/Groups", `{"displayName":"A","members":[{"display":"x"}]}`, "", 400, InvalidValue},
		{"create: text/plain", "POST", "/scim/v2/Groups", `{"displayName":"A"}`, "text/plain", 415, ""},
		{"create: too large", "POST", "/scim/v2/Groups", `{"displayName":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, "", 413, ""},
		{"list: unsupported operator", "GET", "/scim/v2/Groups?" + filterQuery(`displayName co "S"`), "", "", 400, InvalidFilter},
		{"list: user attribute", "GET", "/scim/v2/Groups?" + filterQuery(`userName eq "S"`), "", "", 400, InvalidFilter},
		{"list: bad startIndex", "GET", "/scim/v2/Groups?startIndex=one", "", "", 400, InvalidValue},
		{"replace: blank displayName", "PUT", "/scim/v2/Groups/g-1", `{"displayName":" "}`, "", 400, InvalidValue},
		{"patch: remove displayName after a good op", "PATCH", "/scim/v2/Groups/g-1",
			patchBody(`{"op":"add","path":"members","value":[{"value":"u-1"}]},{"op":"remove","path":"displayName"}`), "", 400, InvalidValue},
		{"patch: members.display", "PATCH", "/scim/v2/Groups/g-1", patchBody(`{"op":"replace","path":"members.display","value":"x"}`), "", 400, InvalidPath},
		{"patch: id", "PATCH", "/scim/v2/Groups/g-1", patchBody(`{"op":"replace","path":"id","value":"x"}`), "", 400, Mutability},
		{"patch: not a PatchOp", "PATCH", "/scim/v2/Groups/g-1", `{"Operations":[]}`, "", 400, InvalidSyntax},
		{"read: %2F in id", "GET", "/scim/v2/Groups/g-1%2Fx", "", "", 404, ""},
		{"delete: control character", "DELETE", "/scim/v2/Groups/g%0A1", "", "", 404, ""},
		{"read: id too long", "GET", "/scim/v2/Groups/" + strings.Repeat("g", maxIDLen+1), "", "", 404, ""},
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
			if st, _ := decodeBody(t, w)["scimType"].(string); st != tt.scimType {
				t.Fatalf("scimType %q, want %q", st, tt.scimType)
			}
			if len(ts.be.calls) != 0 || ts.outcomes[0].BackendCalled {
				t.Fatalf("backend called: %v", ts.be.calls)
			}
		})
	}
}

func TestServerGroupList(t *testing.T) {
	ts := newTestServer(t)
	ts.create("a@example.com")
	for i := range 4 {
		ts.createGroup(`{"displayName":"G` + strconv.Itoa(i) + `","members":[{"value":"u-1"}]}`)
	}
	w := ts.do("GET", "/scim/v2/Groups?startIndex=2&count=2", "")
	jsonEqual(t, decodeBody(t, w), `{"schemas":["`+ListResponseURN+`"],"totalResults":4,"startIndex":2,"itemsPerPage":2,"Resources":[
	  {"schemas":["`+GroupURN+`"],"id":"g-3","displayName":"G1","members":[{"value":"u-1","display":"a@example.com","$ref":"`+testBase+`/Users/u-1","type":"User"}],
	   "meta":{"resourceType":"Group","location":"`+testBase+`/Groups/g-3","version":"W/\"1\""}},
	  {"schemas":["`+GroupURN+`"],"id":"g-4","displayName":"G2","members":[{"value":"u-1","display":"a@example.com","$ref":"`+testBase+`/Users/u-1","type":"User"}],
	   "meta":{"resourceType":"Group","location":"`+testBase+`/Groups/g-4","version":"W/\"1\""}}]}`)
	w = ts.do("GET", "/scim/v2/Groups?count=50&attributes="+url.QueryEscape("urn:ietf:params:scim:schemas:core:2.0:Group:displayName"), "")
	body := decodeBody(t, w)
	if body["itemsPerPage"] != 3.0 || ts.be.lastGroupQuery.Members || ts.be.lastGroupQuery.Count != 3 {
		t.Fatalf("capped page: %v %+v", body["itemsPerPage"], ts.be.lastGroupQuery)
	}
	jsonEqual(t, body["Resources"].([]any)[0], `{"schemas":["`+GroupURN+`"],"id":"g-2","displayName":"G0","meta":{"resourceType":"Group"}}`)
}

// Group responses take the fast encoder unless a projection applies; both
// paths answer the same.
func TestServerGroupFastMatchesMap(t *testing.T) {
	ts := newTestServer(t)
	ts.srv.MaxResults = 100
	ts.create("a@example.com")
	ts.createGroup(`{"displayName":"<odd> é \u2028","externalId":"x/y","members":[{"value":"u-1"},{"value":"no such user"}]}`)
	ts.be.groups["odd id?#%é"] = &Group{ID: "odd id?#%é", DisplayName: "odd", Members: []Member{{Value: "a/b"}}, Meta: Meta{Version: "v\"1"}}
	for _, target := range []string{"/scim/v2/Groups", "/scim/v2/Groups/g-2", "/scim/v2/Groups/" + url.PathEscape("odd id?#%é")} {
		fast := ts.do("GET", target, "")
		slow := ts.do("GET", target+sep(target)+"excludedAttributes=id", "")
		if fast.Code != http.StatusOK || fast.Code != slow.Code {
			t.Fatalf("%s: %d (map path %d): %s", target, fast.Code, slow.Code, fast.Body)
		}
		for _, h := range []string{"Content-Type", "ETag", "Location"} {
			if fast.Header().Get(h) != slow.Header().Get(h) {
				t.Errorf("%s: %s = %q, map path %q", target, h, fast.Header().Get(h), slow.Header().Get(h))
			}
		}
		if got, want := decodeBody(t, fast), decodeBody(t, slow); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", target, mustJSON(t, got), mustJSON(t, want))
		}
	}
}

// GET /Users lists leave groups out unless attributes asks for them, and
// tell the backend; GET /Users/<id> includes them unless excluded.
func TestServerUserGroups(t *testing.T) {
	ts := newTestServer(t)
	ts.create("a@example.com")
	ts.be.users["u-1"].Groups = []GroupRef{{Value: "g-9", Display: "Sales"}}
	const groups = `[{"value":"g-9","display":"Sales","$ref":"` + testBase + `/Groups/g-9","type":"direct"}]`
	tests := []struct {
		target     string
		wantGroups bool
	}{
		{"/scim/v2/Users", false},
		{"/scim/v2/Users?excludedAttributes=emails", false},
		{"/scim/v2/Users?attributes=userName", false},
		{"/scim/v2/Users?attributes=userName,groups", true},
		{"/scim/v2/Users/u-1", true},
		{"/scim/v2/Users/u-1?attributes=groups", true},
		{"/scim/v2/Users/u-1?excludedAttributes=groups", false},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			ts.be.lastQuery = nil
			w := ts.do("GET", tt.target, "")
			body := decodeBody(t, w)
			if strings.Contains(tt.target, "/Users/") {
				if ts.be.lastQuery != nil {
					t.Fatal("a read listed")
				}
			} else {
				if ts.be.lastQuery.Groups != tt.wantGroups {
					t.Fatalf("ListQuery.Groups = %v", ts.be.lastQuery.Groups)
				}
				body = body["Resources"].([]any)[0].(map[string]any)
			}
			g, ok := body["groups"]
			if ok != tt.wantGroups {
				t.Fatalf("groups = %v (present %v), want present %v", g, ok, tt.wantGroups)
			}
			if ok {
				jsonEqual(t, g, groups)
			}
		})
	}
	if len(ts.be.users["u-1"].Groups) != 1 {
		t.Fatal("the backend's user was modified")
	}
}
