package scim

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// textCheck passes a JSON body through and notes whether it holds text that
// is not Unicode: a byte sequence that is not UTF-8, or a \u escape of an
// unpaired surrogate. JSON text is UTF-8 (RFC 8259 §8.1) and its escapes
// name characters (§7), but encoding/json replaces both kinds of error with
// U+FFFD without a word: two different malformed userNames would then be
// one identity, and a name Genesys never sent back could be written. The
// check runs as the decoder reads, so the body is still read only once.
type textCheck struct {
	r     io.Reader
	carry []byte // the start of a UTF-8 sequence cut by a read boundary
	esc   escState
	hex   int  // hex digits of the current \u escape read so far
	code  rune // its value so far
	bad   bool // the body read so far is not Unicode
}

// escState is where textCheck is in the body's escapes. Backslashes and hex
// digits are ASCII, never part of a multi-byte sequence, so escapes are
// followed byte by byte independently of the UTF-8 check.
type escState uint8

const (
	escNone      escState = iota // outside an escape
	escBackslash                 // after a backslash
	escHex                       // in the hex digits of a \u escape
	escWantSlash                 // after a high surrogate: a low one must follow
	escWantU                     // after its backslash
	escLowHex                    // in the hex digits of the low surrogate
)

func (c *textCheck) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 && !c.bad {
		c.scanUTF8(p[:n])
		c.scanEscapes(p[:n])
	}
	if err == io.EOF && (len(c.carry) > 0 || c.esc != escNone) {
		c.bad = true
	}
	return n, err
}

// scanUTF8 checks b as the continuation of what was read before it.
func (c *textCheck) scanUTF8(b []byte) {
	if len(c.carry) > 0 {
		had := len(c.carry)
		for i := 0; i < len(b) && !utf8.FullRune(c.carry); i++ {
			c.carry = append(c.carry, b[i])
		}
		if !utf8.FullRune(c.carry) {
			return // b ended inside the sequence too
		}
		r, size := utf8.DecodeRune(c.carry)
		if r == utf8.RuneError && size <= 1 {
			c.bad = true
			return
		}
		b = b[size-had:]
		c.carry = c.carry[:0]
	}
	// A sequence cut by the end of b waits for the next read.
	cut := len(b)
	for i := len(b) - 1; i >= 0 && i >= len(b)-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(b[:cut]) {
		c.bad = true
		return
	}
	c.carry = append(c.carry, b[cut:]...)
}

// scanEscapes follows the \u escapes in b: a high surrogate must be followed
// at once by an escaped low one, and a low one must not stand alone.
func (c *textCheck) scanEscapes(b []byte) {
	for i := 0; i < len(b) && !c.bad; {
		switch c.esc {
		case escNone:
			k := bytes.IndexByte(b[i:], '\\')
			if k < 0 {
				return
			}
			i += k + 1
			c.esc = escBackslash
			continue
		case escBackslash:
			c.esc = escNone
			if b[i] == 'u' {
				c.esc, c.hex, c.code = escHex, 0, 0
			}
		case escHex, escLowHex:
			c.code = c.code<<4 | hexValue(b[i])
			c.hex++
			if c.hex < 4 {
				break
			}
			switch {
			case c.esc == escLowHex:
				c.bad = !isLowSurrogate(c.code)
				c.esc = escNone
			case isHighSurrogate(c.code):
				c.esc = escWantSlash
			case isLowSurrogate(c.code):
				c.bad = true
			default:
				c.esc = escNone
			}
		case escWantSlash:
			c.bad, c.esc = b[i] != '\\', escWantU
		case escWantU:
			c.bad, c.esc, c.hex, c.code = b[i] != 'u', escLowHex, 0, 0
		}
		i++
	}
}

func isHighSurrogate(r rune) bool { return r >= 0xD800 && r < 0xDC00 }
func isLowSurrogate(r rune) bool  { return r >= 0xDC00 && r < 0xE000 }

// hexValue is the value of a hex digit; anything else counts as 0 (the JSON
// decoder refuses the escape itself).
func hexValue(b byte) rune {
	switch {
	case b >= '0' && b <= '9':
		return rune(b - '0')
	case b >= 'a' && b <= 'f':
		return rune(b-'a') + 10
	case b >= 'A' && b <= 'F':
		return rune(b-'A') + 10
	}
	return 0
}
