package scim

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// oddStrings end up in every string attribute of oddUser: each needs
// escaping of some kind.
var oddStrings = []string{"\"q\"\\", "\x00\x1f\x7f", "<a>&", "\u2028\u2029", "\xff\xc3", "é😀", " "}

func oddUser(i int) *User {
	s := func(k int) string { return oddStrings[(i+k)%len(oddStrings)] }
	u := fullUser()
	u.ID = "id " + s(0) + "/?#%"
	u.ExternalID, u.UserName, u.DisplayName, u.Title = s(1), s(2), s(3), s(4)
	u.Name = Name{Formatted: s(5), GivenName: s(6), FamilyName: s(0)}
	u.Emails = []MultiValue{{Value: s(1), Type: s(2), Primary: true}, {Value: ""}}
	u.Groups = []GroupRef{{Value: s(3)}, {Display: s(4)}, {}}
	u.Department, u.ManagerID, u.DivisionID = s(5), s(6), s(0)
	u.RoutingLanguages = []NamedProficiency{{Name: s(1), Proficiency: floatPtr(1e-7)}, {Name: ""}}
	u.Meta.Version, u.Meta.Location = s(2), s(3)
	return u
}

func TestAppendUserMatchesEncodeUser(t *testing.T) {
	tests := []struct {
		name string
		user *User
	}{
		{"every attribute", fullUser()},
		{"id and userName only", &User{ID: "u-2", UserName: "x@y.z"}},
		{"nothing at all", &User{}},
		{"manager without department", &User{ID: "m", ManagerID: "boss"}},
		{"department without manager", &User{ID: "d", Department: "Ops"}},
		{"languages without skills, no proficiency", &User{ID: "l", RoutingLanguages: []NamedProficiency{{Name: "English"}}}},
		{"inactive, zero-valued entries", &User{ID: "z", Active: boolPtr(false),
			PhoneNumbers: []MultiValue{{}}, Groups: []GroupRef{{}}}},
		{"created only, non-UTC", &User{ID: "t", Meta: Meta{Created: time.Date(2026, 5, 6, 7, 8, 9, 123, time.FixedZone("x", 3600))}}},
		{"location without id", &User{Meta: Meta{Location: "https://elsewhere/u"}}},
	}
	for i := range oddStrings {
		tests = append(tests, struct {
			name string
			user *User
		}{"odd strings", oddUser(i)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkAppendUser(t, tt.user) })
	}
}

func FuzzAppendUser(f *testing.F) {
	f.Add("u-1", "a@b.c", "Ann Bee", "\u2028<&>", "\xff", 4.5, true)
	f.Fuzz(func(t *testing.T, id, userName, name, s1, s2 string, prof float64, active bool) {
		if math.IsNaN(prof) || math.IsInf(prof, 0) {
			t.Skip()
		}
		u := &User{ID: id, ExternalID: s1, UserName: userName, DisplayName: name,
			Name:   Name{Formatted: name, GivenName: s1, FamilyName: s2},
			Emails: []MultiValue{{Value: userName, Type: s2, Primary: active}}, Active: &active,
			Title: s2, Groups: []GroupRef{{Value: s1, Display: s2}}, Department: s1, ManagerID: s2,
			DivisionID: s1, RoutingSkills: []NamedProficiency{{Name: s2, Proficiency: &prof}},
			Meta: Meta{Version: s1, Location: s2}}
		checkAppendUser(t, u)
	})
}

// checkAppendUser compares the fast encoding of u, decoded, with
// EncodeUser's map as encoding/json renders it, decoded, without a base URL
// and with one that needs escaping.
func checkAppendUser(t *testing.T, u *User) {
	t.Helper()
	for _, base := range []string{"", testBase, "https://gw.example.com/<&>/é"} {
		var w jsonWriter
		w.appendUser(u, newRefPrefixes(base))
		checkSame(t, &w, EncodeUser(u, base))
	}
}

// checkSame compares what w wrote, decoded, with want as encoding/json
// renders it, decoded.
func checkSame(t *testing.T, w *jsonWriter, want map[string]any) {
	t.Helper()
	if w.err != nil {
		t.Fatal(w.err)
	}
	var got any
	if err := json.Unmarshal(w.b, &got); err != nil {
		t.Fatalf("fast encoder wrote invalid JSON %q: %v", w.b, err)
	}
	if want := mustRoundTrip(t, want); !reflect.DeepEqual(got, want) {
		t.Fatalf("fast encoder:\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}
}

func TestAppendUserNaNIsAnError(t *testing.T) {
	var w jsonWriter
	w.appendUser(&User{ID: "n", RoutingSkills: []NamedProficiency{{Name: "x", Proficiency: floatPtr(math.NaN())}}}, nil)
	var uve *json.UnsupportedValueError
	if !errors.As(w.err, &uve) {
		t.Fatalf("err = %v, want *json.UnsupportedValueError", w.err)
	}
}

// TestFastResponsesMatchMapResponses serves the same users with and without
// the fast path (excludedAttributes=id changes nothing, as id is returned
// always, but takes the map path) and requires the same status, headers and
// decoded body, location URLs included.
func TestFastResponsesMatchMapResponses(t *testing.T) {
	ts := newTestServer(t)
	ts.srv.MaxResults = 100
	for i := range oddStrings {
		u := oddUser(i)
		u.ID += string(rune('a' + i))
		ts.be.users[u.ID] = u
	}
	ts.be.users["plain"] = &User{ID: "plain", UserName: "p@x.y"}
	const oddID = "odd id?#%é<&> "
	ts.be.users[oddID] = oddUser(0)
	ts.be.users[oddID].ID = oddID
	for _, target := range []string{
		"/scim/v2/Users",
		"/scim/v2/Users?startIndex=3&count=2",
		"/scim/v2/Users?count=0",
		"/scim/v2/Users/plain",
		"/scim/v2/Users/" + url.PathEscape(oddID),
	} {
		fast := ts.do("GET", target, "")
		slow := ts.do("GET", target+sep(target)+"excludedAttributes=id", "")
		if fast.Code != http.StatusOK || fast.Code != slow.Code {
			t.Fatalf("%s: status %d (map path %d): %s", target, fast.Code, slow.Code, fast.Body)
		}
		for _, h := range []string{"Content-Type", "ETag", "Location"} {
			if fast.Header().Get(h) != slow.Header().Get(h) {
				t.Errorf("%s: %s = %q, map path %q", target, h, fast.Header().Get(h), slow.Header().Get(h))
			}
		}
		if got, want := decodeBody(t, fast), decodeBody(t, slow); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", target, mustJSON(t, got), mustJSON(t, want))
		}
	}
}

func sep(target string) string {
	if strings.Contains(target, "?") {
		return "&"
	}
	return "?"
}
