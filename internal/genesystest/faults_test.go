package genesystest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/internal/genesystest"
)

func TestRateLimit(t *testing.T) {
	v := newEnv(t, genesystest.Config{RateLimit: 3, RateWindow: time.Minute})
	for i := 1; i <= 3; i++ {
		r := v.call("GET", "/api/v2/users", nil)
		mustStatus(t, r, 200)
		if r.header.Get("inin-ratelimit-allowed") != "3" || r.header.Get("inin-ratelimit-count") != strconv.Itoa(i) ||
			r.header.Get("inin-ratelimit-reset") != "60" || r.header.Get("inin-correlation-id") == "" {
			t.Fatalf("headers %v", r.header)
		}
	}
	v.clock.Advance(20 * time.Second)
	r := v.call("GET", "/api/v2/users", nil)
	mustStatus(t, r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "40" || r.code() != "too.many.requests.retry.after" {
		t.Fatalf("429 %v %s", r.header, r.body)
	}
	// Another token has its own window.
	other := v.emu.Token()
	mustStatus(t, v.send("GET", "/api/v2/users", nil, "Bearer "+other), 200)
	v.clock.Advance(40 * time.Second)
	mustStatus(t, v.call("GET", "/api/v2/users", nil), 200)
	// Fast mode lifts the limit.
	v.emu.SetFast(true)
	for range 5 {
		mustStatus(t, v.call("GET", "/api/v2/users", nil), 200)
	}
	v.expectNotRejected(0)
}

func TestFailNextAndConflict(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	id := v.createUser("Amy", "amy@example.com", nil)
	sk, _ := v.emu.SkillID("Billing")
	bulk := "/api/v2/users/" + id + "/routingskills/bulk"
	body := []map[string]any{{"id": sk, "proficiency": 1}}

	v.emu.FailNext("PATCH /api/v2/users/{id}/routingskills/bulk", 2, 503)
	mustStatus(t, v.call("GET", "/api/v2/users/"+id, nil), 200) // other endpoints unaffected
	mustStatus(t, v.call("PATCH", bulk, body), 503)
	mustStatus(t, v.call("PATCH", bulk, body), 503)
	mustStatus(t, v.call("PATCH", bulk, body), 200)
	if n := v.emu.Calls("PATCH /api/v2/users/{id}/routingskills/bulk"); n != 3 {
		t.Fatalf("calls %d", n)
	}
	v.emu.FailNext("POST /api/v2/users/search", 1, 429)
	r := v.call("POST", "/api/v2/users/search", `{"query":[{"type":"MATCH_ALL"}]}`)
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("injected 429: %d %v", r.status, r.header)
	}

	v.emu.ConflictNextPatch(id)
	r = v.call("PATCH", "/api/v2/users/"+id, `{"version":1,"title":"x"}`)
	mustStatus(t, r, http.StatusConflict)
	if r.code() != "general.conflict" {
		t.Fatalf("injected conflict %s", r.body)
	}
	// A concurrent writer bumped the version: the stale retry fails, a re-read works.
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+id, `{"version":1,"title":"x"}`), http.StatusConflict)
	mustStatus(t, v.call("PATCH", "/api/v2/users/"+id, `{"version":2,"title":"x"}`), 200)
	v.expectNotRejected(0)

	// DELETE answers an injected 408 like any other endpoint.
	v.emu.FailNext("DELETE /api/v2/users/{id}", 1, http.StatusRequestTimeout)
	r = v.call("DELETE", "/api/v2/users/"+id, nil)
	mustStatus(t, r, http.StatusRequestTimeout)
	if r.code() != "request.timeout" {
		t.Fatalf("injected 408 %s", r.body)
	}
	if u, _ := v.emu.User(id); u.State != "active" {
		t.Fatalf("a failed delete deleted: %+v", u)
	}
	v.expectNotRejected(0)

	defer func() {
		if recover() == nil {
			t.Fatal("FailNext on an unknown endpoint must panic")
		}
	}()
	v.emu.FailNext("POST /api/v2/users/{id}/routing/profile", 1, 500)
}

func TestVersionConflictInjection(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	id := v.createUser("Amy", "amy@example.com", nil)
	other := v.createUser("Bo", "bo@example.com", nil)
	patch := func(uid string, version int) response {
		return v.call("PATCH", "/api/v2/users/"+uid, map[string]any{"version": version, "title": "x"})
	}
	version := func(uid string) int { u, _ := v.emu.User(uid); return u.Version }

	for _, status := range []int{http.StatusRequestTimeout, http.StatusBadRequest, http.StatusConflict} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			before := version(id)
			v.emu.ConflictNextPatchStatus(id, status)
			mustStatus(t, patch(other, version(other)), 200) // another user is unaffected
			r := patch(id, before)
			mustStatus(t, r, status)
			if r.code() != "general.conflict" || !strings.Contains(r.json(t)["message"].(string), "does not match the current version") {
				t.Fatalf("conflict body %s", r.body)
			}
			if u, _ := v.emu.User(id); u.Version != before+1 || u.Title == "x" {
				t.Fatalf("after injected conflict %+v", u)
			}
		})
	}

	t.Run("concurrent write", func(t *testing.T) {
		v.emu.BumpVersionBeforeNextPatch(id)
		before := version(id)
		// A PATCH refused for its shape does not consume the pending write.
		rj := v.rejections()
		v.expectRejected(v.call("PATCH", "/api/v2/users/"+id, `{"title":"x"}`), rj, 400)
		r := patch(id, before)
		mustStatus(t, r, http.StatusConflict)
		if r.code() != "general.conflict" {
			t.Fatalf("conflict body %s", r.body)
		}
		if got := version(id); got != before+1 {
			t.Fatalf("version %d, want %d", got, before+1)
		}
		mustStatus(t, patch(id, before+1), 200) // re-read, retry: fine
		mustStatus(t, patch(id, before+2), 200) // consumed: no further bump
	})

	t.Run("bad status panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("ConflictNextPatchStatus(500) must panic")
			}
		}()
		v.emu.ConflictNextPatchStatus(id, 500)
	})

	t.Run("cleared", func(t *testing.T) {
		v.emu.ConflictNextPatch("")
		v.emu.BumpVersionBeforeNextPatch("")
		v.emu.ClearFaults()
		mustStatus(t, patch(id, version(id)), 200)
	})
}

func TestHangResetDown(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	v.emu.HangNext("GET /api/v2/users", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", v.url+"/api/v2/users", nil)
	req.Header.Set("Authorization", "Bearer "+v.tok)
	if _, err := v.hc.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v", err)
	}
	mustStatus(t, v.call("GET", "/api/v2/users", nil), 200)

	// A hung call with a body ends when its client leaves, as a real
	// server's would: a caller that stops an attempt must be able to rely
	// on it no longer being open upstream.
	v.emu.HangNext("POST /api/v2/users/search", 1)
	before := len(v.emu.Requests())
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, "POST", v.url+"/api/v2/users/search",
		strings.NewReader(`{"query":[{"type":"MATCH_ALL"}]}`))
	req.Header.Set("Authorization", "Bearer "+v.tok)
	req.Header.Set("Content-Type", "application/json")
	if _, err := v.hc.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang with a body: %v", err)
	}
	for end := time.Now().Add(time.Second); len(v.emu.Requests()) == before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("a hung call with a body was still open 1s after its client left")
		}
	}

	v.emu.SetFaults(genesystest.Faults{RateReset: 1, Seed: 1})
	req, _ = http.NewRequest("GET", v.url+"/api/v2/users", nil)
	req.Header.Set("Authorization", "Bearer "+v.tok)
	if resp, err := v.hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("reset: got status %d", resp.StatusCode)
	}
	v.emu.ClearFaults()
	mustStatus(t, v.call("GET", "/api/v2/users", nil), 200)

	v.emu.SetDown(true)
	r := v.call("GET", "/api/v2/users", nil)
	mustStatus(t, r, 503)
	if r.header.Get("inin-ratelimit-allowed") == "" || r.header.Get("inin-correlation-id") == "" {
		t.Fatalf("outage headers %v", r.header)
	}
	mustStatus(t, v.tokenRequest(basic(clientID, clientSecret), "application/x-www-form-urlencoded", "grant_type=client_credentials"), 503)
	v.emu.SetDown(false)
	mustStatus(t, v.call("GET", "/api/v2/users", nil), 200)
}

func TestRandomFaultsDeterministic(t *testing.T) {
	run := func() []int {
		v := newEnv(t, genesystest.Config{})
		v.emu.SetFaults(genesystest.Faults{Rate429: 0.3, Rate503: 0.3, RetryAfter: 2, Seed: 42})
		var out []int
		for range 40 {
			r := v.call("GET", "/api/v2/users", nil)
			if r.status == 429 && r.header.Get("Retry-After") != "2" {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
			out = append(out, r.status)
		}
		// The token endpoint is not subject to random faults.
		mustStatus(t, v.tokenRequest(basic(clientID, clientSecret), "application/x-www-form-urlencoded", "grant_type=client_credentials"), 200)
		return out
	}
	a, b := run(), run()
	counts := map[int]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("not deterministic: %v vs %v", a, b)
		}
		counts[a[i]]++
	}
	if counts[200] == 0 || counts[429] == 0 || counts[503] == 0 {
		t.Fatalf("distribution %v", counts)
	}
}

func TestInspection(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	id := v.createUser("Amy", "amy@example.com", nil)
	mustStatus(t, v.call("GET", "/api/v2/users/"+id, nil), 200)
	mustStatus(t, v.call("GET", "/api/v2/users/nope", nil), 404)
	v.call("GET", "/api/v2/users?page=2", nil)

	reqs := v.emu.Requests()
	if len(reqs) != 4 || reqs[1].Endpoint() != "GET /api/v2/users/{id}" || reqs[1].Status != 200 || reqs[2].Status != 404 {
		t.Fatalf("log %+v", reqs)
	}
	counts := v.emu.CallCounts()
	if counts["GET /api/v2/users/{id}"] != 2 || counts["POST /api/v2/users"] != 1 || counts["GET /api/v2/users"] != 1 {
		t.Fatalf("counts %v", counts)
	}
	rj := v.emu.Rejections()
	if len(rj) != 1 || rj[0].Endpoint != "GET /api/v2/users" || rj[0].Code != "bad.request" {
		t.Fatalf("rejections %+v", rj)
	}
	// Copies: mutating a returned user does not change the emulator.
	u, _ := v.emu.User(id)
	u.Name = "changed"
	if again, _ := v.emu.User(id); again.Name != "Amy" {
		t.Fatal("User returned shared state")
	}
	if _, err := v.emu.SeedUser(genesystest.UserSeed{Name: "Dup", Email: "AMY@example.com"}); err == nil {
		t.Fatal("seeding a duplicate email must fail")
	}
	v.emu.ResetLog()
	if len(v.emu.Requests()) != 0 || len(v.emu.Rejections()) != 0 || len(v.emu.CallCounts()) != 0 {
		t.Fatal("ResetLog left entries")
	}
}

// TestConcurrentUse drives writes, reads, searches and fault changes at
// once; run with -race it proves the emulator's locking.
func TestConcurrentUse(t *testing.T) {
	v := newEnv(t, genesystest.Config{})
	v.emu.SetSearchLag(time.Second)
	gid := v.emu.SeedGroup("Everyone")
	done := make(chan struct{})
	for w := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 10 {
				email := "u" + strconv.Itoa(w) + "-" + strconv.Itoa(i) + "@example.com"
				r := v.send("POST", "/api/v2/users", `{"name":"U","email":"`+email+`"}`, "Bearer "+v.tok)
				if r.status != 200 {
					t.Errorf("create %d %s", r.status, r.body)
					return
				}
				v.send("POST", "/api/v2/users/search", `{"query":[{"type":"MATCH_ALL"}]}`, "Bearer "+v.tok)
				var created struct{ ID string }
				json.Unmarshal(r.body, &created) //nolint:errcheck // an empty id fails below
				if err := v.emu.AddGroupMember(gid, created.ID); err != nil {
					t.Errorf("add member: %v", err)
					return
				}
				v.send("GET", "/api/v2/groups/"+gid+"/members?expand=groups", nil, "Bearer "+v.tok)
				v.send("POST", "/api/v2/groups/search", `{"query":[{"type":"MATCH_ALL"}]}`, "Bearer "+v.tok)
				v.emu.Groups()
				v.send("GET", "/api/v2/users?pageSize=100", nil, "Bearer "+v.tok)
				v.emu.SetFaults(genesystest.Faults{Latency: time.Microsecond})
				v.emu.Users()
				v.clock.Advance(100 * time.Millisecond)
			}
		}()
	}
	for range 4 {
		<-done
	}
	if n := v.emu.UserCount("active"); n != 40 {
		t.Fatalf("users %d", n)
	}
	if g, _ := v.emu.Group(gid); g.MemberCount != 40 || g.Version != 41 {
		t.Fatalf("group %+v", g)
	}
}
