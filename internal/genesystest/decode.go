package genesystest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxBody bounds API request bodies. The real limit is unknown; 1 MiB is
// far above anything the product sends.
const maxBody = 1 << 20

// bodyOnly reads the body of a call that takes no query parameters (any is
// refused, as readBody refuses a bad body).
func (c *call) bodyOnly() ([]byte, bool) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return nil, false
	}
	return c.readBody()
}

// readBody reads a JSON request body. It answers (415, 413 or 400, each a
// rejection) and returns false when the body cannot be used.
func (c *call) readBody() ([]byte, bool) {
	// The SDKs always send application/json; other types are refused
	// (strict: the real answer to e.g. text/plain is unverified).
	mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		c.reject(http.StatusUnsupportedMediaType, "unsupported.media.type", "Content-Type must be application/json")
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	if err != nil {
		c.badRequest("unreadable request body")
		return nil, false
	}
	if len(b) > maxBody {
		c.reject(http.StatusRequestEntityTooLarge, "request.entity.too.large", "request body too large")
		return nil, false
	}
	return b, true
}

// fields maps the exact (case-sensitive) JSON keys an object may hold to
// where each value is decoded. encoding/json matches keys case-insensitively;
// the real API (Jackson) does not, so keys are checked here first.
type fields map[string]any

// decodeObject decodes the JSON object raw into fs. Unknown keys, a value
// of the wrong type, a non-object and trailing data are errors that name
// the problem. JSON null leaves a target untouched (absent).
func decodeObject(raw []byte, fs fields) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return jsonError(err)
	}
	if m == nil {
		return errors.New("expected a JSON object")
	}
	for k, v := range m {
		dst, ok := fs[k]
		if !ok {
			return fmt.Errorf("unrecognized field %q", k)
		}
		if string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("field %q: %v", k, jsonError(err))
		}
	}
	return nil
}

// decodeArray decodes raw as a JSON array of at most maxItems elements.
func decodeArray(raw []byte, maxItems int) ([]json.RawMessage, error) {
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, jsonError(err)
	}
	if a == nil {
		return nil, errors.New("expected a JSON array")
	}
	if len(a) == 0 || len(a) > maxItems {
		return nil, fmt.Errorf("expected 1 to %d entries, got %d", maxItems, len(a))
	}
	return a, nil
}

// jsonError turns a decoding error into a short message without Go type names.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("unexpected JSON %s", te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("malformed JSON at offset %d", se.Offset)
	}
	return errors.New("malformed JSON")
}

// looksLikeEmail is a deliberately plain check: one @, a local part, a
// dotted domain, no spaces or characters no mailbox has. The real
// validation is unknown; this refuses what it surely refuses.
func looksLikeEmail(s string) bool {
	if len(s) < 3 || len(s) > 254 {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	if strings.ContainsAny(s, " \t\r\n,;:<>()[]\\\"") {
		return false
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return false
	}
	for _, r := range s {
		if r < 0x21 || r == 0x7f {
			return false
		}
	}
	return true
}

var (
	contactMediaTypes = []string{"PHONE", "EMAIL", "SMS"}
	contactTypes      = []string{"PRIMARY", "WORK", "WORK2", "WORK3", "WORK4", "HOME", "MOBILE", "MAIN", "OTHER"}
)

// decodeContacts decodes and validates a list of Contacts (addresses): each
// has a known mediaType and type and an address, at most one entry per
// (mediaType, type). Requiring both enums and an address, and the phone
// check, are strict guesses: the real validation is undocumented.
func decodeContacts(raw json.RawMessage) ([]Contact, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("addresses: %v", jsonError(err))
	}
	out := make([]Contact, 0, len(items))
	seen := make(map[[2]string]bool, len(items))
	for i, it := range items {
		var ct Contact
		err := decodeObject(it, fields{
			"address": &ct.Address, "display": &ct.Display, "mediaType": &ct.MediaType, "type": &ct.Type,
			"extension": &ct.Extension, "countryCode": &ct.CountryCode, "integration": &ct.Integration,
		})
		if err != nil {
			return nil, fmt.Errorf("addresses[%d]: %v", i, err)
		}
		switch {
		case !oneOf(ct.MediaType, contactMediaTypes):
			return nil, fmt.Errorf("addresses[%d]: mediaType must be one of %s", i, strings.Join(contactMediaTypes, ", "))
		case !oneOf(ct.Type, contactTypes):
			return nil, fmt.Errorf("addresses[%d]: type must be one of %s", i, strings.Join(contactTypes, ", "))
		case ct.Address == "" && ct.Extension == "":
			return nil, fmt.Errorf("addresses[%d]: address is required", i)
		case ct.MediaType == "EMAIL" && !looksLikeEmail(ct.Address):
			return nil, fmt.Errorf("addresses[%d]: address is not a valid email address", i)
		case ct.MediaType != "EMAIL" && ct.Address != "" && !looksLikePhone(ct.Address):
			return nil, fmt.Errorf("addresses[%d]: address is not a valid phone number", i)
		}
		k := [2]string{ct.MediaType, ct.Type}
		if seen[k] {
			return nil, fmt.Errorf("addresses: more than one %s address of type %s", ct.MediaType, ct.Type)
		}
		seen[k] = true
		out = append(out, ct)
	}
	return out, nil
}

// looksLikePhone accepts digits with the usual separators and at least three
// digits; URI forms such as "tel:+1...;ext=2" are refused (strict: the
// gateway must send a plain number and put extensions in "extension").
func looksLikePhone(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			digits++
		case ch == '+' && i == 0, ch == ' ', ch == '-', ch == '(', ch == ')', ch == '.':
		default:
			return false
		}
	}
	return digits >= 3
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// readArray reads the body as a JSON array of 1..maxItems elements,
// answering the shape rejection itself when it is not one.
func (c *call) readArray(maxItems int) ([]json.RawMessage, bool) {
	raw, ok := c.readBody()
	if !ok {
		return nil, false
	}
	items, err := decodeArray(raw, maxItems)
	if err != nil {
		c.badRequest(err.Error())
		return nil, false
	}
	return items, true
}
