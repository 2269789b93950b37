package scim

import "strings"

// rewriteFilter prepares a filter for scim2/filter-parser, which rejects two
// things real clients send:
//   - the Entra / Microsoft validator form ATTR[FILTER].SUB OP VALUE, which
//     becomes ATTR[FILTER and SUB OP VALUE] (only when FILTER is a single
//     comparison: the parser allows one "and" inside brackets, no grouping);
//   - \u escapes with lower-case hex digits, which are upper-cased.
//
// Quoted strings are respected: brackets and operators inside them are text.
func rewriteFilter(s string) string {
	s = upperUnicodeEscapes(s)
	var b strings.Builder
	open := -1 // index in s of the '[' of the current value path
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			end := skipQuoted(s, i)
			b.WriteString(s[i:end])
			i = end - 1
			continue
		case '[':
			open = i
		case ']':
			if open >= 0 && i+1 < len(s) && s[i+1] == '.' && !hasLogical(s[open+1:i]) {
				if tail, end, ok := scanSubCompare(s, i+2); ok {
					b.WriteString(" and ")
					b.WriteString(tail)
					b.WriteByte(']')
					i = end - 1
					open = -1
					continue
				}
			}
			open = -1
		}
		b.WriteByte(c)
	}
	return b.String()
}

// skipQuoted returns the index just past the quoted string starting at s[i]
// (or len(s) when it is unterminated).
func skipQuoted(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(s)
}

// scanSubCompare reads "SUB OP VALUE" (or "SUB pr") starting at s[i] and
// returns it and the index after it.
func scanSubCompare(s string, i int) (text string, end int, ok bool) {
	j := i
	for j < len(s) && isNameChar(s[j]) {
		j++
	}
	if j == i {
		return "", 0, false
	}
	k := skipSpaces(s, j)
	if k == j {
		return "", 0, false
	}
	opStart := k
	for k < len(s) && isAlpha(s[k]) {
		k++
	}
	if k-opStart != 2 {
		return "", 0, false
	}
	if strings.EqualFold(s[opStart:k], "pr") {
		return s[i:k], k, true
	}
	v := skipSpaces(s, k)
	if v == k || v == len(s) {
		return "", 0, false
	}
	e := v
	if s[v] == '"' {
		e = skipQuoted(s, v)
	} else {
		for e < len(s) && s[e] != ' ' && s[e] != ')' && s[e] != ']' {
			e++
		}
	}
	return s[i:j] + " " + s[opStart:k] + " " + s[v:e], e, true
}

// hasLogical reports whether a bracket's content is more than one comparison.
func hasLogical(inner string) bool {
	for i := 0; i < len(inner); i++ {
		switch c := inner[i]; {
		case c == '"':
			i = skipQuoted(inner, i) - 1
		case c == '(' || c == ')':
			return true
		case c == ' ':
			j := i + 1
			for j < len(inner) && isAlpha(inner[j]) {
				j++
			}
			w := strings.ToLower(inner[i+1 : j])
			if (w == "and" || w == "or" || w == "not") && (j == len(inner) || inner[j] == ' ' || inner[j] == '(') {
				return true
			}
		}
	}
	return false
}

// upperUnicodeEscapes upper-cases the hex digits of \uXXXX escapes inside
// quoted strings (the parser accepts only A-F).
func upperUnicodeEscapes(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	b := []byte(s)
	quoted := false
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '"':
			quoted = !quoted
		case quoted && b[i] == '\\' && i+1 < len(b):
			if b[i+1] == 'u' {
				for j := i + 2; j < i+6 && j < len(b); j++ {
					if b[j] >= 'a' && b[j] <= 'f' {
						b[j] -= 'a' - 'A'
					}
				}
			}
			i++
		}
	}
	return string(b)
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isNameChar(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' || c == '_' || c == '-' }
