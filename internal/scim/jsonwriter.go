package scim

import (
	"strconv"
	"time"
)

// jsonWriter appends JSON to a byte slice and places the commas: more says
// whether the current object or array already holds an item, so the next
// one needs a comma. One flag is enough because a nested container, once
// closed, is itself an item of its parent. Keys are written as they are:
// every key this package writes is plain ASCII that needs no escaping.
type jsonWriter struct {
	b    []byte
	more bool
	err  error // the first value JSON cannot hold (a NaN proficiency)

	pooled *[]byte // the bodyPool entry b came from, if any
}

func (w *jsonWriter) comma() {
	if w.more {
		w.b = append(w.b, ',')
	}
}

func (w *jsonWriter) open(c byte) {
	w.comma()
	w.b = append(w.b, c)
	w.more = false
}

func (w *jsonWriter) close(c byte) {
	w.b = append(w.b, c)
	w.more = true
}

func (w *jsonWriter) beginObject() { w.open('{') }
func (w *jsonWriter) endObject()   { w.close('}') }
func (w *jsonWriter) beginArray()  { w.open('[') }
func (w *jsonWriter) endArray()    { w.close(']') }

// key starts an object member.
func (w *jsonWriter) key(k string) {
	w.comma()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
	w.more = false
}

func (w *jsonWriter) string(s string) {
	w.comma()
	w.b = appendJSONString(w.b, s)
	w.more = true
}

func (w *jsonWriter) bool(v bool) {
	w.comma()
	w.b = strconv.AppendBool(w.b, v)
	w.more = true
}

func (w *jsonWriter) int(n int) {
	w.comma()
	w.b = strconv.AppendInt(w.b, int64(n), 10)
	w.more = true
}

func (w *jsonWriter) float(f float64) {
	w.comma()
	var err error
	if w.b, err = appendJSONFloat(w.b, f); err != nil && w.err == nil {
		w.err = err
	}
	w.more = true
}

// stringMember writes k: v unless v is empty (absent, never "").
func (w *jsonWriter) stringMember(k, v string) {
	if v != "" {
		w.key(k)
		w.string(v)
	}
}

// timeMember writes k: t in RFC 3339 (UTC) unless t is zero.
func (w *jsonWriter) timeMember(k string, t time.Time) {
	if t.IsZero() {
		return
	}
	w.key(k)
	w.comma()
	w.b = append(w.b, '"')
	w.b = t.UTC().AppendFormat(w.b, time.RFC3339)
	w.b = append(w.b, '"')
	w.more = true
}
