package scim

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// MaxBodyBytes is the largest request body accepted (RFC 7644 §3.12 413).
const MaxBodyBytes = 1 << 20

// ContentType is the media type of every response.
const ContentType = "application/scim+json"

// ReadJSON reads and decodes a request body that must be one JSON value,
// and returns the value as DecodeJSON does: the body is parsed once, and
// DecodeUser, ParsePatch, DecodeGroup and ParseGroupPatch take the result.
// It enforces the media type (415), the size limit (413: a declared length
// over the limit costs nothing, and a body is never read more than one byte
// past it), and the syntax: an empty body, malformed JSON or trailing data
// after the value is 400 invalidSyntax. A body over the limit is 413 even
// when it is also malformed.
func ReadJSON(r *http.Request) (any, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/scim+json" && mt != "application/json") {
			return nil, Errorf(http.StatusUnsupportedMediaType, "",
				"request bodies must be application/scim+json or application/json")
		}
	}
	tooLarge := Errorf(http.StatusRequestEntityTooLarge, "",
		"request body exceeds %d bytes", MaxBodyBytes)
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge
	}
	if r.Body == nil {
		return nil, Errorf(http.StatusBadRequest, InvalidSyntax, "request body is empty")
	}
	body := &limitedBody{r: r.Body}
	v, err := DecodeJSON(body)
	if err != nil {
		// The decoder stops at the first error; whether the body is too
		// large decides between 413 and 400, so read on to the limit.
		_, _ = io.Copy(io.Discard, body)
	}
	switch {
	case body.n > MaxBodyBytes:
		return nil, tooLarge
	case body.err != nil:
		return nil, &Error{Status: http.StatusBadRequest, ScimType: InvalidSyntax,
			Detail: "request body could not be read", Cause: body.err}
	case err != nil:
		return nil, err
	}
	return v, nil
}

// limitedBody reads a request body up to one byte past MaxBodyBytes, counting
// the bytes and keeping the first read error other than io.EOF.
type limitedBody struct {
	r   io.Reader
	n   int64
	err error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	left := MaxBodyBytes + 1 - b.n
	if left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// DecodeJSON decodes exactly one JSON value from r and refuses trailing data,
// which json.Decoder alone would accept. Numbers are json.Number (so an id
// sent as a large number keeps its digits); objects are map[string]any and
// arrays []any. Failures are 400 invalidSyntax, but text that is not
// Unicode (see textCheck) is 400 invalidValue. It enforces no size limit:
// ReadJSON does.
func DecodeJSON(r io.Reader) (any, error) {
	text := &textCheck{r: r}
	dec := json.NewDecoder(text)
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if err == io.EOF {
			return nil, Errorf(http.StatusBadRequest, InvalidSyntax, "request body is empty")
		}
		return nil, &Error{Status: http.StatusBadRequest, ScimType: InvalidSyntax,
			Detail: "request body is not valid JSON", Cause: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, Errorf(http.StatusBadRequest, InvalidSyntax,
			"request body has data after the JSON value")
	}
	if text.bad {
		return nil, Errorf(http.StatusBadRequest, InvalidValue,
			"request body holds text that is not valid UTF-8 (a stray byte, or an escaped surrogate without its pair)")
	}
	return v, nil
}

// asObject is the body as a JSON object, for bodies that must be one.
func asObject(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, Errorf(http.StatusBadRequest, InvalidSyntax, "request body must be a JSON object")
	}
	return m, nil
}

// WriteJSON writes v as a SCIM response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(w, err)
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// AsError returns the *Error in err's chain, or a generic 500 carrying err as
// its Cause: anything the protocol layer did not word itself must not reach
// the caller, because it may name internals.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Status >= 400 && e.Status <= 599 {
		return e
	}
	return &Error{Status: http.StatusInternalServerError,
		Detail: "internal error; the request may be retried", Cause: err}
}

// WriteError renders err as an RFC 7644 §3.12 error body, with Retry-After and
// Allow headers when the *Error carries them.
func WriteError(w http.ResponseWriter, err error) {
	e := AsError(err)
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	if e.Allow != "" {
		w.Header().Set("Allow", e.Allow)
	}
	body := map[string]any{"schemas": []string{ErrorURN}, "status": strconv.Itoa(e.Status)}
	if e.ScimType != "" {
		body["scimType"] = e.ScimType
	}
	detail := strings.TrimSpace(e.Detail)
	if detail == "" {
		detail = http.StatusText(e.Status)
	}
	body["detail"] = detail
	b, _ := json.Marshal(body) // a map of strings always marshals
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// Response bodies are built in pooled buffers: a 100-user page is about
// 100 KiB, and allocating it per request is a large share of a list's
// garbage. Buffers that grew past maxPooledBody are left to the GC.
const maxPooledBody = 1 << 20

var bodyPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 16<<10)
	return &b
}}

// newJSONWriter returns a jsonWriter over a pooled buffer; writeTo returns
// the buffer.
func newJSONWriter() *jsonWriter {
	p := bodyPool.Get().(*[]byte)
	return &jsonWriter{b: (*p)[:0], pooled: p}
}

// writeTo sends what w holds as a SCIM response with the given status, as
// WriteJSON does (a value JSON cannot hold is a 500 error body instead), and
// gives the buffer back: http.ResponseWriter does not retain what it is
// given.
func (w *jsonWriter) writeTo(rw http.ResponseWriter, status int) {
	if w.err != nil {
		WriteError(rw, w.err)
	} else {
		rw.Header().Set("Content-Type", ContentType)
		rw.WriteHeader(status)
		_, _ = rw.Write(w.b)
	}
	if w.pooled != nil && cap(w.b) <= maxPooledBody {
		*w.pooled = w.b[:0]
		bodyPool.Put(w.pooled)
	}
	w.b, w.pooled = nil, nil
}
