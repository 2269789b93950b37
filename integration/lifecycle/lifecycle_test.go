package lifecycle

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/caddyscim/caddyscim/integration/harness"
)

// TestDeactivationKeepsRoutingAndListing: active false makes the Genesys
// user inactive, keeps its skills, languages and queues, and it stays
// readable and listable; reactivation makes it active again.
func TestDeactivationKeepsRoutingAndListing(t *testing.T) {
	s := newStack(t)
	id, _ := createUser(t, s, `{"userName":"dee@example.com","groups":[{"value":"CC Billing"}]}`)
	skill, _ := s.Emu.SkillID("Billing")
	english, _ := s.Emu.LanguageID("English")
	routed := func(when string) {
		t.Helper()
		u := genesysUser(t, s, id)
		if !hasProficiency(u.Skills, skill, 4) || !hasProficiency(u.Languages, english, 5) || !inQueue(t, s, "Billing", id) {
			t.Fatalf("%s: routing lost: skills %+v languages %+v", when, u.Skills, u.Languages)
		}
	}
	routed("after create")

	s.Do(http.MethodPatch, "/Users/"+id, s.Writer(), patchBody(`{"op":"replace","path":"active","value":false}`)).Expect(t, http.StatusOK)
	if u := genesysUser(t, s, id); u.State != "inactive" {
		t.Fatalf("after deactivation, Genesys state %s", u.State)
	}
	routed("after deactivation")
	if r := s.Do(http.MethodGet, "/Users/"+id, s.Writer(), nil).Expect(t, http.StatusOK); r.Body["active"] != false {
		t.Fatalf("deactivated user reads %s", r.Raw)
	}
	for _, q := range []string{"", query("filter", `userName eq "dee@example.com"`), query("filter", `active eq false`)} {
		if p := listUsers(t, s, q); !slices.Contains(p.ids(), id) {
			t.Fatalf("deactivated user missing from GET /Users%s: %s", q, p.Raw)
		}
	}
	expectAudited(t, s, "SCIM_USER_DEACTIVATED", id)

	s.Do(http.MethodPatch, "/Users/"+id, s.Writer(), patchBody(`{"op":"replace","path":"active","value":true}`)).Expect(t, http.StatusOK)
	if u := genesysUser(t, s, id); u.State != "active" {
		t.Fatalf("after reactivation, Genesys state %s", u.State)
	}
	routed("after reactivation")
	s.NoRejections()
}

// TestPutReactivationAppliesGroupRouting: a PUT that reactivates a user with
// groups joins them and their routing follows; a group block matches a
// SCIM group's value or its display, case-insensitively.
func TestPutReactivationAppliesGroupRouting(t *testing.T) {
	s := newStack(t)
	support, _ := s.Emu.SkillID("Support")
	spanish, _ := s.Emu.LanguageID("Spanish")
	english, _ := s.Emu.LanguageID("English")
	for _, group := range []string{`{"value":"CC Spanish"}`, `{"display":"cc spanish"}`, `{"value":"g-123","display":"CC Spanish"}`} {
		t.Run(group, func(t *testing.T) {
			userName := fmt.Sprintf("ray%d@example.com", s.Emu.UserCount(""))
			id, _ := createUser(t, s, `{"userName":"`+userName+`","active":false}`)
			if u := genesysUser(t, s, id); u.State != "inactive" || len(u.Skills)+len(u.Languages) != 0 {
				t.Fatalf("after create, Genesys holds %+v", u)
			}
			r := s.Do(http.MethodPut, "/Users/"+id, s.Writer(),
				`{"schemas":["`+userURN+`"],"id":"`+id+`","userName":"`+userName+`","active":true,"groups":[`+group+`]}`).
				Expect(t, http.StatusOK)
			if r.Body["active"] != true {
				t.Fatalf("PUT answered %s", r.Raw)
			}
			harness.Eventually(t, 10*time.Second, "the reactivated user's routing", func() bool {
				u := genesysUser(t, s, id)
				return u.State == "active" && hasProficiency(u.Skills, support, 2) && hasProficiency(u.Languages, spanish, 4) && hasProficiency(u.Languages, english, 2)
			})
			for _, q := range []string{"Spanish Support", "General Support"} {
				if !inQueue(t, s, q, id) {
					t.Errorf("not a member of queue %s after the reactivating PUT", q)
				}
			}
			expectAudited(t, s, "SCIM_USER_UPDATED", id)
		})
	}
	s.NoRejections()
}

// TestPutClearsOmittedAttributes: a PUT is a full replace: mapped
// attributes it omits are cleared in Genesys; id and meta are ignored.
func TestPutClearsOmittedAttributes(t *testing.T) {
	s := newStack(t)
	boss, _ := createUser(t, s, `{"userName":"boss@example.com"}`)
	id, _ := createUser(t, s, patchTarget)
	s.Do(http.MethodPatch, "/Users/"+id, s.Writer(), patchBody(`{"op":"add","path":"manager","value":"`+boss+`"}`)).Expect(t, http.StatusOK)
	u := genesysUser(t, s, id)
	if u.Title != "Agent" || u.Department != "Sales" || u.Manager != boss || len(u.Addresses) == 0 {
		t.Fatalf("before the PUT, Genesys holds %+v", u)
	}
	r := s.Do(http.MethodPut, "/Users/"+id, s.Writer(),
		`{"schemas":["`+userURN+`"],"id":"not-the-id","meta":{"version":"W/\"1\""},"userName":"pat@example.com","name":{"formatted":"Pat Replaced"}}`).
		Expect(t, http.StatusOK)
	if harness.Str(r.Body, "id") != id || harness.Str(r.Body, "title") != "" {
		t.Fatalf("PUT answered %s", r.Raw)
	}
	u = genesysUser(t, s, id)
	if u.Name != "Pat Replaced" || u.Title != "" || u.Department != "" || u.Manager != "" || len(u.Addresses) != 0 || u.State != "active" {
		t.Fatalf("after the PUT, Genesys still holds omitted attributes: %+v", u)
	}
	// userName is required on PUT.
	s.Do(http.MethodPut, "/Users/"+id, s.Writer(), `{"name":{"formatted":"No Name"},"title":"x"}`).ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	if u2 := genesysUser(t, s, id); u2.Version != u.Version {
		t.Fatalf("a PUT without userName changed the user: %+v", u2)
	}
	s.NoRejections()
}

// TestDeleteThenGone: after DELETE the user is soft-deleted in Genesys and
// 404 on every operation; it appears in no listing or filter.
func TestDeleteThenGone(t *testing.T) {
	s := newStack(t)
	id, _ := createUser(t, s, `{"userName":"del@example.com","externalId":"ext-del"}`)
	keep, _ := createUser(t, s, `{"userName":"keep@example.com"}`)
	s.Do(http.MethodDelete, "/Users/"+id, s.Writer(), nil).Expect(t, http.StatusNoContent)
	if u := genesysUser(t, s, id); u.State != "deleted" {
		t.Fatalf("after DELETE, Genesys state %s", u.State)
	}
	for _, req := range []struct{ method, body string }{
		{http.MethodGet, ""},
		{http.MethodPatch, patchBody(`{"op":"replace","path":"title","value":"x"}`)},
		{http.MethodPut, `{"userName":"del@example.com"}`},
		{http.MethodDelete, ""},
	} {
		var body any
		if req.body != "" {
			body = req.body
		}
		s.Do(req.method, "/Users/"+id, s.Writer(), body).ExpectSCIMError(t, http.StatusNotFound, "")
	}
	if u := genesysUser(t, s, id); u.State != "deleted" {
		t.Fatalf("a request after DELETE revived the user: state %s", u.State)
	}
	for _, q := range []string{"", query("filter", `userName eq "del@example.com"`), query("filter", `externalId eq "ext-del"`),
		query("filter", fmt.Sprintf(`id eq %q`, id)), query("filter", `userName sw "del"`)} {
		if p := listUsers(t, s, q); slices.Contains(p.ids(), id) {
			t.Fatalf("deleted user listed by GET /Users%s", q)
		}
	}
	if p := listUsers(t, s, ""); p.Total != 1 || p.ids()[0] != keep {
		t.Fatalf("listing after DELETE: %s", p.Raw)
	}
	expectAudited(t, s, "SCIM_USER_DELETED", id)
	s.NoRejections()
}
