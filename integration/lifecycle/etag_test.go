package lifecycle

import (
	"net/http"
	"strconv"
	"testing"
)

// TestETags: meta.version is the Genesys version; If-None-Match with the
// current one is 304, If-Match with a stale one on PUT, PATCH or DELETE is
// 412 and changes nothing; versions compare weak or strong.
func TestETags(t *testing.T) {
	s := newStack(t)
	tok := s.Writer()
	id, _ := createUser(t, s, patchTarget)
	r := s.Do(http.MethodGet, "/Users/"+id, tok, nil).Expect(t, http.StatusOK)
	v1 := r.Header.Get("ETag")
	if want := `W/"` + strconv.Itoa(genesysUser(t, s, id).Version) + `"`; v1 != want {
		t.Fatalf("ETag %q, want %s (the Genesys version)", v1, want)
	}
	strong1 := v1[2:] // the same version as a strong ETag

	for _, tag := range []string{v1, strong1, `"0", ` + v1, "*"} {
		if r := s.Do(http.MethodGet, "/Users/"+id, tok, nil, "If-None-Match: "+tag); r.Status != http.StatusNotModified || len(r.Raw) != 0 {
			t.Fatalf("If-None-Match %s: %d %s, want 304 without a body", tag, r.Status, r.Raw)
		}
	}
	s.Do(http.MethodGet, "/Users/"+id, tok, nil, `If-None-Match: W/"0"`).Expect(t, http.StatusOK)

	// A matching If-Match lets the PATCH through and moves the version.
	r = s.Do(http.MethodPatch, "/Users/"+id, tok, patchBody(`{"op":"replace","path":"title","value":"Boss"}`), "If-Match: "+strong1).
		Expect(t, http.StatusOK)
	v2 := r.Header.Get("ETag")
	if u := genesysUser(t, s, id); v2 == v1 || v2 != `W/"`+strconv.Itoa(u.Version)+`"` || u.Title != "Boss" {
		t.Fatalf("after the PATCH: ETag %q (was %q), Genesys %+v", v2, v1, u)
	}
	s.Do(http.MethodGet, "/Users/"+id, tok, nil, "If-None-Match: "+v1).Expect(t, http.StatusOK)

	// v1 is stale now: every write with it is 412 and changes nothing.
	before, patches := genesysUser(t, s, id), s.Emu.Calls(upstreamPatch)
	for _, req := range []struct{ method, body string }{
		{http.MethodPatch, patchBody(`{"op":"replace","path":"title","value":"Stale"}`)},
		{http.MethodPut, `{"userName":"pat@example.com","title":"Stale"}`},
		{http.MethodDelete, ""},
	} {
		var body any
		if req.body != "" {
			body = req.body
		}
		s.Do(req.method, "/Users/"+id, tok, body, "If-Match: "+v1).ExpectSCIMError(t, http.StatusPreconditionFailed, "")
	}
	expectUnchanged(t, s, before, patches)

	// The current version deletes.
	s.Do(http.MethodDelete, "/Users/"+id, tok, nil, "If-Match: "+v2).Expect(t, http.StatusNoContent)
	if u := genesysUser(t, s, id); u.State != "deleted" {
		t.Fatalf("after DELETE with the current If-Match, Genesys state %s", u.State)
	}
	s.NoRejections()
}
