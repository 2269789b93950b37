package genesystest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search limits, from the Genesys developer center's "Search Limits" page
// (they apply to POST /api/v2/users/search and POST /api/v2/groups/search
// alike): a page holds at most 100 results, paging reaches at most the
// 10,000th result, a criterion holds at most 50 values of at most 300
// characters each. The depth and count bounds only keep a hostile body cheap.
const (
	maxSearchPageSize = 100
	maxSearchResults  = 10000
	maxSearchValues   = 50
	maxSearchValueLen = 300
	maxCriteria       = 1000
	maxCriteriaDepth  = 10
)

// searchSpec is what one search endpoint indexes and accepts. Anything
// outside it is refused (strict).
type searchSpec struct {
	fields []string // searchable fields
	types  []string // supported criterion types
	// exactCase are the fields on which EXACT compares case-sensitively;
	// every other comparison is case-insensitive.
	exactCase []string
	sortBy    []string
	typ       string // the "types" value of the answer
}

// userSearch is POST /api/v2/users/search. Genesys-authored code proves
// email and state (the Terraform provider's user resource looks a deleted
// user up by EXACT email and state) and name (the developer center's search
// examples); the other fields are standard or likely. The other criterion
// types (TERM, REGEX...) are refused: nothing the product needs, and their
// semantics on user fields are unverified.
var userSearch = searchSpec{
	fields: []string{"id", "email", "name", "state", "title", "department", "username"},
	types:  []string{"EXACT", "STARTS_WITH", "CONTAINS", "REQUIRED_FIELDS", "MATCH_ALL"},
	sortBy: []string{"email", "name", "id"},
	typ:    "users",
}

// groupSearch is POST /api/v2/groups/search (GroupSearchCriteria). The
// Terraform provider finds a group by EXACT name; EXACT on name is
// case-sensitive here: the least convenient of the plausible answers (a
// keyword field), so a client must not rely on the case of a name it did
// not write. QUERY_STRING and the range types are refused.
var groupSearch = searchSpec{
	fields:    []string{"id", "name"},
	types:     []string{"EXACT", "STARTS_WITH", "CONTAINS", "REGEX", "TERM", "TERMS", "REQUIRED_FIELDS", "MATCH_ALL"},
	exactCase: []string{"id", "name"},
	sortBy:    []string{"name", "id"},
	typ:       "groups",
}

// searchDoc is a version of an entity as the search index holds it.
type searchDoc interface {
	field(f string) string    // lower-cased value of a search field
	rawField(f string) string // the value as written
}

// criterion is one parsed search criterion.
type criterion struct {
	typ    string
	fields []string
	exact  []bool   // per field: EXACT compares raw values (searchSpec.exactCase)
	values []string // lower-cased
	raw    []string // as given
	res    []*regexp.Regexp
	op     string // AND, OR, NOT
	group  []criterion
}

// parser parses criteria lists and remembers whether any criterion (at any
// depth) names the state field.
type parser struct {
	spec     *searchSpec
	count    int
	hasState bool
}

func (p *parser) list(raw json.RawMessage, depth int) ([]criterion, error) {
	if depth > maxCriteriaDepth {
		return nil, errors.New("query nests groups too deeply")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("query: %v", jsonError(err))
	}
	if len(items) == 0 {
		return nil, errors.New("query and every group must hold at least one criterion")
	}
	out := make([]criterion, 0, len(items))
	for _, it := range items {
		if p.count++; p.count > maxCriteria {
			return nil, errors.New("query has too many criteria")
		}
		cr, err := p.one(it, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, cr)
	}
	return out, nil
}

func (p *parser) one(raw json.RawMessage, depth int) (criterion, error) {
	var (
		typ, value, op *string
		fs, values     []string
		group          json.RawMessage
		unmodeled      json.RawMessage
	)
	err := decodeObject(raw, fields{
		"type": &typ, "fields": &fs, "value": &value, "values": &values, "operator": &op, "group": &group,
		"startValue": &unmodeled, "endValue": &unmodeled, "dateFormat": &unmodeled,
	})
	if err != nil {
		return criterion{}, fmt.Errorf("query criterion: %v", err)
	}
	var cr criterion
	cr.op = "AND"
	if op != nil {
		if !oneOf(*op, []string{"AND", "OR", "NOT"}) {
			return cr, fmt.Errorf("query criterion: operator must be AND, OR or NOT")
		}
		cr.op = *op
	}
	if unmodeled != nil {
		return cr, errors.New("query criterion: startValue, endValue and dateFormat belong to range types, which are not supported")
	}
	if group != nil {
		// A group criterion carries only an operator and its group (strict:
		// mixing in a type or fields is undocumented).
		if typ != nil || fs != nil || value != nil || values != nil {
			return cr, errors.New("query criterion: a group carries no type, fields or values")
		}
		cr.group, err = p.list(group, depth+1)
		return cr, err
	}
	if typ == nil {
		return cr, errors.New("query criterion: type is required")
	}
	if !oneOf(*typ, p.spec.types) {
		return cr, fmt.Errorf("query criterion: type %q is not supported (use one of %s)", *typ, strings.Join(p.spec.types, ", "))
	}
	cr.typ = *typ
	for _, f := range fs {
		if !oneOf(f, p.spec.fields) {
			return cr, fmt.Errorf("query criterion: unknown search field %q", f)
		}
		p.hasState = p.hasState || f == "state"
	}
	hasValue := value != nil || values != nil
	switch cr.typ {
	case "MATCH_ALL":
		if fs != nil || hasValue {
			return cr, errors.New("query criterion: MATCH_ALL takes no fields or values")
		}
		return cr, nil
	case "REQUIRED_FIELDS":
		if len(fs) == 0 || hasValue {
			return cr, errors.New("query criterion: REQUIRED_FIELDS takes fields and no values")
		}
		cr.fields = fs
		return cr, nil
	}
	switch {
	case len(fs) == 0:
		return cr, fmt.Errorf("query criterion: %s needs fields", cr.typ)
	case value != nil && values != nil:
		return cr, fmt.Errorf("query criterion: give value or values, not both")
	case cr.typ == "TERM" && values != nil:
		// The developer center shows TERM with value and TERMS with values
		// (strict: the other pairings are undocumented).
		return cr, errors.New("query criterion: TERM takes value (TERMS takes values)")
	case cr.typ == "TERMS" && value != nil:
		return cr, errors.New("query criterion: TERMS takes values (TERM takes value)")
	case value != nil:
		values = []string{*value}
	case len(values) == 0:
		return cr, fmt.Errorf("query criterion: %s needs a value or values", cr.typ)
	case len(values) > maxSearchValues:
		return cr, fmt.Errorf("query criterion: at most %d values", maxSearchValues)
	}
	cr.raw = values
	cr.values = make([]string, len(values))
	for i, v := range values {
		switch {
		case v == "":
			return cr, fmt.Errorf("query criterion: empty value")
		case utf8.RuneCountInString(v) > maxSearchValueLen:
			return cr, fmt.Errorf("query criterion: a value has more than %d characters", maxSearchValueLen)
		}
		cr.values[i] = strings.ToLower(v)
		if cr.typ == "REGEX" {
			// Elasticsearch anchors regexp queries; RE2 syntax stands in for
			// Lucene's (a pattern it cannot compile is refused).
			re, err := regexp.Compile(`^(?:` + v + `)$`)
			if err != nil {
				return cr, fmt.Errorf("query criterion: invalid REGEX value %q", v)
			}
			cr.res = append(cr.res, re)
		}
	}
	cr.fields = fs
	cr.exact = make([]bool, len(fs))
	for i, f := range fs {
		cr.exact[i] = cr.typ == "EXACT" && oneOf(f, p.spec.exactCase)
	}
	return cr, nil
}

func (cr *criterion) match(n searchDoc) bool {
	switch cr.typ {
	case "":
		return matchAll(cr.group, n)
	case "MATCH_ALL":
		return true
	case "REQUIRED_FIELDS":
		for _, f := range cr.fields {
			if n.field(f) == "" {
				return false
			}
		}
		return true
	}
	for i, f := range cr.fields {
		fv, vals := n.field(f), cr.values
		if cr.exact[i] || cr.typ == "REGEX" {
			fv, vals = n.rawField(f), cr.raw
		}
		for j, v := range vals {
			switch cr.typ {
			case "EXACT":
				if fv == v {
					return true
				}
			case "STARTS_WITH":
				if strings.HasPrefix(fv, v) {
					return true
				}
			case "CONTAINS":
				if strings.Contains(fv, v) {
					return true
				}
			case "TERM", "TERMS":
				if hasToken(fv, v) {
					return true
				}
			case "REGEX":
				if cr.res[j].MatchString(fv) {
					return true
				}
			}
		}
	}
	return false
}

// hasToken reports whether the lower-cased text holds term as one of its
// words (the analyzed field a TERM query meets: the developer center's TERM
// example finds "Smith, Tom" by "Tom").
func hasToken(text, term string) bool {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if w == term {
			return true
		}
	}
	return false
}

// matchAll applies Elasticsearch bool semantics to a criteria list: AND
// criteria must match, NOT criteria must not, and when OR criteria are
// present at least one of them must.
func matchAll(list []criterion, n searchDoc) bool {
	sawOr, anyOr := false, false
	for i := range list {
		cr := &list[i]
		m := cr.match(n)
		switch cr.op {
		case "NOT":
			if m {
				return false
			}
		case "OR":
			sawOr = true
			anyOr = anyOr || m
		default:
			if !m {
				return false
			}
		}
	}
	return !sawOr || anyOr
}

// searchRequest is a validated UserSearchRequest or GroupSearchRequest.
type searchRequest struct {
	size, number int
	sortBy       string // "" when absent
	sortOrder    string // "" when absent
	query        []criterion
	hasState     bool // a criterion names the state field
}

// readSearch reads and validates the body of a search request against
// spec. extra holds the keys only that endpoint takes (the user search's
// expand...), decoded alongside the common ones. It answers the rejection
// itself and returns false when the request is refused.
func (c *call) readSearch(spec *searchSpec, extra fields) (searchRequest, bool) {
	var req searchRequest
	if _, ok := c.queryParams(nil, nil); !ok {
		return req, false
	}
	raw, ok := c.readBody()
	if !ok {
		return req, false
	}
	var (
		pageSize, pageNumber *int
		sortBy, sortOrder    *string
		query, sort          json.RawMessage
	)
	fs := fields{
		"pageSize": &pageSize, "pageNumber": &pageNumber, "sortBy": &sortBy, "sortOrder": &sortOrder,
		"sort": &sort, "query": &query,
	}
	for k, v := range extra {
		fs[k] = v
	}
	if err := decodeObject(raw, fs); err != nil {
		c.badRequest(err.Error())
		return req, false
	}
	req.size, req.number = 25, 1
	if pageSize != nil {
		req.size = *pageSize
	}
	if pageNumber != nil {
		req.number = *pageNumber
	}
	switch {
	case req.size < 1 || req.size > maxSearchPageSize:
		c.badRequest(fmt.Sprintf("pageSize must be from 1 to %d", maxSearchPageSize))
		return req, false
	case req.number < 1 || req.number > maxPageNumber:
		c.badRequest("pageNumber must be at least 1")
		return req, false
	case req.size*req.number > maxSearchResults:
		c.badRequest(fmt.Sprintf("paging is limited to the first %d results", maxSearchResults))
		return req, false
	case sortBy != nil && !oneOf(*sortBy, spec.sortBy):
		c.badRequest("sortBy must be one of " + strings.Join(spec.sortBy, ", "))
		return req, false
	case sortOrder != nil && !oneOf(*sortOrder, []string{"ASC", "DESC", "SCORE"}):
		c.badRequest("sortOrder must be ASC, DESC or SCORE")
		return req, false
	case sort != nil:
		c.badRequest("sort is not modeled by the emulator: use sortBy and sortOrder")
		return req, false
	case query == nil:
		c.badRequest("query is required")
		return req, false
	}
	if sortBy != nil {
		req.sortBy = *sortBy
	}
	if sortOrder != nil {
		req.sortOrder = *sortOrder
	}
	p := parser{spec: spec}
	list, err := p.list(query, 0)
	if err != nil {
		c.badRequest(err.Error())
		return req, false
	}
	req.query, req.hasState = list, p.hasState
	return req, true
}

// sortHits orders hits as req asks: by sortBy (unless sortOrder is SCORE),
// else in index order, reversed for DESC. doc gives a hit's indexed version.
func sortHits[H any](hits []H, req *searchRequest, doc func(H) searchDoc) {
	desc := req.sortOrder == "DESC"
	if req.sortBy != "" && req.sortOrder != "SCORE" {
		slices.SortStableFunc(hits, func(a, b H) int {
			r := cmp.Compare(doc(a).field(req.sortBy), doc(b).field(req.sortBy))
			if desc {
				r = -r
			}
			return r
		})
	} else if desc {
		slices.Reverse(hits)
	}
}

// writeSearch answers a UsersSearchResponse or GroupsSearchResponse for n
// sorted hits; appendHit appends the body of hit i. results is omitted when
// the page is empty, as the real API does.
func (c *call) writeSearch(req *searchRequest, spec *searchSpec, n int, appendHit func(b []byte, i int) []byte) {
	start, end, pageCount := page(n, req.size, req.number)
	b := append(c.buf, `{"total":`...)
	b = appendInt(b, n)
	b = append(b, `,"pageCount":`...)
	b = appendInt(b, pageCount)
	b = append(b, `,"pageSize":`...)
	b = appendInt(b, req.size)
	b = append(b, `,"pageNumber":`...)
	b = appendInt(b, req.number)
	b = append(b, `,"types":["`...)
	b = append(b, spec.typ...)
	b = append(b, `"]`...)
	if start < end {
		b = append(b, `,"results":[`...)
		for i := start; i < end; i++ {
			if i > start {
				b = append(b, ',')
			}
			b = appendHit(b, i)
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	c.buf = b
	c.writeJSON(http.StatusOK, b)
}

// field returns the lower-cased value of a user search field of n.
func (n *snap) field(f string) string {
	switch f {
	case "id":
		return n.id
	case "email", "username":
		return n.lemail
	case "name":
		return n.lname
	case "state":
		return n.state
	case "title":
		return n.ltitle
	case "department":
		return n.ldept
	}
	return ""
}

// rawField returns the value of a user search field of n as written.
func (n *snap) rawField(f string) string {
	switch f {
	case "email", "username":
		return n.email
	case "name":
		return n.name
	case "title":
		return n.title
	case "department":
		return n.department
	}
	return n.field(f)
}

// onlyActive is the implicit criterion of a user query that names no state.
var onlyActive = criterion{typ: "EXACT", fields: []string{"state"}, exact: []bool{false}, values: []string{stateActive}, raw: []string{stateActive}, op: "AND"}

// handleSearch is POST /api/v2/users/search. Results reflect the search
// index, which lags writes by the configured search lag. Without a state
// criterion only active users match: the real default is undocumented, and
// this forces clients to say what they mean.
func (e *Emulator) handleSearch(c *call) {
	var (
		expand             []string
		ips                *string
		enforcePermissions *bool
	)
	req, ok := c.readSearch(&userSearch, fields{
		"expand": &expand, "integrationPresenceSource": &ips, "enforcePermissions": &enforcePermissions,
	})
	if !ok {
		return
	}
	x, ok := c.parseExpand(expand)
	if !ok {
		return
	}
	list := req.query
	if !req.hasState {
		list = append(list, onlyActive)
	}

	e.mu.RLock()
	defer e.mu.RUnlock()
	now := e.now()
	hits := c.hits[:0]
	for _, u := range e.store.users {
		if n := u.visible(now); n != nil && matchAll(list, n) {
			hits = append(hits, hit{u, n})
		}
	}
	c.hits = hits
	sortHits(hits, &req, func(h hit) searchDoc { return h.s })
	c.writeSearch(&req, &userSearch, len(hits), func(b []byte, i int) []byte {
		return e.appendUser(b, hits[i].u, hits[i].s, x)
	})
}

// hit is a search match: the user and the version search saw.
type hit struct {
	u *user
	s *snap
}
