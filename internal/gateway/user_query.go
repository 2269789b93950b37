package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/caddyscim/caddyscim/internal/genesys"
	"github.com/caddyscim/caddyscim/internal/scim"
)

// Search fields of the Genesys user index this package relies on
// (the fields Genesys's own Terraform provider searches on).
const (
	fieldEmail = "email"
	fieldName  = "name"
	fieldState = "state"
)

// stateCriterion limits a search to active and inactive users. Every list
// search carries it: deleted users must never appear (RFC 7644 section 3.6),
// and the API's default state handling is undocumented.
func stateCriterion() genesys.SearchCriteria {
	return genesys.SearchCriteria{
		Type:     genesys.SearchExact,
		Fields:   []string{fieldState},
		Values:   []string{genesys.StateActive, genesys.StateInactive},
		Operator: genesys.OpAnd,
	}
}

// queryPlan is how ListUsers answers a filter. Exactly one way applies:
//   - none: the filter can match no user (a userName that is not an email,
//     `not (active pr)`...): answered without an upstream call;
//   - lookup: an `id eq` or `externalId eq` conjunct: the one user is fetched
//     directly and the whole filter is evaluated in memory against it;
//   - otherwise criteria: one Genesys search. When postFilter is set the
//     search holds an EXACT email conjunct, so it yields at most one user
//     (emails are unique in Genesys) and the whole filter is re-evaluated in
//     memory: the work-email rule, which Genesys cannot express, and the
//     userName rule (the index may fold Unicode case, so the Kelvin sign
//     would find "k"; in memory only ASCII letters fold).
type queryPlan struct {
	none       bool
	lookup     *scim.Compare
	criteria   []genesys.SearchCriteria
	postFilter bool
	filter     scim.Filter
}

// planQuery translates a parsed SCIM filter (nil: no filter) into structured
// Genesys search criteria: values are never interpolated into a query string,
// so no filter can inject anything. Elasticsearch bool semantics apply to
// the operators: AND is must, OR is should, NOT is must_not. Anything Genesys
// cannot answer exactly is 400 invalidFilter naming the attribute and
// operator.
func planQuery(f scim.Filter) (*queryPlan, error) {
	plan := &queryPlan{filter: f}
	var conj []scim.Filter
	switch t := f.(type) {
	case nil:
	case *scim.And:
		conj = t.Terms
	default:
		conj = []scim.Filter{f}
	}
	rest := make([]cnode, 0, len(conj))
	for _, term := range conj {
		if c, ok := term.(*scim.Compare); ok && isLookup(c) {
			v, err := stringValue(c)
			if err != nil {
				return nil, err
			}
			if err := checkPathValue(c.Attr, v); err != nil {
				return nil, err
			}
			if plan.lookup == nil {
				plan.lookup = c
			}
			continue
		}
		n, err := translate(term, true)
		if err != nil {
			return nil, err
		}
		if c, ok := term.(*scim.Compare); ok && isEmailAttr(c.Attr) && c.Op == "eq" && !n.never {
			plan.postFilter = true
		}
		rest = append(rest, n)
	}
	n := and(rest)
	switch {
	case n.never:
		plan.none = true
		return plan, nil
	case plan.lookup != nil:
		if v, _ := stringValue(plan.lookup); v == "" {
			plan.none = true
		}
		return plan, nil
	}
	plan.criteria = []genesys.SearchCriteria{stateCriterion()}
	if !n.always {
		if n.conj {
			// A top-level conjunction needs no group of its own.
			plan.criteria = append(plan.criteria, n.crit.Group...)
		} else {
			plan.criteria = append(plan.criteria, withOp(n.crit, genesys.OpAnd))
		}
	}
	return plan, nil
}

// isLookup reports an `id eq` or `externalId eq` term: answered by a direct
// read (GET /api/v2/users/{id}, GET /api/v2/users/externalid/{authority}/{key})
// rather than a search, because neither is a documented search field. Only a
// top-level conjunct can be answered that way.
func isLookup(c *scim.Compare) bool {
	return (c.Attr == scim.AttrID || c.Attr == scim.AttrExternalID) && c.Op == "eq"
}

// cnode is a translated filter: a constant (always, never) or a criterion
// whose Operator the parent sets. conj marks a group of AND-ed criteria.
type cnode struct {
	always, never, conj bool
	crit                genesys.SearchCriteria
}

var (
	alwaysNode = cnode{always: true}
	neverNode  = cnode{never: true}
)

// withOp returns c with its operator towards its siblings set to op.
func withOp(c genesys.SearchCriteria, op string) genesys.SearchCriteria {
	c.Operator = op
	return c
}

// combine folds constants and groups the rest under op: in an OR an always
// term decides the result and never terms drop out; in an AND the reverse.
func combine(op string, nodes []cnode) cnode {
	isOr := op == genesys.OpOr
	crits := make([]genesys.SearchCriteria, 0, len(nodes))
	for _, n := range nodes {
		if n.always || n.never {
			if n.always == isOr {
				return n
			}
			continue
		}
		crits = append(crits, withOp(n.crit, op))
	}
	switch len(crits) {
	case 0:
		if isOr {
			return neverNode
		}
		return alwaysNode
	case 1:
		return cnode{crit: withOp(crits[0], "")}
	}
	return cnode{crit: genesys.SearchCriteria{Group: crits}, conj: !isOr}
}

func and(nodes []cnode) cnode { return combine(genesys.OpAnd, nodes) }

func or(nodes []cnode) cnode { return combine(genesys.OpOr, nodes) }

// not negates n. A negated criterion sits in a group beside the state
// criterion so that the group has a positive clause: an Elasticsearch bool
// query made only of must_not clauses is not guaranteed to match everything
// else by every engine.
func not(n cnode) cnode {
	switch {
	case n.always:
		return neverNode
	case n.never:
		return alwaysNode
	}
	return cnode{crit: genesys.SearchCriteria{Group: []genesys.SearchCriteria{
		stateCriterion(), withOp(n.crit, genesys.OpNot)}}}
}

func leaf(typ, field, value string) cnode {
	c := genesys.SearchCriteria{Type: typ, Fields: []string{field}}
	if typ != genesys.SearchRequiredFields {
		c.Value = value
	}
	return cnode{crit: c}
}

// translate turns one filter into a search node. top is true for a
// top-level conjunct: only there can a term be answered by fetching a single
// user and checking it in memory (the work-email forms).
func translate(f scim.Filter, top bool) (cnode, error) {
	switch t := f.(type) {
	case *scim.And:
		nodes, err := translateAll(t.Terms)
		if err != nil {
			return cnode{}, err
		}
		return and(nodes), nil
	case *scim.Or:
		nodes, err := translateAll(t.Terms)
		if err != nil {
			return cnode{}, err
		}
		return or(nodes), nil
	case *scim.Not:
		n, err := translate(t.Term, false)
		if err != nil {
			return cnode{}, err
		}
		return not(n), nil
	case *scim.Compare:
		return translateCompare(t, top)
	}
	return cnode{}, scim.Errorf(http.StatusBadRequest, scim.InvalidFilter, "unsupported filter expression")
}

func translateAll(terms []scim.Filter) ([]cnode, error) {
	nodes := make([]cnode, 0, len(terms))
	for _, term := range terms {
		n, err := translate(term, false)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// unsupported is the invalidFilter answer for an attribute and operator
// Genesys search cannot answer exactly.
func unsupported(c *scim.Compare, why string) error {
	return scim.Errorf(http.StatusBadRequest, scim.InvalidFilter,
		"filter %s %s is not supported%s", c.Attr, c.Op, why)
}

func translateCompare(c *scim.Compare, top bool) (cnode, error) {
	switch c.Op {
	case "eq", "ne", "co", "sw", "pr":
	default: // ew, gt, ge, lt, le: Genesys search has no exact equivalent
		return cnode{}, unsupported(c, "")
	}
	switch c.Attr {
	case scim.AttrUserName, scim.AttrEmails:
		// Only the Genesys email (the userName) is searchable: a work
		// address that differs from it is stored as an EMAIL/WORK address,
		// which the user index does not expose. So emails.value finds users
		// by their userName only (a documented limit).
		return stringCompare(c, fieldEmail, true)
	case scim.AttrDisplayName, scim.AttrNameFmt:
		return stringCompare(c, fieldName, false)
	case scim.AttrWorkEmail:
		return workEmailCompare(c, top)
	case scim.AttrActive:
		return activeCompare(c)
	case scim.AttrID:
		if c.Op == "pr" {
			return alwaysNode, nil // every user has an id
		}
		return cnode{}, unsupported(c, ": only a top-level id eq is answered")
	case scim.AttrExternalID:
		return cnode{}, unsupported(c, ": only a top-level externalId eq is answered")
	}
	return cnode{}, scim.Errorf(http.StatusBadRequest, scim.InvalidFilter,
		"filter attribute %s is not supported", c.Attr)
}

// stringCompare maps eq/ne/co/sw/pr on a string attribute onto EXACT,
// NOT EXACT, CONTAINS, STARTS_WITH and REQUIRED_FIELDS on field. isEmail
// normalises the value like a userName (normaliseAddress); an eq value that
// is not an email matches nobody, so it needs no upstream call.
func stringCompare(c *scim.Compare, field string, isEmail bool) (cnode, error) {
	if c.Op == "pr" {
		return leaf(genesys.SearchRequiredFields, field, ""), nil
	}
	v, err := stringValue(c)
	if err != nil {
		return cnode{}, err
	}
	switch c.Op {
	case "eq", "ne":
		var n cnode
		if isEmail {
			if e, ok := searchEmail(v); ok {
				n = leaf(genesys.SearchExact, field, e)
			} else {
				n = neverNode
			}
		} else if strings.TrimSpace(v) == "" {
			n = neverNode // every Genesys user has a name
		} else {
			n = leaf(genesys.SearchExact, field, v)
		}
		if c.Op == "ne" {
			return not(n), nil
		}
		return n, nil
	}
	if isEmail {
		v = normaliseAddress(v)
	}
	if v == "" {
		return alwaysNode, nil // every value contains and starts with ""
	}
	if c.Op == "co" {
		return leaf(genesys.SearchContains, field, v), nil
	}
	return leaf(genesys.SearchStartsWith, field, v), nil
}

// workEmailCompare handles emails[type eq "work"].value. By the rendering
// rule the work-typed entry is the Genesys EMAIL/WORK address when the user
// has one that differs from the userName, else the userName itself. Genesys
// cannot search addresses, so `eq` searches EXACT email and keeps only users
// whose work-typed entry matches: a user whose differing work address equals
// the value is NOT found (a documented limit of the upstream index). That is
// only exact as a top-level conjunct (the search then yields at most one
// user, checked in memory); anywhere else, and for the other operators, the
// filter is refused. Every user has a work-typed entry, so `pr` is always
// true.
func workEmailCompare(c *scim.Compare, top bool) (cnode, error) {
	switch c.Op {
	case "pr":
		return alwaysNode, nil
	case "eq":
		if !top {
			return cnode{}, unsupported(c, " inside or/not: the work address is not searchable in Genesys")
		}
		v, err := stringValue(c)
		if err != nil {
			return cnode{}, err
		}
		if e, ok := searchEmail(v); ok {
			return leaf(genesys.SearchExact, fieldEmail, e), nil
		}
		return neverNode, nil
	}
	return cnode{}, unsupported(c, ": the work address is not searchable in Genesys")
}

// activeCompare maps active eq/ne true/false onto the state field; every user
// has active, so pr is always true.
func activeCompare(c *scim.Compare) (cnode, error) {
	switch c.Op {
	case "pr":
		return alwaysNode, nil
	case "eq", "ne":
	default:
		return cnode{}, unsupported(c, "")
	}
	b, ok := c.Value.(bool)
	if !ok {
		return cnode{}, scim.Errorf(http.StatusBadRequest, scim.InvalidFilter,
			"filter active %s needs true or false", c.Op)
	}
	if c.Op == "ne" {
		b = !b
	}
	state := genesys.StateInactive
	if b {
		state = genesys.StateActive
	}
	return leaf(genesys.SearchExact, fieldState, state), nil
}

// stringValue is the comparison value of a string attribute. Numbers are
// accepted as their text (identity providers send loose types); booleans and null are refused.
func stringValue(c *scim.Compare) (string, error) {
	var v string
	switch t := c.Value.(type) {
	case string:
		v = t
	case json.Number:
		v = t.String()
	default:
		return "", scim.Errorf(http.StatusBadRequest, scim.InvalidFilter,
			"filter %s %s needs a string value", c.Attr, c.Op)
	}
	if utf8.RuneCountInString(v) > maxSearchValue {
		return "", scim.Errorf(http.StatusBadRequest, scim.InvalidFilter,
			"filter %s %s: the value is longer than the %d characters Genesys search accepts", c.Attr, c.Op, maxSearchValue)
	}
	return v, nil
}

// maxSearchValue is the longest value a Genesys search criterion may hold
// (Genesys's published search limits).
const maxSearchValue = 300

// searchEmail normalises v as a userName (normaliseAddress) and reports
// whether it is an email address at all; a value that is not can match no
// user, since every Genesys email is one.
func searchEmail(v string) (string, bool) {
	e, err := normaliseEmail(scim.AttrUserName, v)
	if err != nil {
		return "", false
	}
	return e, true
}

// matches evaluates a validated filter against one rendered user, with the
// semantics of the search it stands in for: case-insensitive strings,
// userName normalised, the work-typed email entry by the rendering rule. It
// serves the direct lookups and the work-email post-filter.
func matches(f scim.Filter, u *scim.User) bool {
	switch t := f.(type) {
	case nil:
		return true
	case *scim.And:
		for _, term := range t.Terms {
			if !matches(term, u) {
				return false
			}
		}
		return true
	case *scim.Or:
		for _, term := range t.Terms {
			if matches(term, u) {
				return true
			}
		}
		return false
	case *scim.Not:
		return !matches(t.Term, u)
	case *scim.Compare:
		return compareMatches(t, u)
	}
	return false
}

func compareMatches(c *scim.Compare, u *scim.User) bool {
	if c.Attr == scim.AttrActive {
		active := u.Active != nil && *u.Active
		if c.Op == "pr" {
			return true
		}
		b, _ := c.Value.(bool)
		return (active == b) == (c.Op == "eq")
	}
	var values []string
	exact := false // id and externalId are case-exact
	switch c.Attr {
	case scim.AttrID:
		values, exact = []string{u.ID}, true
	case scim.AttrExternalID:
		values, exact = []string{u.ExternalID}, true
	case scim.AttrUserName:
		values = []string{u.UserName}
	case scim.AttrDisplayName:
		values = []string{u.DisplayName}
	case scim.AttrNameFmt:
		values = []string{u.Name.Formatted}
	case scim.AttrEmails, scim.AttrWorkEmail:
		for _, e := range u.Emails {
			if c.Attr == scim.AttrEmails || e.Type == "work" {
				values = append(values, e.Value)
			}
		}
	}
	if c.Op == "pr" {
		for _, v := range values {
			if v != "" {
				return true
			}
		}
		return false
	}
	want, _ := stringValue(c)
	fold := strings.ToLower // names: as Genesys search compares them
	if isEmailAttr(c.Attr) {
		fold = normaliseAddress // emails: the userName rule, ASCII only
	}
	if !exact {
		want = fold(want)
	}
	hit := false
	for _, v := range values {
		if !exact {
			v = fold(v)
		}
		switch c.Op {
		case "eq", "ne":
			hit = v == want
		case "co":
			hit = strings.Contains(v, want)
		case "sw":
			hit = strings.HasPrefix(v, want)
		}
		if hit {
			break
		}
	}
	if c.Op == "ne" {
		return !hit
	}
	return hit
}

// isEmailAttr reports the filter attributes whose values are email
// addresses, compared under the userName rule.
func isEmailAttr(attr string) bool {
	return attr == scim.AttrUserName || attr == scim.AttrEmails || attr == scim.AttrWorkEmail
}
