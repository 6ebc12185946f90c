package readers

// Lexical pieces of the JSONL parser: strings, numbers, literals, space.

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// literal consumes word (true, false or null), appending it when keep.
func (p *jsonObject) literal(word string, keep bool) error {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return p.fail("invalid literal, want %s", word)
	}
	p.i += len(word)
	if keep {
		p.out = append(p.out, word...)
	}
	return nil
}

// number checks the JSON number grammar and appends the literal.
func (p *jsonObject) number() error {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	switch c := p.peek(); {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return p.fail("invalid number: expected digit, found %s", p.found())
	}
	if p.peek() == '.' {
		p.i++
		if !isDigit(p.peek()) {
			return p.fail("invalid number: expected digit after '.', found %s", p.found())
		}
		p.digits()
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if !isDigit(p.peek()) {
			return p.fail("invalid number: expected digit in exponent, found %s", p.found())
		}
		p.digits()
	}
	p.out = append(p.out, p.b[start:p.i]...)
	return nil
}

func (p *jsonObject) digits() {
	for isDigit(p.peek()) {
		p.i++
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// rawString validates a string and appends it with its quotes and escapes.
func (p *jsonObject) rawString() error {
	start := p.i
	if err := p.scanString(nil); err != nil {
		return err
	}
	p.out = append(p.out, p.b[start:p.i]...)
	return nil
}

// unquote validates a string and appends its unescaped content.
func (p *jsonObject) unquote() error {
	return p.scanString(&p.out)
}

// scanString reads the string at p.i (which holds the opening quote). With
// dst non-nil it appends the decoded text to *dst.
func (p *jsonObject) scanString(dst *[]byte) error {
	p.i++
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return nil
		case c < 0x20:
			return p.fail("invalid control character %s in string", quoteChar(c))
		case c != '\\':
			j, high := p.i, byte(0)
			for j < len(p.b) && p.b[j] != '"' && p.b[j] != '\\' && p.b[j] >= 0x20 {
				high |= p.b[j]
				j++
			}
			if dst != nil {
				*dst = appendUTF8(*dst, p.b[p.i:j], high >= utf8.RuneSelf)
			}
			p.i = j
			continue
		}
		if err := p.escape(dst); err != nil {
			return err
		}
	}
	return p.fail("unexpected end of line in string")
}

// appendUTF8 appends run, replacing each byte that is not part of valid
// UTF-8 with U+FFFD as encoding/json does, so that keys compare (and
// duplicates are found) the way any JSON consumer will see them. maybeBad
// is false when run is known to be ASCII.
func appendUTF8(dst, run []byte, maybeBad bool) []byte {
	if !maybeBad || utf8.Valid(run) {
		return append(dst, run...)
	}
	for len(run) > 0 {
		r, size := utf8.DecodeRune(run)
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, run[:size]...)
		}
		run = run[size:]
	}
	return dst
}

// escape decodes the escape sequence at p.i (which holds the backslash).
func (p *jsonObject) escape(dst *[]byte) error {
	if p.i+1 >= len(p.b) {
		p.i++
		return p.fail("unexpected end of line in string escape")
	}
	var r rune
	switch e := p.b[p.i+1]; e {
	case '"', '\\', '/':
		r = rune(e)
	case 'b':
		r = '\b'
	case 'f':
		r = '\f'
	case 'n':
		r = '\n'
	case 'r':
		r = '\r'
	case 't':
		r = '\t'
	case 'u':
		p.i += 2
		u, ok := p.hex4()
		if !ok {
			return p.fail(`invalid \u escape`)
		}
		r = u
		if utf16.IsSurrogate(u) {
			// A valid pair becomes one character; a lone half becomes
			// U+FFFD, as encoding/json does.
			r = utf8.RuneError
			if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
				save := p.i
				p.i += 2
				if u2, ok := p.hex4(); ok {
					if dec := utf16.DecodeRune(u, u2); dec != utf8.RuneError {
						r = dec
					} else {
						p.i = save
					}
				} else {
					p.i = save
				}
			}
		}
		if dst != nil {
			*dst = utf8.AppendRune(*dst, r)
		}
		return nil
	default:
		p.i++
		return p.fail("invalid escape %s in string", quoteChar(e))
	}
	p.i += 2
	if dst != nil {
		*dst = append(*dst, byte(r))
	}
	return nil
}

// hex4 reads four hex digits at p.i.
func (p *jsonObject) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, true
}

func (p *jsonObject) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// peek returns the byte at p.i, or 0 at the end of the line (0 is never
// valid JSON outside strings, so it fails every check).
func (p *jsonObject) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// found describes the byte at p.i for an error message.
func (p *jsonObject) found() string {
	if p.i >= len(p.b) {
		return "end of line"
	}
	return quoteChar(p.b[p.i])
}

func quoteChar(c byte) string {
	if c < utf8.RuneSelf {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
