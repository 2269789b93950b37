package scim

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

// Text that is not Unicode is refused whatever the read boundaries: the
// decoder reads in chunks, and a sequence or an escape may be cut by one.
func TestDecodeJSONText(t *testing.T) {
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"ASCII", `{"userName":"jo@example.com"}`, true},
		{"two-, three- and four-byte characters", `{"n":"é€😀"}`, true},
		{"U+FFFD sent as such", "{\"n\":\"\uFFFD\"}", true},
		{"escaped U+FFFD", `{"n":"\ufffd"}`, true},
		{"escaped BMP character", `{"n":"\u00e9\u20AC"}`, true},
		{"escaped surrogate pair", `{"n":"\ud83d\ude00"}`, true},
		{"an escaped backslash before u", `{"n":"\\ud800"}`, true},
		{"escapes of every kind", `{"n":"\"\\\/\b\f\n\r\t\u0041"}`, true},
		{"a stray byte", "{\"n\":\"\xffjo@example.com\"}", false},
		{"another stray byte", "{\"n\":\"\xfejo@example.com\"}", false},
		{"a sequence cut short", "{\"n\":\"\xe2\x82jo\"}", false},
		{"a sequence cut at the end of a key", "{\"n\xe2\x82\":1}", false},
		{"an overlong encoding", "{\"n\":\"\xc0\xaf\"}", false},
		{"a surrogate encoded as UTF-8", "{\"n\":\"\xed\xa0\x80\"}", false},
		{"a lone low surrogate", `{"n":"\udc00jo@example.com"}`, false},
		{"a lone high surrogate", `{"n":"\ud800jo"}`, false},
		{"a high surrogate before another escape", `{"n":"\ud800\n"}`, false},
		{"a high surrogate before a non-surrogate", `{"n":"\ud800\u0041"}`, false},
		{"a pair in the wrong order", `{"n":"\udc00\ud800"}`, false},
		{"two high surrogates", `{"n":"\ud800\ud800"}`, false},
		{"in a key", `{"\udc00":1}`, false},
	}
	readers := map[string]func(string) io.Reader{
		"whole":       func(s string) io.Reader { return strings.NewReader(s) },
		"byte a read": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"half a read": func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for rn, reader := range readers {
			t.Run(tt.name+"/"+rn, func(t *testing.T) {
				_, err := DecodeJSON(reader(tt.body))
				if tt.ok {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				wantErr(t, err, http.StatusBadRequest, InvalidValue)
			})
		}
	}
}
