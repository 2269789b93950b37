package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// stringCases are the inputs where JSON string escaping goes wrong first.
var stringCases = []string{
	"",
	"plain ascii",
	`quote " and backslash \ and slash /`,
	"\x00\x01\x07\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f \x7f",
	"html <script>&amp;</script>",
	"\u2028 line and \u2029 paragraph separators, \u2027 and \u202a are fine",
	"invalid utf-8: \xff \xfe \xc3 \xe2\x80 \xed\xa0\x80 (surrogate) \xf4\x90\x80\x80 (too big)",
	"truncated at the end \xe2\x82",
	"overlong \xc0\xaf and \xe0\x80\xaf",
	"BMP é ñ 中文, astral 😀 𝄞, replacement \ufffd itself",
	strings.Repeat("a\"b\\c\n", 50),
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range stringCases {
		t.Run("", func(t *testing.T) { checkString(t, s) })
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range stringCases {
		f.Add(s)
	}
	f.Fuzz(checkString)
}

// checkString holds appendJSONString to encoding/json byte for byte, and its
// body form to the same bytes without quotes.
func checkString(t *testing.T, s string) {
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendJSONString([]byte("prefix"), s); !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("appendJSONString(%q) = %s, encoding/json gives %s", s, got[len("prefix"):], want)
	}
	if got := appendJSONStringBody(nil, s); !bytes.Equal(got, want[1:len(want)-1]) {
		t.Fatalf("appendJSONStringBody(%q) = %s, want %s", s, got, want[1:len(want)-1])
	}
}

var floatCases = []float64{0, math.Copysign(0, -1), 1, -1, 3, 4.5, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-10,
	1e20, 1e21, 123456789e13, -1e21, math.MaxFloat64, math.SmallestNonzeroFloat64, 1e-100, 5e-324}

func TestAppendJSONFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range floatCases {
		checkFloat(t, f)
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		_, err := appendJSONFloat(nil, f)
		var uve *json.UnsupportedValueError
		if !errors.As(err, &uve) {
			t.Errorf("appendJSONFloat(%v) error = %v, want *json.UnsupportedValueError", f, err)
		}
	}
}

func FuzzAppendJSONFloat(f *testing.F) {
	for _, v := range floatCases {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Skip()
		}
		checkFloat(t, v)
	})
}

func checkFloat(t *testing.T, f float64) {
	want, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendJSONFloat(nil, f)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("appendJSONFloat(%v) = %s, %v; encoding/json gives %s", f, got, err, want)
	}
}
