package genesys

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Response decoding without reflection. A 100-user search page decoded by
// encoding/json costs a validation pass plus reflection per field. Here
// gjson.Valid validates the body once, and a reader that relies on
// that validation walks it once, setting fields by hand. (gjson's own
// ForEach re-scans every nested object and array once per level, which
// made it barely faster than encoding/json on a page; see
// BenchmarkDecodeSearchPage.)
//
// The result is exactly what json.Unmarshal gives for the same body into
// the same type (decode_test.go and FuzzDecodeMatchesEncodingJSON hold it to
// that): the same fields set, keys matched exactly or else
// case-insensitively, unknown keys ignored, null leaving a value alone (and
// clearing pointers and slices), a value of the wrong type an error, a body
// that is not one valid JSON value an error. Only whether there is an error
// is the same, not its wording; on error the caller discards the value.

// bodyDecoder is a call.out that decodes a response body itself.
type bodyDecoder interface {
	decodeBody(body string) error
}

// maxNesting is encoding/json's limit on nested objects and arrays; gjson
// has none, and its validation recurses once per level.
const maxNesting = 10000

var (
	errInvalidJSON = errors.New("response body is not valid JSON")
	errTooDeep     = errors.New("response body nests deeper than 10000 levels")
)

// newReader validates body as one JSON value (trailing data, truncation,
// bad literals and raw control characters in strings are all errors) and
// returns a reader at its start. Strings read from it point into body.
func newReader(body string) (*reader, error) {
	if tooDeep(body) {
		return nil, errTooDeep
	}
	if !gjson.Valid(body) {
		return nil, errInvalidJSON
	}
	return &reader{s: body}, nil
}

// tooDeep reports whether body nests objects and arrays deeper than
// maxNesting. Counting brackets settles it at once for ordinary bodies.
func tooDeep(body string) bool {
	if strings.Count(body, "{")+strings.Count(body, "[") <= maxNesting {
		return false
	}
	depth, inString := 0, false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			if depth++; depth > maxNesting {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

// reader walks a body that gjson.Valid accepted, so it never checks
// syntax: every value it is asked for is there and well formed.
type reader struct {
	s string
	i int
}

// next skips whitespace and returns the first byte of the next token.
func (r *reader) next() byte {
	for {
		switch c := r.s[r.i]; c {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return c
		}
	}
}

// typeError reports a JSON value of the wrong type for a field. It names
// the JSON type, never the value (it may be personal data).
func (r *reader) typeError(field string) error {
	var kind string
	switch r.next() {
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case '"':
		kind = "string"
	case 't', 'f':
		kind = "boolean"
	case 'n':
		kind = "null"
	default:
		kind = "number"
	}
	return fmt.Errorf("cannot decode a JSON %s into %s", kind, field)
}

// null consumes a null if one is next.
func (r *reader) null() bool {
	if r.next() == 'n' {
		r.i += len("null")
		return true
	}
	return false
}

// object calls field for each member of an object, in order (a repeated
// key's last value wins); field must consume the member's value. null is no
// change.
func (r *reader) object(what string, field func(key string) error) error {
	if r.null() {
		return nil
	}
	if r.next() != '{' {
		return r.typeError(what)
	}
	r.i++
	if r.next() == '}' {
		r.i++
		return nil
	}
	for {
		r.next()
		key := r.str()
		r.next()
		r.i++ // ':'
		if err := field(key); err != nil {
			return err
		}
		if r.next() == '}' {
			r.i++
			return nil
		}
		r.i++ // ','
	}
}

// readSlice decodes an array into *dst, element by element, reusing
// existing elements and spare capacity as encoding/json does; an empty array
// gives an empty non-nil slice, null a nil one.
func readSlice[T any](r *reader, dst *[]T, what string, elem func(*reader, *T) error) error {
	if r.null() {
		*dst = nil
		return nil
	}
	if r.next() != '[' {
		return r.typeError(what)
	}
	r.i++
	s, i := *dst, 0
	if r.next() == ']' {
		r.i++
	} else {
		for {
			if i < cap(s) {
				s = s[:max(len(s), i+1)]
			} else {
				var zero T
				s = append(s, zero)
			}
			if err := elem(r, &s[i]); err != nil {
				return err
			}
			i++
			if r.next() == ']' {
				r.i++
				break
			}
			r.i++ // ','
		}
	}
	if i == 0 {
		s = []T{}
	}
	*dst = s[:i]
	return nil
}

// plainStringByte[c] reports whether c stands for itself inside a JSON
// string of the body: not the closing quote, not an escape, ASCII.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads the string at r.i (its opening quote) as encoding/json unquotes
// it. A plain string is a substring of the body; one with escapes or
// invalid UTF-8 (which encoding/json turns into U+FFFD) is rare and left to
// encoding/json itself.
func (r *reader) str() string {
	s := r.s
	start := r.i + 1
	i := start
	escaped, nonASCII := false, false
	for {
		for i < len(s) && plainStringByte[s[i]] {
			i++
		}
		switch c := s[i]; {
		case c == '"':
			r.i = i + 1
			if !escaped && (!nonASCII || utf8.ValidString(s[start:i])) {
				return s[start:i]
			}
			var out string
			_ = json.Unmarshal([]byte(s[start-1:i+1]), &out) // a validated JSON string: cannot fail
			return out
		case c == '\\':
			escaped = true
			i += 2 // the escaped byte cannot end the string
		default:
			nonASCII = true
			i++
		}
	}
}

// skip consumes the next value, whatever it is, and returns its text.
func (r *reader) skip() string {
	start := r.i
	switch c := r.next(); c {
	case '"':
		r.str()
	case '{', '[':
		r.skipNested()
	case 't', 'n':
		r.i += 4
	case 'f':
		r.i += 5
	default:
		r.number()
	}
	return r.s[start:r.i]
}

// skipNested consumes an object or an array.
func (r *reader) skipNested() {
	depth := 0
	for {
		switch r.s[r.i] {
		case '"':
			r.str()
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				r.i++
				return
			}
		}
		r.i++
	}
}

// number consumes a number and returns its text.
func (r *reader) number() string {
	start := r.i
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case '-', '+', '.', 'e', 'E', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			r.i++
			continue
		}
		break
	}
	return r.s[start:r.i]
}

// foldKey finds the field name a key matches case-insensitively (as
// encoding/json does when no name matches exactly); "" for none. The names
// are ASCII, so an ASCII key of another length cannot match; only a key
// with non-ASCII letters (the Kelvin sign folds to k) needs every name.
func foldKey(key string, names []string) string {
	ascii := true
	for i := 0; i < len(key) && ascii; i++ {
		ascii = key[i] < utf8.RuneSelf
	}
	for _, n := range names {
		if (len(n) == len(key) || !ascii) && strings.EqualFold(n, key) {
			return n
		}
	}
	return ""
}

func (r *reader) setString(dst *string, what string) error {
	if r.null() {
		return nil
	}
	if r.next() != '"' {
		return r.typeError(what)
	}
	*dst = r.str()
	return nil
}

// setInt takes an integer literal only: 1.0 and 1e3 are errors, as they are
// for encoding/json.
func (r *reader) setInt(dst *int, what string) error {
	if r.null() {
		return nil
	}
	if c := r.next(); c != '-' && (c < '0' || c > '9') {
		return r.typeError(what)
	}
	n, err := strconv.ParseInt(r.number(), 10, strconv.IntSize)
	if err != nil {
		return fmt.Errorf("%s is not an int", what)
	}
	*dst = int(n)
	return nil
}

func (r *reader) setFloat(dst *float64, what string) error {
	if r.null() {
		return nil
	}
	if c := r.next(); c != '-' && (c < '0' || c > '9') {
		return r.typeError(what)
	}
	f, err := strconv.ParseFloat(r.number(), 64)
	if err != nil {
		return fmt.Errorf("%s is out of range for a float64", what)
	}
	*dst = f
	return nil
}

// setRef decodes a division or manager reference: null clears it, an object
// fills it (into the existing one, as encoding/json does).
func (r *reader) setRef(dst **Ref, what string) error {
	if r.null() {
		*dst = nil
		return nil
	}
	if *dst == nil {
		*dst = &Ref{}
	}
	ref := *dst
	return r.object(what, func(key string) error { return ref.field(r, key) })
}
