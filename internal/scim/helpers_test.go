package scim

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// wantErr asserts err is an *Error with the given status and scimType.
func wantErr(t *testing.T, err error, status int, scimType string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error %d %s", err, err, status, scimType)
	}
	if e.Status != status || e.ScimType != scimType {
		t.Fatalf("error = %d %q (%s), want %d %q", e.Status, e.ScimType, e.Detail, status, scimType)
	}
	return e
}

// jsonEqual compares two JSON-able values by their JSON form.
func jsonEqual(t *testing.T, got any, want string) {
	t.Helper()
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(gb, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if !jsonDeepEqual(g, w) {
		t.Fatalf("got  %s\nwant %s", gb, want)
	}
}

func jsonDeepEqual(a, b any) bool {
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return string(ab) == string(bb) // maps marshal with sorted keys
}

func boolPtr(b bool) *bool        { return &b }
func floatPtr(f float64) *float64 { return &f }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustJSONNoT(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// mustRoundTrip returns v as decoded JSON (maps, slices, float64...).
func mustRoundTrip(t *testing.T, v any) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(mustJSON(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// decodeUserJSON is DecodeUser over a body's text, as the server runs it.
func decodeUserJSON(body string) (*User, error) {
	v, err := DecodeJSON(strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	return DecodeUser(v)
}

// parsePatchJSON is ParsePatch over a body's text, as the server runs it.
func parsePatchJSON(body string) (*Patch, error) {
	v, err := DecodeJSON(strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	return ParsePatch(v)
}
