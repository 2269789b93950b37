package scim

import (
	"fmt"
	"net/http"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// patchTarget is a resolved PATCH path (RFC 7644 §3.5.2, PATH = attrPath /
// valuePath [subAttr]).
type patchTarget struct {
	schema  *schemaSpec
	attr    *attrSpec // nil: the whole schema (a path that is just a URN)
	filter  []eqTerm  // value filter of a multi-valued attribute: all must match
	sub     *attrSpec // sub-attribute, or nil
	ignored bool      // a known attribute this product does not map
}

// eqTerm is one "sub eq value" of a value filter, value canonical.
type eqTerm struct {
	sub   *attrSpec
	value any
}

func badPath(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, InvalidPath, format, args...)
}

// resolvePath parses and resolves a PATCH path against the known schemas:
// malformed paths and attributes outside them are 400 invalidPath, readOnly
// ones (id, meta, schemas) 400 mutability, and known attributes this product
// does not map resolve as ignored. It also returns the canonical spelling.
func resolvePath(path string) (patchTarget, string, error) {
	s, rest, ok := splitURN(path)
	if !ok {
		return patchTarget{}, "", badPath("path %q names an unknown schema", clip(path))
	}
	if rest == "" {
		return patchTarget{schema: s}, s.ID, nil
	}
	p, err := parsePath(rest)
	if err != nil {
		return patchTarget{}, "", badPath("path %q is malformed", clip(path))
	}
	if p.AttributePath.URIPrefix != nil || (p.AttributePath.SubAttribute != nil && p.SubAttribute != nil) {
		return patchTarget{}, "", badPath("path %q is malformed", clip(path))
	}
	name := p.AttributePath.AttributeName
	subName := p.AttributePath.SubAttributeName()
	if p.SubAttribute != nil {
		subName = *p.SubAttribute
	}
	s, a := lookupAttr(s, name)
	prefix := ""
	if s != coreSchema {
		prefix = s.ID + ":"
	}
	t := patchTarget{schema: s, attr: a}
	if t.attr == nil {
		switch {
		case containsFold(s.ReadOnly, name):
			return patchTarget{}, "", Errorf(http.StatusBadRequest, Mutability, "attribute %q is readOnly", strings.ToLower(name))
		case isIgnored(s, name):
			return patchTarget{schema: s, ignored: true}, prefix + rest, nil
		}
		return patchTarget{}, "", badPath("attribute %q is not part of schema %s", clip(name), s.ID)
	}
	canon := prefix + t.attr.Name
	if p.ValueExpression != nil {
		if !t.attr.Multi {
			return patchTarget{}, "", badPath("attribute %q is not multi-valued: it takes no filter", t.attr.Name)
		}
		if t.filter, err = eqTerms(t.attr, p.ValueExpression); err != nil {
			return patchTarget{}, "", err
		}
		canon += "[" + renderTerms(t.filter) + "]"
	}
	if subName != "" {
		if t.attr.Type != "complex" {
			return patchTarget{}, "", badPath("attribute %q has no sub-attributes", t.attr.Name)
		}
		if t.sub = t.attr.writableSub(subName); t.sub == nil {
			if containsFold(t.attr.Ignored, subName) || t.attr.sub(subName) != nil {
				return patchTarget{schema: s, ignored: true}, prefix + rest, nil
			}
			return patchTarget{}, "", badPath("attribute %q has no sub-attribute %q", t.attr.Name, clip(subName))
		}
		canon += "." + t.sub.Name
	}
	return t, canon, nil
}

// parsePath runs the parser, turning a panic on hostile input into an error.
// \u escapes are upper-cased first, as for filters (rewriteFilter): the
// parser refuses lower-case hex digits.
func parsePath(s string) (p filter.Path, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("path parser panic: %v", r)
		}
	}()
	return filter.ParsePathNumber([]byte(upperUnicodeEscapes(s)))
}

// eqTerms accepts the value filters PATCH needs: eq comparisons on mapped
// sub-attributes, joined by and (type eq "work", value eq "id"...).
func eqTerms(a *attrSpec, e filter.Expression) ([]eqTerm, error) {
	switch t := e.(type) {
	case *filter.LogicalExpression:
		if t.Operator == filter.AND {
			l, err := eqTerms(a, t.Left)
			if err != nil {
				return nil, err
			}
			r, err := eqTerms(a, t.Right)
			return append(l, r...), err
		}
	case *filter.AttributeExpression:
		ap := t.AttributePath
		s := a.writableSub(ap.AttributeName)
		if t.Operator != filter.EQ || s == nil || ap.SubAttribute != nil || ap.URIPrefix != nil {
			break
		}
		v := t.CompareValue
		if raw, ok := v.(string); ok {
			var err error
			if v, err = unescapeFilterString(raw); err != nil {
				return nil, err
			}
		}
		cv, err := coerceScalar(s, v, a.Name+"."+s.Name)
		if err != nil || v == nil {
			return nil, badFilter("filter on %s.%s needs a %s value", a.Name, s.Name, s.Type)
		}
		return []eqTerm{{sub: s, value: cv}}, nil
	}
	return nil, badFilter("PATCH path filters on %s support only \"<sub-attribute> eq <value>\" joined by and", a.Name)
}

func renderTerms(terms []eqTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		if s, ok := t.value.(string); ok {
			parts[i] = fmt.Sprintf("%s eq %q", t.sub.Name, s)
		} else {
			parts[i] = fmt.Sprintf("%s eq %v", t.sub.Name, t.value)
		}
	}
	return strings.Join(parts, " and ")
}

// clip bounds a client-supplied string quoted in an error detail.
func clip(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}
