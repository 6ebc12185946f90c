package readers

import (
	"errors"
	"fmt"
)

// maxDepth bounds nesting inside a JSONL value, so a line of a million '['
// cannot exhaust the stack.
const maxDepth = 10000

// jsonObject parses one JSONL line as a JSON object into fields, keeping
// keys in the order written. It is a small hand-written parser rather than
// encoding/json because we need key order, number literals as written and
// exact error offsets, and because it allocates once per record.
type jsonObject struct {
	b    []byte // the line, without its terminator
	i    int    // read offset in b
	out  []byte // names and values, back to back
	ends []int  // alternating name end, value end offsets in out
	null []bool // per field
	kind []Kind // per field
	seen map[string]struct{}
}

// jsonError is a syntax problem at byte offset off of the line.
type jsonError struct {
	off int
	err error
}

func (e *jsonError) Error() string { return e.err.Error() }

func (p *jsonObject) fail(format string, args ...any) error {
	return &jsonError{p.i, fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, args...)...)}
}

// parse parses line, which must hold exactly one JSON object.
func (p *jsonObject) parse(line []byte) error {
	p.b, p.i = line, 0
	if cap(p.out) > maxKeep {
		p.out = nil // one huge line must not pin its buffer for the whole stream
	}
	p.out, p.ends, p.null, p.kind = p.out[:0], p.ends[:0], p.null[:0], p.kind[:0]
	clear(p.seen)
	p.ws()
	if p.i >= len(p.b) {
		return p.fail("empty line")
	}
	if c := p.b[p.i]; c != '{' {
		return p.notObject(c)
	}
	p.i++
	var dup error
	p.ws()
	if p.peek() == '}' {
		p.i++
		return p.end()
	}
	for {
		p.ws()
		if p.peek() != '"' {
			return p.fail("expected string key, found %s", p.found())
		}
		keyOff := p.i
		start := len(p.out)
		if err := p.unquote(); err != nil {
			return err
		}
		// A duplicate is reported only if the line is otherwise valid JSON,
		// so that a syntax error (the more basic fault) wins.
		if err := p.checkDup(start, keyOff); err != nil && dup == nil {
			dup = err
		}
		p.ends = append(p.ends, len(p.out))
		p.ws()
		if p.peek() != ':' {
			return p.fail("expected ':' after object key, found %s", p.found())
		}
		p.i++
		p.ws()
		kind, null, err := p.topValue()
		if err != nil {
			return err
		}
		p.ends = append(p.ends, len(p.out))
		p.null = append(p.null, null)
		p.kind = append(p.kind, kind)
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
			if err := p.end(); err != nil {
				return err
			}
			return dup
		}
		return p.fail("expected ',' or '}' after object value, found %s", p.found())
	}
}

// notObject explains a line that does not start with '{': either it is
// valid JSON of another kind, or it is not JSON at all.
func (p *jsonObject) notObject(c byte) error {
	start := p.i
	var err error
	switch {
	case c == '"':
		err = p.rawString()
	case c == '[':
		err = p.compact(0)
	default:
		err = p.scalar()
	}
	if err == nil {
		err = p.end()
	}
	if err != nil {
		return err
	}
	kind := "a number"
	switch c {
	case '[':
		kind = "an array"
	case '"':
		kind = "a string"
	case 't', 'f':
		kind = "a boolean"
	case 'n':
		kind = "null"
	}
	return &jsonError{start, fmt.Errorf("%w: the line holds %s", ErrNotObject, kind)}
}

// checkDup rejects a key seen before in this object. Small objects are
// checked by scanning; the map only comes in for wide ones.
func (p *jsonObject) checkDup(start, keyOff int) error {
	key := p.out[start:]
	n := len(p.ends) / 2
	if n < 16 {
		prev := 0
		for f := 0; f < n; f++ {
			if string(p.out[prev:p.ends[2*f]]) == string(key) {
				return &jsonError{keyOff, fmt.Errorf("%w %q", ErrDuplicateKey, key)}
			}
			prev = p.ends[2*f+1]
		}
		return nil
	}
	if p.seen == nil {
		p.seen = make(map[string]struct{})
	}
	if len(p.seen) == 0 {
		prev := 0
		for f := 0; f < n; f++ {
			p.seen[string(p.out[prev:p.ends[2*f]])] = struct{}{}
			prev = p.ends[2*f+1]
		}
	}
	if _, dup := p.seen[string(key)]; dup {
		return &jsonError{keyOff, fmt.Errorf("%w %q", ErrDuplicateKey, key)}
	}
	p.seen[string(key)] = struct{}{}
	return nil
}

// end checks that nothing but white space follows the object.
func (p *jsonObject) end() error {
	p.ws()
	if p.i < len(p.b) {
		return p.fail("unexpected %s after top-level object", p.found())
	}
	return nil
}

// topValue appends a field value: strings unescaped, numbers and booleans
// as written, objects and arrays as compact JSON. It reports the value's
// kind and whether it is JSON null.
func (p *jsonObject) topValue() (kind Kind, null bool, err error) {
	switch c := p.peek(); {
	case c == '"':
		return KindText, false, p.unquote()
	case c == 'n':
		return KindText, true, p.literal("null", false)
	case c == '{' || c == '[':
		return KindJSON, false, p.compact(0)
	case c == 't' || c == 'f':
		return KindBool, false, p.scalar()
	}
	return KindNumber, false, p.scalar()
}

// scalar appends a number, true or false.
func (p *jsonObject) scalar() error {
	switch c := p.peek(); {
	case c == 't':
		return p.literal("true", true)
	case c == 'f':
		return p.literal("false", true)
	case c == 'n':
		return p.literal("null", true)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	if p.i >= len(p.b) {
		return p.fail("unexpected end of line, expected a value")
	}
	return p.fail("invalid character %s looking for beginning of value", p.found())
}

// compact appends a nested object or array without insignificant space,
// validating it; strings inside are copied as written (still escaped).
func (p *jsonObject) compact(depth int) error {
	if depth >= maxDepth {
		return p.fail("nesting deeper than %d", maxDepth)
	}
	open := p.b[p.i]
	close := byte('}')
	if open == '[' {
		close = ']'
	}
	p.out = append(p.out, open)
	p.i++
	p.ws()
	if p.peek() == close {
		p.i++
		p.out = append(p.out, close)
		return nil
	}
	for {
		p.ws()
		if open == '{' {
			if p.peek() != '"' {
				return p.fail("expected string key, found %s", p.found())
			}
			if err := p.rawString(); err != nil {
				return err
			}
			p.ws()
			if p.peek() != ':' {
				return p.fail("expected ':' after object key, found %s", p.found())
			}
			p.i++
			p.out = append(p.out, ':')
			p.ws()
		}
		var err error
		switch c := p.peek(); {
		case c == '"':
			err = p.rawString()
		case c == '{' || c == '[':
			err = p.compact(depth + 1)
		default:
			err = p.scalar()
		}
		if err != nil {
			return err
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
			p.out = append(p.out, ',')
			continue
		case close:
			p.i++
			p.out = append(p.out, close)
			return nil
		}
		return p.fail("expected ',' or %q, found %s", close, p.found())
	}
}

// asJSONError unwraps a parse failure.
func asJSONError(err error) (*jsonError, bool) {
	var je *jsonError
	ok := errors.As(err, &je)
	return je, ok
}
