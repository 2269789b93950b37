package scim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestReadJSON(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		status                  int // 0: accepted
		scimType                string
	}{
		{"scim+json", "application/scim+json", `{"a":1}`, 0, ""},
		{"scim+json with charset (Okta)", "application/scim+json; charset=utf-8", `{"a":1}`, 0, ""},
		{"json (Okta POST)", "application/json", `{"a":1}`, 0, ""},
		{"json with parameters, any case", "Application/JSON; charset=UTF-8", `{"a":1}`, 0, ""},
		{"no content type", "", `{"a":1}`, 0, ""},
		{"text/plain", "text/plain", `{"a":1}`, 415, ""},
		{"xml", "application/xml", `{"a":1}`, 415, ""},
		{"multipart", "multipart/form-data; boundary=x", `{"a":1}`, 415, ""},
		{"unparsable media type", "application/json; =", `{"a":1}`, 415, ""},
		{"empty body", "application/json", ``, 400, InvalidSyntax},
		{"blank body", "application/json", " \n ", 400, InvalidSyntax},
		{"malformed JSON (Postman junk)", "application/json", `{"acve": tre, "x"}`, 400, InvalidSyntax},
		{"trailing data", "application/json", `{"a":1} {"b":2}`, 400, InvalidSyntax},
		{"trailing garbage", "application/json", `{"a":1}x`, 400, InvalidSyntax},
		{"exactly the limit is fine", "application/json", `"` + strings.Repeat("a", MaxBodyBytes-2) + `"`, 0, ""},
		{"one byte over the limit", "application/json", `"` + strings.Repeat("a", MaxBodyBytes-1) + `"`, 413, ""},
		{"a small value, then spaces past the limit", "application/json", `{"a":1}` + strings.Repeat(" ", MaxBodyBytes), 413, ""},
		{"malformed and over the limit is 413, as before decoding", "application/json", `{"a": tre` + strings.Repeat("x", MaxBodyBytes), 413, ""},
		{"trailing data past the limit", "application/json", `{"a":1}{` + strings.Repeat(" ", MaxBodyBytes), 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/scim/v2/Users", strings.NewReader(tt.body))
			r.ContentLength = -1 // as with chunked bodies: the reader must enforce the limit
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			v, err := ReadJSON(r)
			if tt.status == 0 {
				var want any
				if jerr := json.Unmarshal([]byte(tt.body), &want); err != nil || jerr != nil || !jsonDeepEqual(v, want) {
					t.Fatalf("ReadJSON = %.60v, %v", v, err)
				}
				return
			}
			wantErr(t, err, tt.status, tt.scimType)
		})
	}
}

func TestReadJSONDeclaredLengthTooLarge(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
	r.ContentLength = MaxBodyBytes + 1
	_, err := ReadJSON(r)
	wantErr(t, err, http.StatusRequestEntityTooLarge, "")
}

// The body is read exactly once, and never more than one byte past the
// limit, whatever it holds.
func TestReadJSONReadsAtMostTheLimit(t *testing.T) {
	for _, body := range []string{`{"a":1}` + strings.Repeat(" ", 3*MaxBodyBytes), `{"a": tre` + strings.Repeat("x", 3*MaxBodyBytes)} {
		src := strings.NewReader(body)
		r := httptest.NewRequest(http.MethodPost, "/", src)
		r.ContentLength = -1
		_, err := ReadJSON(r)
		wantErr(t, err, http.StatusRequestEntityTooLarge, "")
		if read := int(src.Size()) - src.Len(); read != MaxBodyBytes+1 {
			t.Fatalf("read %d bytes, want %d", read, MaxBodyBytes+1)
		}
	}
}

// A body that fails to arrive is 400 invalidSyntax with the cause kept.
func TestReadJSONReadError(t *testing.T) {
	cause := errors.New("connection reset")
	r := httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader(`{"a":`), errReader{cause}))
	_, err := ReadJSON(r)
	e := wantErr(t, err, http.StatusBadRequest, InvalidSyntax)
	if !errors.Is(e, cause) || !strings.Contains(e.Detail, "could not be read") {
		t.Fatalf("error %v (cause %v)", e, e.Cause)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestDecodeJSON(t *testing.T) {
	v, err := DecodeJSON(strings.NewReader(` {"id":12345678901234567890,"a":[1.50,true,null,"x"]} `))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"id": json.Number("12345678901234567890"),
		"a": []any{json.Number("1.50"), true, nil, "x"}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v", v)
	}
	for _, bad := range []string{``, ` `, `{`, `{"a":1}}`, `1 2`, `"x"x`} {
		_, err := DecodeJSON(strings.NewReader(bad))
		wantErr(t, err, http.StatusBadRequest, InvalidSyntax)
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		body       string
		retryAfter string
		allow      string
	}{
		{"scim error", Errorf(409, Uniqueness, "userName is taken"), 409,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName is taken"}`, "", ""},
		{"wrapped scim error", errors.Join(errors.New("ctx"), NotFound("x")), 404,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"User \"x\" not found"}`, "", ""},
		{"retry-after rounds up", &Error{Status: 429, Detail: "slow down", RetryAfter: 1500 * time.Millisecond}, 429,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"slow down"}`, "2", ""},
		{"allow header", &Error{Status: 405, Detail: "no", Allow: "GET, POST"}, 405,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"405","detail":"no"}`, "", "GET, POST"},
		{"empty detail gets the status text", &Error{Status: 501}, 501,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"501","detail":"Not Implemented"}`, "", ""},
		{"plain error is a generic 500 revealing nothing", errors.New("dial tcp api.mypurecloud.com: token abc123"), 500,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"internal error; the request may be retried"}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, tt.err)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != ContentType {
				t.Fatalf("Content-Type %q", ct)
			}
			var got any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, got, tt.body)
			if h := w.Header().Get("Retry-After"); h != tt.retryAfter {
				t.Fatalf("Retry-After %q, want %q", h, tt.retryAfter)
			}
			if h := w.Header().Get("Allow"); h != tt.allow {
				t.Fatalf("Allow %q, want %q", h, tt.allow)
			}
		})
	}
}

func TestParseETags(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		star bool
	}{
		{`W/"3"`, []string{"3"}, false},
		{`"3"`, []string{"3"}, false},
		{`w/"a,b", "c" ,W/"d"`, []string{"a,b", "c", "d"}, false},
		{`*`, nil, true},
		{``, nil, false},
		{`3`, []string{"3"}, false},
	}
	for _, tt := range tests {
		got, star := parseETags(tt.in)
		if !jsonDeepEqual(got, tt.want) || star != tt.star {
			t.Errorf("parseETags(%q) = %q, %v; want %q, %v", tt.in, got, star, tt.want, tt.star)
		}
	}
}
