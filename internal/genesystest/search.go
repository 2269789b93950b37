package genesystest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Search limits. The real maximum pageSize is undocumented (Genesys's own
// examples use 25 to 100): 100 is the strict choice. The depth and count
// bounds only keep a hostile body cheap.
const (
	maxSearchPageSize = 100
	maxCriteria       = 1000
	maxCriteriaDepth  = 10
)

// searchFields are the fields the emulator indexes. Genesys-authored code
// proves email and state (the Terraform provider's user resource looks a
// deleted user up by EXACT email and state) and name (the developer
// center's search examples); the others are standard or likely. Anything
// else is refused (strict).
var searchFields = []string{"id", "email", "name", "state", "title", "department", "username"}

var supportedCriteria = []string{"EXACT", "STARTS_WITH", "CONTAINS", "REQUIRED_FIELDS", "MATCH_ALL"}

// criterion is one parsed UserSearchCriteria; values are lower-cased.
type criterion struct {
	typ    string
	fields []string
	values []string
	op     string // AND, OR, NOT
	group  []criterion
}

// parser parses criteria lists and remembers whether any criterion (at any
// depth) names the state field.
type parser struct {
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
	if !oneOf(*typ, supportedCriteria) {
		return cr, fmt.Errorf("query criterion: type %q is not supported (use one of %s)", *typ, strings.Join(supportedCriteria, ", "))
	}
	cr.typ = *typ
	for _, f := range fs {
		if !oneOf(f, searchFields) {
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
	case value != nil:
		values = []string{*value}
	case len(values) == 0:
		return cr, fmt.Errorf("query criterion: %s needs a value or values", cr.typ)
	}
	for i, v := range values {
		if v == "" {
			return cr, fmt.Errorf("query criterion: empty value")
		}
		values[i] = strings.ToLower(v)
	}
	cr.fields, cr.values = fs, values
	return cr, nil
}

// field returns the lower-cased value of a search field of n.
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

func (cr *criterion) match(n *snap) bool {
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
	for _, f := range cr.fields {
		fv := n.field(f)
		for _, v := range cr.values {
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
			}
		}
	}
	return false
}

// matchAll applies Elasticsearch bool semantics to a criteria list: AND
// criteria must match, NOT criteria must not, and when OR criteria are
// present at least one of them must.
func matchAll(list []criterion, n *snap) bool {
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

// onlyActive is the implicit criterion of a query that names no state.
var onlyActive = criterion{typ: "EXACT", fields: []string{"state"}, values: []string{stateActive}, op: "AND"}

// handleSearch is POST /api/v2/users/search. Results reflect the search
// index, which lags writes by the configured search lag. Without a state
// criterion only active users match: the real default is undocumented, and
// this forces clients to say what they mean.
func (e *Emulator) handleSearch(c *call) {
	if _, ok := c.queryParams(nil, nil); !ok {
		return
	}
	raw, ok := c.readBody()
	if !ok {
		return
	}
	var (
		pageSize, pageNumber   *int
		sortBy, sortOrder, ips *string
		query, sort            json.RawMessage
		expand                 []string
		enforcePermissions     *bool
	)
	if err := decodeObject(raw, fields{
		"pageSize": &pageSize, "pageNumber": &pageNumber, "sortBy": &sortBy, "sortOrder": &sortOrder,
		"sort": &sort, "query": &query, "expand": &expand, "integrationPresenceSource": &ips,
		"enforcePermissions": &enforcePermissions,
	}); err != nil {
		c.badRequest(err.Error())
		return
	}
	size, number := 25, 1
	switch {
	case pageSize != nil && (*pageSize < 1 || *pageSize > maxSearchPageSize):
		c.badRequest(fmt.Sprintf("pageSize must be from 1 to %d", maxSearchPageSize))
		return
	case pageNumber != nil && (*pageNumber < 1 || *pageNumber > maxPageNumber):
		c.badRequest("pageNumber must be at least 1")
		return
	case sortBy != nil && !oneOf(*sortBy, []string{"email", "name", "id"}):
		c.badRequest("sortBy must be email, name or id")
		return
	case sortOrder != nil && !oneOf(*sortOrder, []string{"ASC", "DESC", "SCORE"}):
		c.badRequest("sortOrder must be ASC, DESC or SCORE")
		return
	case sort != nil:
		c.badRequest("sort is not modeled by the emulator: use sortBy and sortOrder")
		return
	case query == nil:
		c.badRequest("query is required")
		return
	}
	if pageSize != nil {
		size = *pageSize
	}
	if pageNumber != nil {
		number = *pageNumber
	}
	x, ok := c.parseExpand(expand)
	if !ok {
		return
	}
	var p parser
	list, err := p.list(query, 0)
	if err != nil {
		c.badRequest(err.Error())
		return
	}
	if !p.hasState {
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
	desc := sortOrder != nil && *sortOrder == "DESC"
	if sortBy != nil && (sortOrder == nil || *sortOrder != "SCORE") {
		key := *sortBy
		slices.SortStableFunc(hits, func(a, b hit) int {
			r := cmp.Compare(a.s.field(key), b.s.field(key))
			if desc {
				r = -r
			}
			return r
		})
	} else if desc {
		slices.Reverse(hits)
	}
	start, end, pageCount := page(len(hits), size, number)
	b := append(c.buf, `{"total":`...)
	b = appendInt(b, len(hits))
	b = append(b, `,"pageCount":`...)
	b = appendInt(b, pageCount)
	b = append(b, `,"pageSize":`...)
	b = appendInt(b, size)
	b = append(b, `,"pageNumber":`...)
	b = appendInt(b, number)
	b = append(b, `,"types":["users"]`...)
	if start < end {
		b = append(b, `,"results":[`...)
		for i, h := range hits[start:end] {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.appendUser(b, h.u, h.s, x)
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	c.buf = b
	c.writeJSON(http.StatusOK, b)
}

// hit is a search match: the user and the version search saw.
type hit struct {
	u *user
	s *snap
}
