package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// MaxFilterBytes caps a filter: the parser is fast but not linear on nesting,
// and no client needs more.
const MaxFilterBytes = 4096

const supportedFilterAttrs = `userName, emails.value, emails[type eq "work"].value, ` +
	`displayName, name.formatted, externalId, id, active`

func badFilter(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, InvalidFilter, format, args...)
}

// ParseFilter parses and validates a SCIM filter (RFC 7644 §3.4.2.2) into the
// Filter AST, mapping attribute names (any case, URN-qualified core names)
// onto the canonical Attr* constants. Every failure is 400 invalidFilter with
// a detail of ours naming what is not supported, never the parser's message.
func ParseFilter(s string) (Filter, error) {
	return parseFilterWith(s, translateExpr)
}

// parseFilterWith is ParseFilter with the translation of the parsed
// expression into the AST (and its validation) left to tr.
func parseFilterWith(s string, tr func(filter.Expression) (Filter, error)) (Filter, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, badFilter("filter is empty")
	}
	if len(s) > MaxFilterBytes {
		return nil, badFilter("filter is longer than %d bytes", MaxFilterBytes)
	}
	expr, err := parseExpr(rewriteFilter(s))
	if err != nil {
		return nil, badFilter("filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2); " +
			"values must be JSON literals, strings double-quoted")
	}
	return tr(expr)
}

// parseExpr runs the parser, turning a panic on hostile input into an error.
func parseExpr(s string) (expr filter.Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			expr, err = nil, fmt.Errorf("filter parser panic: %v", r)
		}
	}()
	return filter.ParseFilterNumber([]byte(s))
}

func translateExpr(e filter.Expression) (Filter, error) {
	switch t := e.(type) {
	case *filter.AttributeExpression:
		return compareFor(t.AttributePath, t.Operator, t.CompareValue)
	case *filter.LogicalExpression:
		return logical(t, translateExpr)
	case *filter.NotExpression:
		inner, err := translateExpr(t.Expression)
		if err != nil {
			return nil, err
		}
		return &Not{Term: inner}, nil
	case *filter.ValuePath:
		return valuePathFilter(t)
	}
	return nil, badFilter("filter expression is not supported")
}

// logical translates both sides with tr and flattens nested and/or chains,
// which the parser returns as deep binary trees.
func logical(t *filter.LogicalExpression, tr func(filter.Expression) (Filter, error)) (Filter, error) {
	l, err := tr(t.Left)
	if err != nil {
		return nil, err
	}
	r, err := tr(t.Right)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(string(t.Operator), string(filter.AND)) {
		return &And{Terms: append(andTerms(l), andTerms(r)...)}, nil
	}
	return &Or{Terms: append(orTerms(l), orTerms(r)...)}, nil
}

func andTerms(f Filter) []Filter {
	if a, ok := f.(*And); ok {
		return a.Terms
	}
	return []Filter{f}
}

func orTerms(f Filter) []Filter {
	if o, ok := f.(*Or); ok {
		return o.Terms
	}
	return []Filter{f}
}

// filterAttr maps an attribute path onto its canonical filter name.
func filterAttr(p filter.AttributePath) (string, error) {
	name := p.AttributeName
	if p.SubAttribute != nil {
		name += "." + *p.SubAttribute
	}
	if uri := p.URI(); uri != "" && !strings.EqualFold(uri, UserURN) {
		return "", badFilter("filtering on %q is not supported; supported: %s", uri+":"+name, supportedFilterAttrs)
	}
	for _, c := range []string{AttrID, AttrExternalID, AttrUserName, AttrDisplayName, AttrNameFmt, AttrEmails, AttrActive} {
		if strings.EqualFold(name, c) {
			return c, nil
		}
	}
	if strings.EqualFold(name, "emails") { // a multi-valued attribute stands for its values
		return AttrEmails, nil
	}
	return "", badFilter("filtering on %q is not supported; supported: %s", name, supportedFilterAttrs)
}

var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true,
	"gt": true, "ge": true, "lt": true, "le": true, "pr": true}

// compareFor validates one comparison and coerces its value: booleans for
// active (which allows only eq, ne and pr), strings for everything else.
func compareFor(p filter.AttributePath, op filter.CompareOperator, v any) (*Compare, error) {
	attr, err := filterAttr(p)
	if err != nil {
		return nil, err
	}
	return newCompare(attr, op, v)
}

func newCompare(attr string, op filter.CompareOperator, v any) (*Compare, error) {
	o := strings.ToLower(string(op))
	if !compareOps[o] {
		return nil, badFilter("operator %q is not supported", o)
	}
	if o == "pr" {
		return &Compare{Attr: attr, Op: o}, nil
	}
	if v == nil {
		return nil, badFilter("comparing %s with null is not supported; use \"%s pr\" or \"not (%s pr)\"", attr, attr, attr)
	}
	if attr == AttrActive {
		if o != "eq" && o != "ne" {
			return nil, badFilter("operator %q is not supported on the boolean attribute active", o)
		}
		b, err := coerceBool(v, attr)
		if err != nil {
			return nil, badFilter("active must be compared with true or false")
		}
		return &Compare{Attr: attr, Op: o, Value: b}, nil
	}
	switch t := v.(type) {
	case string:
		s, err := unescapeFilterString(t)
		if err != nil {
			return nil, err
		}
		return &Compare{Attr: attr, Op: o, Value: s}, nil
	case json.Number:
		return &Compare{Attr: attr, Op: o, Value: t.String()}, nil
	}
	return nil, badFilter("%s must be compared with a string", attr)
}

// unescapeFilterString decodes JSON escapes, which the parser leaves raw.
func unescapeFilterString(raw string) (string, error) {
	if !strings.Contains(raw, `\`) {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal([]byte(`"`+raw+`"`), &s); err != nil {
		return "", badFilter("filter string has an invalid escape sequence")
	}
	return s, nil
}

// valuePathFilter supports the emails value paths: emails[value OP x],
// emails[type eq "work"] (presence of a work email), and
// emails[type eq "work" and value OP x] (also reached from the rewritten
// emails[type eq "work"].value OP x form).
func valuePathFilter(vp *filter.ValuePath) (Filter, error) {
	p := vp.AttributePath
	uri := p.URI()
	if !strings.EqualFold(p.AttributeName, "emails") || p.SubAttribute != nil || (uri != "" && !strings.EqualFold(uri, UserURN)) {
		return nil, badFilter("filtering on %q is not supported; supported: %s", p.String()+"[...]", supportedFilterAttrs)
	}
	return emailsFilter(vp.ValueFilter)
}

func emailsFilter(e filter.Expression) (Filter, error) {
	switch t := e.(type) {
	case *filter.AttributeExpression:
		if isWorkType(t) {
			return &Compare{Attr: AttrWorkEmail, Op: "pr"}, nil
		}
		if isValueAttr(t) {
			return newCompare(AttrEmails, t.Operator, t.CompareValue)
		}
	case *filter.LogicalExpression:
		if t.Operator == filter.AND {
			l, lok := t.Left.(*filter.AttributeExpression)
			r, rok := t.Right.(*filter.AttributeExpression)
			if lok && rok && isValueAttr(l) && isWorkType(r) {
				l, r = r, l
			}
			if lok && rok && isWorkType(l) && isValueAttr(r) {
				return newCompare(AttrWorkEmail, r.Operator, r.CompareValue)
			}
		} else {
			// Any entry matching A or B is an entry matching A or one matching B.
			return logical(t, emailsFilter)
		}
	}
	return nil, badFilter(`inside emails[...] only "value OP x", type eq "work", ` +
		`and type eq "work" and value OP x are supported`)
}

func isWorkType(e *filter.AttributeExpression) bool {
	s, _ := e.CompareValue.(string)
	return e.AttributePath.SubAttribute == nil && e.AttributePath.URIPrefix == nil &&
		strings.EqualFold(e.AttributePath.AttributeName, "type") &&
		e.Operator == filter.EQ && strings.EqualFold(s, "work")
}

func isValueAttr(e *filter.AttributeExpression) bool {
	return e.AttributePath.SubAttribute == nil && e.AttributePath.URIPrefix == nil &&
		strings.EqualFold(e.AttributePath.AttributeName, "value")
}
