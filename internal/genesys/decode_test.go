package genesys

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// sampleUser is a search hit as Genesys (and the emulator) render it,
// including fields this product does not read.
const sampleUser = `{"id":"u1","name":"Ann Bee","division":{"id":"d1","name":"Home","selfUri":"/api/v2/authorization/divisions/d1"},
 "chat":{"jabberId":"x@y"},"department":"Ops","email":"ann@example.com",
 "primaryContactInfo":[{"address":"ann@example.com","mediaType":"EMAIL","type":"PRIMARY"}],
 "addresses":[{"address":"+15551234","display":"(555) 1234","mediaType":"PHONE","type":"WORK","extension":"12","countryCode":"US"}],
 "state":"active","title":"Agent","username":"ann@example.com","manager":{"id":"m1","selfUri":"/api/v2/users/m1"},
 "version":7,"acdAutoAnswer":false,"selfUri":"/api/v2/users/u1",
 "skills":[{"id":"s1","name":"Billing","proficiency":4.5,"state":"active","selfUri":"/x"}],
 "languages":[{"id":"l1","name":"English","proficiency":3}],
 "groups":[{"id":"g1","selfUri":"/api/v2/groups/g1"},{"id":"g2","selfUri":"/api/v2/groups/g2"}]}`

// decodeCases are bodies every decoder must treat as encoding/json does;
// want* fields state what that is, so the cases also pin the behaviour.
var decodeCases = []struct {
	name    string
	body    string
	wantErr bool
}{
	{"a full page", `{"total":2,"pageCount":1,"pageSize":25,"pageNumber":1,"types":["users"],"results":[` + sampleUser + `,` + sampleUser + `]}`, false},
	{"results absent", `{"total":0,"pageCount":0,"pageSize":1,"pageNumber":1}`, false},
	{"results empty", `{"total":0,"results":[]}`, false},
	{"results null", `{"total":0,"results":null}`, false},
	{"a null hit", `{"total":1,"results":[null]}`, false},
	{"version as a string", `{"results":[{"id":"u","version":"152"}]}`, false},
	{"version null", `{"results":[{"id":"u","version":null}]}`, false},
	{"version not a number", `{"results":[{"id":"u","version":"v1"}]}`, true},
	{"version a fraction", `{"results":[{"id":"u","version":1.5}]}`, true},
	{"keys in another case", `{"TOTAL":3,"Results":[{"ID":"u","Email":"E@x","Division":{"Id":"d"},"selfuri":"s"}]}`, false},
	{"a Kelvin sign folds to k", `{"results":[{"s\u212aills":[{"id":"s"}],"ﬁrst":"x"}]}`, false},
	{"exact key beats folded", `{"results":[{"id":"a","ID":"b"}]}`, false},
	{"duplicate keys: last wins, objects merge", `{"results":[{"id":"a","division":{"id":"d","name":"n"},"division":{"id":"e"}}],"total":1,"total":2}`, false},
	{"duplicate arrays reuse elements", `{"results":[{"id":"a","name":"x"},{"id":"b"}],"results":[{"id":"c"}],"results":[{},{}]}`, false},
	{"null fields", `{"total":null,"results":[{"id":null,"division":null,"addresses":null,"skills":[{"proficiency":null}]}]}`, false},
	{"groups empty", `{"results":[{"id":"u","groups":[]}]}`, false},
	{"groups null", `{"results":[{"id":"u","groups":null}]}`, false},
	{"a null group", `{"results":[{"id":"u","groups":[null,{"id":"g"}]}]}`, false},
	{"groups with unknown keys and folded case", `{"results":[{"GROUPS":[{"ID":"g","SelfUri":"/g","extra":{"a":[1]}}]}]}`, false},
	{"duplicate groups reuse elements", `{"results":[{"groups":[{"id":"a","name":"x"},{"id":"b"}],"groups":[{"id":"c"}]}]}`, false},
	{"groups an object", `{"results":[{"groups":{"id":"g"}}]}`, true},
	{"a group that is a string", `{"results":[{"groups":["g1"]}]}`, true},
	{"a group id a number", `{"results":[{"groups":[{"id":1}]}]}`, true},
	{"escapes and unicode", `{"results":[{"id":"u\"1\\\/\b\f\n\r\t\u0000\u00e9\ud83d\ude00","name":"É 中文 😀"}]}`, false},
	{"lone surrogates", `{"results":[{"id":"\ud800\u0041\udc00\ud800\ud800"}]}`, false},
	{"invalid UTF-8", "{\"results\":[{\"id\":\"a\xffb\xc3\",\"name\":\"\xed\xa0\x80\"}]}", false},
	{"escaped invalid UTF-8", "{\"results\":[{\"id\":\"\\n\xff\"}]}", false},
	{"escaped keys", `{"res\u0075lts":[{"\u0069d":"u"}]}`, false},
	{"whitespace around", " \t\r\n{\"total\":1}\n ", false},
	{"top-level null", `null`, false},
	{"large total", `{"total":9223372036854775807}`, false},
	{"total overflows", `{"total":9223372036854775808}`, true},
	{"total a fraction", `{"total":1.0}`, true},
	{"total in exponent form", `{"total":1e2}`, true},
	{"total a string", `{"total":"1"}`, true},
	{"proficiency out of range", `{"results":[{"skills":[{"proficiency":1e400}]}]}`, true},
	{"proficiency a string", `{"results":[{"skills":[{"proficiency":"4"}]}]}`, true},
	{"id a number", `{"results":[{"id":1}]}`, true},
	{"division a string", `{"results":[{"division":"d1"}]}`, true},
	{"addresses an object", `{"results":[{"addresses":{}}]}`, true},
	{"a hit that is a string", `{"results":["u1"]}`, true},
	{"results an object", `{"results":{}}`, true},
	{"top-level array", `[]`, true},
	{"top-level string", `"x"`, true},
	{"truncated", `{"total":2,"results":[{"id":"u1","name":"Ann"`, true},
	{"truncated in a string", `{"total":2,"results":[{"id":"u1`, true},
	{"trailing data", `{"total":1} {"total":2}`, true},
	{"trailing comma", `{"total":1,}`, true},
	{"raw control character", "{\"results\":[{\"id\":\"a\x01b\"}]}", true},
	{"bad escape", `{"results":[{"id":"\x"}]}`, true},
	{"bad literal", `{"total":nul}`, true},
	{"leading zero", `{"total":01}`, true},
	{"NaN", `{"total":NaN}`, true},
	{"empty", ``, true},
	{"deep but within limit", `{"x":` + strings.Repeat("[", maxNesting-1) + strings.Repeat("]", maxNesting-1) + `}`, false},
	{"too deep", `{"x":` + strings.Repeat("[", maxNesting) + strings.Repeat("]", maxNesting) + `}`, true},
	{"brackets in strings are not nesting", `{"x":"` + strings.Repeat("[", 2*maxNesting) + `"}`, false},
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			errs := checkDecoders(t, tc.body)
			if (errs != nil) != tc.wantErr {
				t.Fatalf("error = %v, want error %v", errs, tc.wantErr)
			}
		})
	}
}

func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, tc := range decodeCases {
		if len(tc.body) < 1000 {
			f.Add(tc.body)
		}
	}
	f.Fuzz(func(t *testing.T, body string) { checkDecoders(t, body) })
}

// checkDecoders decodes body into each type with a fast decoder and with
// encoding/json and requires the same outcome: both fail, or both give
// the same value. It returns the SearchResponse decoder's error.
func checkDecoders(t *testing.T, body string) error {
	t.Helper()
	var err error
	for _, mk := range []func() bodyDecoder{
		func() bodyDecoder { return &SearchResponse{} },
		func() bodyDecoder { return &UserPage{} },
		func() bodyDecoder { return &User{} },
	} {
		fast, std := mk(), mk()
		ferr, serr := fast.decodeBody(body), json.Unmarshal([]byte(body), std)
		if (ferr == nil) != (serr == nil) {
			t.Fatalf("%T from %q: error %v, encoding/json's %v", fast, body, ferr, serr)
		}
		if ferr == nil && !reflect.DeepEqual(fast, std) {
			t.Fatalf("%T from %q:\n got %+v\nwant %+v", fast, body, fast, std)
		}
		if _, ok := fast.(*SearchResponse); ok {
			err = ferr
		}
	}
	return err
}

// TestDecodedValues pins what the decoders give, independently of
// encoding/json.
func TestDecodedValues(t *testing.T) {
	var r SearchResponse
	body := `{"total":2,"results":[` + sampleUser + `,{"id":"u2","version":"152","email":"\u00e9@x"}]}`
	if err := r.decodeBody(body); err != nil {
		t.Fatal(err)
	}
	p := 4.5
	want := User{ID: "u1", Name: "Ann Bee", Email: "ann@example.com", Username: "ann@example.com", State: StateActive,
		Title: "Agent", Department: "Ops", Division: &Ref{ID: "d1", Name: "Home", SelfURI: "/api/v2/authorization/divisions/d1"},
		Manager:            &Ref{ID: "m1", SelfURI: "/api/v2/users/m1"},
		Addresses:          []Contact{{Address: "+15551234", Display: "(555) 1234", MediaType: MediaPhone, Type: ContactWork, Extension: "12", CountryCode: "US"}},
		PrimaryContactInfo: []Contact{{Address: "ann@example.com", MediaType: MediaEmail, Type: "PRIMARY"}},
		Version:            7, Skills: []UserRoutingSkill{{ID: "s1", Name: "Billing", Proficiency: p, State: "active"}},
		Languages: []UserRoutingLanguage{{ID: "l1", Name: "English", Proficiency: 3}},
		Groups:    []Ref{{ID: "g1", SelfURI: "/api/v2/groups/g1"}, {ID: "g2", SelfURI: "/api/v2/groups/g2"}},
		SelfURI:   "/api/v2/users/u1"}
	if r.Total != 2 || len(r.Results) != 2 || !reflect.DeepEqual(r.Results[0], want) {
		t.Fatalf("decoded %+v", r)
	}
	// The list decoder (GET /api/v2/users, group members) reads the same
	// users the same way.
	var page UserPage
	if err := page.decodeBody(`{"entities":[` + sampleUser + `],"total":1}`); err != nil {
		t.Fatal(err)
	}
	if len(page.Entities) != 1 || !reflect.DeepEqual(page.Entities[0], want) {
		t.Fatalf("page decoded %+v", page)
	}
	if u := r.Results[1]; u.Version != 152 || u.Email != "é@x" {
		t.Fatalf("second hit %+v", u)
	}
}

// TestDecoderKeysMatchTags keeps each decoder's key list equal to its
// type's JSON tags, so a field added to a type cannot be silently skipped.
func TestDecoderKeysMatchTags(t *testing.T) {
	for _, tc := range []struct {
		typ  any
		keys []string
	}{
		{SearchResponse{}, searchResponseKeys}, {UserPage{}, userPageKeys}, {User{}, userKeys},
		{Ref{}, refKeys}, {Contact{}, contactKeys}, {UserRoutingSkill{}, routingKeys}, {UserRoutingLanguage{}, routingKeys},
	} {
		var tags []string
		rt := reflect.TypeOf(tc.typ)
		for i := range rt.NumField() {
			tags = append(tags, strings.Split(rt.Field(i).Tag.Get("json"), ",")[0])
		}
		if !reflect.DeepEqual(tags, tc.keys) {
			t.Errorf("%s: decoder keys %v, JSON tags %v", rt.Name(), tc.keys, tags)
		}
	}
}

// TestBadSearchBodyIsAnError: through the client, a truncated or malformed
// 200 answer is an error, never a partial page.
func TestBadSearchBodyIsAnError(t *testing.T) {
	for _, body := range []string{
		`{"total":2,"results":[{"id":"u1"},{"id":"u2"`,
		`{"total":2,"results":[{"id":"u1"}]}garbage`,
		`{"total":2,"results":[{"id":"u1","version":"x"}]}`,
	} {
		f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) })
		res, err := f.client().SearchUsers(context.Background(), SearchRequest{PageSize: 2})
		if err == nil || res != nil {
			t.Errorf("%s: got %+v, %v; want an error", body, res, err)
		}
		if err != nil && strings.Contains(err.Error(), "u1") {
			t.Errorf("error names response data: %v", err)
		}
		if errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("a search is repeatable; its decode error is not an unknown outcome: %v", err)
		}
	}
}

// searchPage is a 100-hit search answer.
func searchPage() string {
	hits := make([]string, 100)
	for i := range hits {
		hits[i] = strings.Replace(sampleUser, `"u1"`, `"u`+strconv.Itoa(i)+`"`, 1)
	}
	return `{"total":150,"pageCount":2,"pageSize":100,"pageNumber":1,"types":["users"],"results":[` +
		strings.Join(hits, ",") + `]}`
}

// BenchmarkDecodeSearchPage compares the fast decoder with encoding/json on
// a 100-hit page.
func BenchmarkDecodeSearchPage(b *testing.B) {
	body := searchPage()
	for _, bc := range []struct {
		name   string
		decode func(*SearchResponse) error
	}{
		{"fast", func(r *SearchResponse) error { return r.decodeBody(body) }},
		{"encoding_json", func(r *SearchResponse) error { return json.Unmarshal([]byte(body), r) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var r SearchResponse
				if err := bc.decode(&r); err != nil || len(r.Results) != 100 {
					b.Fatal(err)
				}
			}
		})
	}
}
