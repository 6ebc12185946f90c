package jsonschema

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// AnswerError says why a model's answer was refused: not JSON at all, or
// JSON that breaks the schema at Path.
type AnswerError struct {
	Path   string // JSON path in the answer of the first problem ("$" is the whole answer); "" when not JSON
	Reason string // what is wrong there
}

// Error returns "answer is not valid JSON: …" or
// "answer does not match the schema: $.tags[1]: expected a string, got a number".
func (e *AnswerError) Error() string {
	if e.Path == "" {
		return "answer is not valid JSON: " + e.Reason
	}
	return "answer does not match the schema: " + e.Path + ": " + e.Reason
}

// Validate parses schema and checks answer against it; see [Schema.Validate].
func Validate(schema, answer []byte) error {
	s, err := Parse(schema)
	if err != nil {
		return err
	}
	return s.Validate(answer)
}

// Validate checks a model's answer against the schema: JSON syntax, types,
// required properties, additionalProperties, enum and const, anyOf, nested
// arrays and objects, and the string, number and array keywords strict
// mode allows. It returns nil or an *[AnswerError] naming the first problem
// in document order. Patterns are compiled with Go's regexp (RE2); a
// pattern RE2 cannot compile is not enforced. Its cost is one parse of the
// answer and one walk over it.
func (s *Schema) Validate(answer []byte) error {
	v, err := parseJSON(answer)
	if err != nil {
		return &AnswerError{Reason: err.Error()}
	}
	if e := s.validate(v, s.root, "$", 0); e != nil {
		return e
	}
	return nil
}

// validate checks the value v at path against schema n. hops counts the
// anyOf steps taken without descending into v, so alternatives that refer
// to each other end in an error instead of a stack overflow.
func (s *Schema) validate(v any, n *object, path string, hops int) *AnswerError {
	if hops > maxRefHops {
		return &AnswerError{Path: path, Reason: "the schema's anyOf alternatives refer to each other without end"}
	}
	n, _, err := s.resolve(n, "$")
	if err != nil {
		return &AnswerError{Path: path, Reason: "the schema cannot be followed: " + err.Error()}
	}
	if av, ok := n.Get("anyOf"); ok {
		if e := s.anyOf(v, av, path, hops); e != nil {
			return e
		}
	}
	ts, _ := types(n)
	if len(ts) > 0 && !matchesType(v, ts) {
		return &AnswerError{Path: path, Reason: fmt.Sprintf("expected %s, got %s", expected(ts), kindOf(v))}
	}
	if e, ok := n.Get("enum"); ok {
		list, _ := e.([]any)
		if !slices.ContainsFunc(list, func(x any) bool { return equalJSON(x, v) }) {
			return &AnswerError{Path: path, Reason: fmt.Sprintf("%s is not one of the enum values %s", short(v), short(e))}
		}
	}
	if c, ok := n.Get("const"); ok && !equalJSON(c, v) {
		return &AnswerError{Path: path, Reason: fmt.Sprintf("%s is not the const value %s", short(v), short(c))}
	}
	switch t := v.(type) {
	case string:
		return stringRules(t, n, path)
	case json.Number:
		return numberRules(t, n, path)
	case []any:
		return s.arrayRules(t, n, path)
	case *object:
		return s.objectRules(t, n, path)
	}
	return nil
}

// anyOf passes if one alternative does. Otherwise it reports the problem
// inside the alternative of the value's type, which is the one the model
// meant, or says none matched.
func (s *Schema) anyOf(v, av any, path string, hops int) *AnswerError {
	alts, _ := av.([]any)
	var best *AnswerError
	var all []string // every alternative's types, while each has some
	typed := true
	for _, a := range alts {
		o, _ := a.(*object)
		if o == nil {
			continue
		}
		e := s.validate(v, o, path, hops+1)
		if e == nil {
			return nil
		}
		r, _, err := s.resolve(o, "$")
		if err != nil {
			continue
		}
		ts, _ := types(r)
		typed = typed && len(ts) > 0
		all = append(all, ts...)
		if best == nil && len(ts) > 0 && matchesType(v, ts) {
			best = e
		}
	}
	if best != nil {
		return best
	}
	if typed && len(all) > 0 {
		return &AnswerError{Path: path, Reason: fmt.Sprintf("expected %s, got %s", expected(all), kindOf(v))}
	}
	return &AnswerError{Path: path, Reason: fmt.Sprintf("%s matches none of the \"anyOf\" alternatives", kindOf(v))}
}

func (s *Schema) arrayRules(list []any, n *object, path string) *AnswerError {
	if lo, ok := intKeyword(n, "minItems"); ok && int64(len(list)) < lo {
		return &AnswerError{Path: path, Reason: fmt.Sprintf("has %d items, fewer than minItems %d", len(list), lo)}
	}
	if hi, ok := intKeyword(n, "maxItems"); ok && int64(len(list)) > hi {
		return &AnswerError{Path: path, Reason: fmt.Sprintf("has %d items, more than maxItems %d", len(list), hi)}
	}
	items, _ := n.Get("items")
	is, ok := items.(*object)
	if !ok {
		return nil
	}
	for i, e := range list {
		if err := s.validate(e, is, path+index(i), 0); err != nil {
			return err
		}
	}
	return nil
}

func (s *Schema) objectRules(o *object, n *object, path string) *AnswerError {
	p, _ := n.Get("properties")
	props, _ := p.(*object)
	if props == nil {
		props = &object{}
	}
	if r, ok := n.Get("required"); ok {
		list, _ := r.([]any)
		for _, name := range list {
			name, _ := name.(string)
			if _, ok := o.Get(name); !ok {
				return &AnswerError{Path: path, Reason: fmt.Sprintf("missing required property %q", name)}
			}
		}
	}
	if ap, ok := n.Get("additionalProperties"); ok && ap == false {
		for _, k := range o.Keys {
			if _, ok := props.Get(k); !ok {
				return &AnswerError{Path: path + key(k), Reason: "unexpected property: the schema does not allow it (additionalProperties is false)"}
			}
		}
	}
	for _, k := range o.Keys {
		if ps, ok := props.Get(k); ok {
			pso, _ := ps.(*object)
			if pso == nil {
				continue
			}
			if err := s.validate(o.Vals[k], pso, path+key(k), 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func stringRules(str string, n *object, path string) *AnswerError {
	if p, ok := n.Get("pattern"); ok {
		ps, _ := p.(string)
		if re, err := regexp.Compile(ps); err == nil && !re.MatchString(str) {
			return &AnswerError{Path: path, Reason: fmt.Sprintf("%s does not match the pattern %q", short(str), ps)}
		}
	}
	if f, ok := n.Get("format"); ok {
		fs, _ := f.(string)
		if check := formatCheck[fs]; check != nil && !check(str) {
			return &AnswerError{Path: path, Reason: fmt.Sprintf("%s is not a valid %s", short(str), fs)}
		}
	}
	return nil
}

func numberRules(num json.Number, n *object, path string) *AnswerError {
	x, _ := num.Float64()
	for _, r := range []struct {
		key  string
		fail func(x, b float64) bool
		says string
	}{
		{"minimum", func(x, b float64) bool { return x < b }, "is below minimum"},
		{"maximum", func(x, b float64) bool { return x > b }, "is above maximum"},
		{"exclusiveMinimum", func(x, b float64) bool { return x <= b }, "is not above exclusiveMinimum"},
		{"exclusiveMaximum", func(x, b float64) bool { return x >= b }, "is not below exclusiveMaximum"},
		{"multipleOf", notMultiple, "is not a multiple of"},
	} {
		b, ok := numKeyword(n, r.key)
		if ok && r.fail(x, b) {
			return &AnswerError{Path: path, Reason: fmt.Sprintf("%s %s %g", num, r.says, b)}
		}
	}
	return nil
}

// notMultiple allows for binary rounding: 0.3 is a multiple of 0.1.
func notMultiple(x, m float64) bool {
	if m <= 0 {
		return false
	}
	q := x / m
	return math.Abs(q-math.Round(q)) > 1e-9*math.Max(1, math.Abs(q))
}

func numKeyword(n *object, k string) (float64, bool) {
	v, ok := n.Get(k)
	num, isNum := v.(json.Number)
	if !ok || !isNum {
		return 0, false
	}
	f, err := num.Float64()
	return f, err == nil
}

func intKeyword(n *object, k string) (int64, bool) {
	f, ok := numKeyword(n, k)
	return int64(f), ok
}

// expected phrases a type list: "a string", "an integer or null".
func expected(ts []string) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		switch t {
		case "null":
			parts[i] = "null"
		case "integer", "object", "array":
			parts[i] = "an " + t
		default:
			parts[i] = "a " + t
		}
	}
	return strings.Join(parts, " or ")
}

// equalJSON compares two JSON values; numbers compare by value.
func equalJSON(a, b any) bool {
	na, aNum := a.(json.Number)
	nb, bNum := b.(json.Number)
	if aNum && bNum {
		fa, e1 := na.Float64()
		fb, e2 := nb.Float64()
		return e1 == nil && e2 == nil && fa == fb
	}
	return string(appendJSON(nil, a)) == string(appendJSON(nil, b))
}

// short renders a value for a message, cut to 80 bytes so one huge answer
// does not flood the error column.
func short(v any) string {
	b := appendJSON(nil, v)
	if len(b) > 80 {
		return string(b[:77]) + "…"
	}
	return string(b)
}
