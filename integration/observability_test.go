package integration

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// TestAuditTrail: one entry per decision, with the documented fields.
func TestAuditTrail(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	r := s.Do(http.MethodPost, "/Users", w, `{"userName":" Kim@Example.com ","password":"Pa55word!x","groups":[{"display":"CC Billing"}]}`).Expect(t, http.StatusCreated)
	id := harness.Str(r.Body, "id")
	s.Do(http.MethodPost, "/Users", w, `{"userName":"kim@example.com"}`).Expect(t, http.StatusOK)
	s.Do(http.MethodGet, "/Users?filter="+urlQuery(`userName eq "kim@example.com"`), w, nil).Expect(t, http.StatusOK)
	s.Do(http.MethodGet, "/Users/"+id, w, nil).Expect(t, http.StatusOK)
	s.Do(http.MethodPatch, "/Users/"+id, w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Lead"}]}`).Expect(t, http.StatusOK)
	s.Do(http.MethodPatch, "/Users/"+id, w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`).Expect(t, http.StatusOK)
	s.Do(http.MethodDelete, "/Users/"+id, w, nil).Expect(t, http.StatusNoContent)
	s.Do(http.MethodPost, "/Users", w, `{"userName":"kim@example.com"}`).Expect(t, http.StatusCreated)
	s.Do(http.MethodGet, "/Users", "", nil).Expect(t, http.StatusUnauthorized)
	s.Do(http.MethodPost, "/Users", s.Token("scim_auditor"), `{"userName":"x@example.com"}`).Expect(t, http.StatusForbidden)

	entries := s.AuditEntries()
	byEvent := map[string][]map[string]any{}
	for _, e := range entries {
		ev, _ := e["event"].(string)
		byEvent[ev] = append(byEvent[ev], e)
		if _, ok := e["logger"]; !ok || e["logger"] != "http.handlers.scim_genesys.audit" {
			t.Errorf("entry on logger %v", e["logger"])
		}
	}
	// The keys every request-scoped entry carries.
	common := []string{"event", "request_id", "client_ip", "operation", "outcome", "status", "duration", "upstream_calls", "retries"}
	userOp := append(append([]string{}, common...), "actor", "roles", "genesys_id", "email")
	for _, want := range []struct {
		event   string
		outcome string
		status  float64
		keys    []string
	}{
		{"SCIM_USER_CREATED", "success", 201, userOp},
		{"SCIM_USER_EXISTS", "success", 200, userOp},
		{"SCIM_USER_RESTORED", "success", 201, userOp},
		{"SCIM_USER_LIST_QUERY", "success", 200, append(append([]string{}, common...), "actor", "roles")},
		{"SCIM_USER_READ", "success", 200, userOp},
		{"SCIM_USER_UPDATED", "success", 200, userOp},
		{"SCIM_USER_DEACTIVATED", "success", 200, userOp},
		{"SCIM_USER_DELETED", "success", 204, userOp},
		{"SCIM_AUTH_FAIL", "denied", 401, common},
		{"SCIM_RBAC_DENY", "denied", 403, append(append([]string{}, common...), "actor", "roles")},
	} {
		got := byEvent[want.event]
		if len(got) == 0 {
			t.Errorf("no %s entry; events: %v", want.event, keys(byEvent))
			continue
		}
		e := got[len(got)-1]
		for _, k := range want.keys {
			if _, ok := e[k]; !ok {
				t.Errorf("%s entry lacks %q: %v", want.event, k, e)
			}
		}
		if e["outcome"] != want.outcome || e["status"] != want.status {
			t.Errorf("%s: outcome %v status %v, want %s %v", want.event, e["outcome"], e["status"], want.outcome, want.status)
		}
		if em, ok := e["email"]; ok && em != "kim@example.com" {
			t.Errorf("%s: email %v is not the normalised one", want.event, em)
		}
	}
	if c := byEvent["SCIM_USER_CREATED"]; len(c) > 0 && c[0]["upstream_calls"].(float64) < 1 {
		t.Errorf("create entry counts no upstream calls: %v", c[0])
	}
	if len(byEvent["SCIM_USER_CREATE_REQUEST"]) < 3 {
		t.Errorf("%d SCIM_USER_CREATE_REQUEST entries, want one per POST (3)", len(byEvent["SCIM_USER_CREATE_REQUEST"]))
	}
	if bytes.Contains(s.Logged(), []byte("Pa55word!x")) {
		t.Fatal("the password was logged")
	}
}

// TestMetricsSurviveReload: counters move with traffic and keep their values
// across a config reload (collectors re-registered on the new registry).
func TestMetricsSurviveReload(t *testing.T) {
	s := harness.New(t, harness.Options{})
	w := s.Writer()
	s.Do(http.MethodPost, "/Users", w, `{"userName":"lee@example.com","groups":[{"value":"CC Billing"}]}`).Expect(t, http.StatusCreated)
	s.Do(http.MethodGet, "/Users", w, nil).Expect(t, http.StatusOK)
	m1 := scrape(t, s)
	for _, name := range []string{
		`caddy_scim_genesys_requests_total{operation="create",status="201"}`,
		`caddy_scim_genesys_requests_total{operation="list",status="200"}`,
		`caddy_scim_genesys_token_refreshes_total{result="success"}`,
		`caddy_scim_genesys_upstream_calls_total{endpoint="POST /api/v2/users",status="200"}`,
		`caddy_scim_genesys_name_cache_lookups_total{kind="skill",result="miss"}`,
	} {
		if m1[name] < 1 {
			t.Errorf("%s = %v after traffic, want >= 1", name, m1[name])
		}
	}
	if m1[`caddy_scim_genesys_upstream_call_duration_seconds_count{endpoint="POST /api/v2/users"}`] < 1 {
		t.Error("no upstream latency observed")
	}
	// Reload with a changed setting; then more traffic.
	s.Load(strings.Replace(s.CaddyConfig, "max_retry_wait 5s", "max_retry_wait 6s", 1))
	s.Do(http.MethodGet, "/Users", w, nil).Expect(t, http.StatusOK)
	m2 := scrape(t, s)
	list := `caddy_scim_genesys_requests_total{operation="list",status="200"}`
	if m2[list] != m1[list]+1 {
		t.Fatalf("after reload %s = %v, want %v (kept and counting)", list, m2[list], m1[list]+1)
	}
	if m2[`caddy_scim_genesys_outbox_depth`] != 0 {
		t.Errorf("outbox depth %v", m2[`caddy_scim_genesys_outbox_depth`])
	}
}

// scrape reads the Prometheus text the site's metrics handler serves.
func scrape(t *testing.T, s *harness.Stack) map[string]float64 {
	t.Helper()
	resp, err := s.Client.Get(s.Site + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

func keys(m map[string][]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func urlQuery(s string) string {
	r := strings.NewReplacer(" ", "%20", `"`, "%22")
	return r.Replace(s)
}
