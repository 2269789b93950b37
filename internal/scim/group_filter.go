package scim

import (
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

const supportedGroupFilter = `displayName, externalId, id and members (also written members.value ` +
	`or members[value eq "<user id>"]), compared with eq, joined by and, or and parentheses`

// ParseGroupFilter parses and validates a filter of GET /Groups (RFC 7644
// §3.4.2.2) into the Filter AST. It answers what Entra ID and Okta ask
// (displayName eq "Sales"; id eq "<id>" and members eq "<user id>", the
// membership check) and what a backend can answer by lookup: attributes
// displayName, externalId, id and members (mapped to AttrMembers whether
// written members, members.value or members[value eq x]), any case and
// qualified by the Group URN; operator eq only; and, or and parentheses.
// Values are strings (a number is its text). Everything else (co, sw, pr,
// not, other attributes, members[display eq x]) is 400 invalidFilter with a
// detail naming what is supported.
func ParseGroupFilter(s string) (Filter, error) {
	return parseFilterWith(s, translateGroupExpr)
}

func translateGroupExpr(e filter.Expression) (Filter, error) {
	switch t := e.(type) {
	case *filter.AttributeExpression:
		attr, err := groupFilterAttr(t.AttributePath)
		if err != nil {
			return nil, err
		}
		return groupCompare(attr, t.Operator, t.CompareValue)
	case *filter.LogicalExpression:
		return logical(t, translateGroupExpr)
	case *filter.NotExpression:
		return nil, badFilter("not is not supported in Group filters; supported: %s", supportedGroupFilter)
	case *filter.ValuePath:
		p := t.AttributePath
		if uri := p.URI(); !strings.EqualFold(p.AttributeName, "members") || p.SubAttribute != nil ||
			(uri != "" && !strings.EqualFold(uri, GroupURN)) {
			return nil, badFilter("filtering Groups on %q is not supported; supported: %s", clip(p.String())+"[...]", supportedGroupFilter)
		}
		return memberValueFilter(t.ValueFilter)
	}
	return nil, badFilter("filter expression is not supported; supported: %s", supportedGroupFilter)
}

// groupFilterAttr maps an attribute path onto its canonical filter name.
func groupFilterAttr(p filter.AttributePath) (string, error) {
	name := p.AttributeName
	if p.SubAttribute != nil {
		name += "." + *p.SubAttribute
	}
	if uri := p.URI(); uri != "" && !strings.EqualFold(uri, GroupURN) {
		return "", badFilter("filtering Groups on %q is not supported; supported: %s", clip(uri+":"+name), supportedGroupFilter)
	}
	for _, c := range []string{AttrID, AttrExternalID, AttrDisplayName, AttrMembers} {
		if strings.EqualFold(name, c) {
			return c, nil
		}
	}
	if strings.EqualFold(name, "members") { // a multi-valued attribute stands for its values
		return AttrMembers, nil
	}
	return "", badFilter("filtering Groups on %q is not supported; supported: %s", clip(name), supportedGroupFilter)
}

// groupCompare validates one comparison: eq only, with a string (or number)
// value.
func groupCompare(attr string, op filter.CompareOperator, v any) (*Compare, error) {
	if o := strings.ToLower(string(op)); o != "eq" {
		return nil, badFilter("operator %q is not supported in Group filters; supported: %s", o, supportedGroupFilter)
	}
	if v == nil {
		return nil, badFilter("%s must be compared with a string, not null", attr)
	}
	return newCompare(attr, op, v)
}

// memberValueFilter reads the filter inside members[...]: value eq x, or
// such comparisons joined by or (any entry matching either is a member
// matching one of them).
func memberValueFilter(e filter.Expression) (Filter, error) {
	switch t := e.(type) {
	case *filter.AttributeExpression:
		ap := t.AttributePath
		if ap.SubAttribute == nil && ap.URIPrefix == nil && strings.EqualFold(ap.AttributeName, "value") {
			return groupCompare(AttrMembers, t.Operator, t.CompareValue)
		}
	case *filter.LogicalExpression:
		if t.Operator == filter.OR {
			return logical(t, memberValueFilter)
		}
	}
	return nil, badFilter(`inside members[...] only value eq "<user id>", joined by or, is supported`)
}
