package lifecycle

import (
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/caddyscim/caddyscim/integration/harness"
	"github.com/caddyscim/caddyscim/internal/genesystest"
)

// patchTarget is the user the PATCH tests change: every mapped field set,
// so a stray write shows.
const patchTarget = `{"userName":"pat@example.com","name":{"formatted":"Pat Target"},"title":"Agent",
 "emails":[{"value":"pat@example.com","primary":true},{"value":"pat.work@corp.example","type":"work"}],
 "phoneNumbers":[{"value":"+13175551234","type":"work"}],
 "` + enterpriseURN + `":{"department":"Sales"}}`

// expectUnchanged fails unless the Genesys user still equals before
// (version included) and no upstream PATCH was sent since patches.
func expectUnchanged(t *testing.T, s *harness.Stack, before genesystest.User, patches int) {
	t.Helper()
	if u := genesysUser(t, s, before.ID); !reflect.DeepEqual(u, before) {
		t.Fatalf("the Genesys user changed:\n got %+v\nwant %+v", u, before)
	}
	if n := s.Emu.Calls(upstreamPatch) - patches; n != 0 {
		t.Fatalf("%d upstream PATCH calls for a request that must change nothing", n)
	}
}

// TestPatchAllOrNothing: a PATCH whose second (or later) operation is
// invalid is a 400 and writes nothing upstream: Genesys state and version
// unchanged.
func TestPatchAllOrNothing(t *testing.T) {
	s := newStack(t)
	id, _ := createUser(t, s, patchTarget)
	first := `{"op":"replace","path":"title","value":"Boss"}`
	for _, tc := range []struct {
		name, second, scimType string
	}{
		{"active not a boolean", `{"op":"replace","path":"active","value":"maybe"}`, "invalidValue"},
		{"userName not an email", `{"op":"replace","path":"userName","value":"not-an-email"}`, "invalidValue"},
		{"malformed path", `{"op":"replace","path":"emails[type eq \"work\"","value":"x@example.com"}`, "invalidPath"},
		{"path outside the schemas", `{"op":"replace","path":"urn:example:custom:2.0:User:shoeSize","value":"9"}`, "invalidPath"},
		{"remove without path", `{"op":"remove"}`, "noTarget"},
		{"unknown op", `{"op":"frobnicate","path":"title","value":"x"}`, "invalidSyntax"},
		{"two primary emails", `{"op":"add","path":"emails","value":[{"value":"a@example.com","primary":true},{"value":"b@example.com","primary":true}]}`, "invalidValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, patches := genesysUser(t, s, id), s.Emu.Calls(upstreamPatch)
			r := s.Do(http.MethodPatch, "/Users/"+id, s.Writer(), patchBody(first, tc.second))
			r.ExpectSCIMError(t, http.StatusBadRequest, tc.scimType)
			expectUnchanged(t, s, before, patches)
		})
	}
	s.NoRejections()
}

// TestPatchUnknownManagerWritesNothing: a manager id that names no user is
// found out before the first upstream write, not by sending
// Genesys a PATCH it refuses: 400 invalidValue, nothing changed.
func TestPatchUnknownManagerWritesNothing(t *testing.T) {
	s := newStack(t)
	id, _ := createUser(t, s, patchTarget)
	before, patches := genesysUser(t, s, id), s.Emu.Calls(upstreamPatch)
	s.Do(http.MethodPatch, "/Users/"+id, s.Writer(), patchBody(
		`{"op":"replace","path":"title","value":"Boss"}`,
		`{"op":"add","path":"manager","value":[{"value":"5c7a5e4e-0000-4000-8000-000000000000"}]}`)).
		ExpectSCIMError(t, http.StatusBadRequest, "invalidValue")
	expectUnchanged(t, s, before, patches)
	s.NoRejections()
}

// TestPatchUnmappedAttributesChangeNothing: core and enterprise attributes
// this product does not map (Entra's defaults send them) are accepted and
// change nothing; a path outside those schemas is 400 invalidPath.
func TestPatchUnmappedAttributesChangeNothing(t *testing.T) {
	s := newStack(t)
	id, _ := createUser(t, s, patchTarget)
	for _, op := range []string{
		`{"op":"Replace","path":"nickName","value":"Patty"}`,
		`{"op":"Add","path":"` + enterpriseURN + `:employeeNumber","value":"12345"}`,
		`{"op":"replace","path":"preferredLanguage","value":"en-US"}`,
		`{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main St"}`,
		`{"op":"replace","value":{"nickName":"Patty","` + enterpriseURN + `:employeeNumber":"12345"}}`,
		`{"op":"remove","path":"nickName"}`,
	} {
		t.Run(op, func(t *testing.T) {
			before, patches := genesysUser(t, s, id), s.Emu.Calls(upstreamPatch)
			r := s.Do(http.MethodPatch, "/Users/"+id, s.Writer(), patchBody(op)).Expect(t, http.StatusOK)
			if harness.Str(r.Body, "title") != "Agent" || harness.Str(r.Body, "nickName") != "" {
				t.Fatalf("answered %s", r.Raw)
			}
			expectUnchanged(t, s, before, patches)
		})
	}
	for _, path := range []string{"favoriteColor", "urn:example:custom:2.0:User:shoeSize", "name..givenName", `emails[type eq "work"`} {
		t.Run("invalidPath "+path, func(t *testing.T) {
			before, patches := genesysUser(t, s, id), s.Emu.Calls(upstreamPatch)
			s.Do(http.MethodPatch, "/Users/"+id, s.Writer(), patchBody(`{"op":"replace","path":`+mustJSON(t, path)+`,"value":"x"}`)).
				ExpectSCIMError(t, http.StatusBadRequest, "invalidPath")
			expectUnchanged(t, s, before, patches)
		})
	}
	s.NoRejections()
}

// TestPatchRetriesVersionConflict: Genesys answers a version conflict (as
// if another writer got there first); the gateway re-reads and retries, and
// the caller sees only the success.
func TestPatchRetriesVersionConflict(t *testing.T) {
	s := newStack(t)
	id, _ := createUser(t, s, patchTarget)
	s.Emu.ConflictNextPatch(id)
	patches := s.Emu.Calls(upstreamPatch)
	r := s.Do(http.MethodPatch, "/Users/"+id, s.Writer(), patchBody(`{"op":"replace","path":"title","value":"After Conflict"}`)).
		Expect(t, http.StatusOK)
	if harness.Str(r.Body, "title") != "After Conflict" {
		t.Fatalf("answered %s", r.Raw)
	}
	u := genesysUser(t, s, id)
	if u.Title != "After Conflict" || u.Department != "Sales" {
		t.Fatalf("after the retried PATCH, Genesys holds %+v", u)
	}
	if n := s.Emu.Calls(upstreamPatch) - patches; n != 2 {
		t.Fatalf("%d upstream PATCH calls, want 2 (the conflict, then the retry)", n)
	}
	if want := `W/"` + strconv.Itoa(u.Version) + `"`; r.Header.Get("ETag") != want {
		t.Fatalf("ETag %q after the retry, want the new version %s", r.Header.Get("ETag"), want)
	}
	s.NoRejections()
}

// TestUserNameUniqueness: a PATCH or PUT that gives a user the userName
// another user holds is 409 uniqueness and changes nothing.
func TestUserNameUniqueness(t *testing.T) {
	s := newStack(t)
	id, _ := createUser(t, s, patchTarget)
	createUser(t, s, `{"userName":"taken@example.com"}`)
	before := genesysUser(t, s, id)
	s.Do(http.MethodPatch, "/Users/"+id, s.Writer(), patchBody(`{"op":"replace","path":"userName","value":"TAKEN@example.com"}`)).
		ExpectSCIMError(t, http.StatusConflict, "uniqueness")
	s.Do(http.MethodPut, "/Users/"+id, s.Writer(), `{"userName":"taken@example.com","name":{"formatted":"Pat Target"}}`).
		ExpectSCIMError(t, http.StatusConflict, "uniqueness")
	if u := genesysUser(t, s, id); !reflect.DeepEqual(u, before) {
		t.Fatalf("a refused userName change still changed the user:\n got %+v\nwant %+v", u, before)
	}
	s.NoRejections()
}
