package jsonschema

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// array checks an array schema's "items".
func (c *checker) array(n *object, path string, depth int) {
	items, ok := n.Get("items")
	switch {
	case !ok:
		c.add(path, `an array needs "items": add the schema of its elements`)
	case isList(items):
		c.add(path+".items", `"items" must be one schema, not a list (tuples are not supported): use an object with one property per position`)
	default:
		c.node(items, path+".items", depth)
	}
}

func isList(v any) bool {
	_, ok := v.([]any)
	return ok
}

// anyOf checks each alternative.
func (c *checker) anyOf(n *object, path string, depth int) {
	list, _ := n.Get("anyOf")
	alts, ok := list.([]any)
	if !ok || len(alts) == 0 {
		c.add(path+".anyOf", `"anyOf" must be a non-empty array of schemas`)
		return
	}
	for i, a := range alts {
		c.node(a, path+".anyOf"+index(i), depth)
	}
}

// enum checks enum values: scalars, of the declared type, within limits.
func (c *checker) enum(n *object, path string, ts []string) {
	v, _ := n.Get("enum")
	vals, ok := v.([]any)
	if !ok || len(vals) == 0 {
		c.add(path+".enum", `"enum" must be a non-empty array of values`)
		return
	}
	c.enums += len(vals)
	strChars := 0
	for i, e := range vals {
		switch t := e.(type) {
		case *object, []any:
			c.add(path+".enum"+index(i), "enum values must be strings, numbers, booleans or null")
			continue
		case string:
			strChars += utf8.RuneCountInString(t)
		default:
			c.chars += len(appendJSON(nil, t))
		}
		if len(ts) > 0 && !matchesType(e, ts) {
			c.add(path+".enum"+index(i), fmt.Sprintf("%s is %s, but \"type\" is %s: change the value or the type", appendJSON(nil, e), kindOf(e), typeList(ts)))
		}
	}
	c.chars += strChars
	if len(vals) > bigEnum && strChars > bigEnumChars {
		c.add(path+".enum", fmt.Sprintf("an enum of more than %d strings may hold at most %d characters; this one holds %d: shorten or split it",
			bigEnum, bigEnumChars, strChars))
	}
}

// bounds checks the values of string, number and array keywords.
func (c *checker) bounds(n *object, path string) {
	if f, ok := n.Get("format"); ok {
		if s, isStr := f.(string); !isStr || !formats[s] {
			c.add(path, fmt.Sprintf(`"format" %s is not supported in strict mode: use one of date-time, time, date, duration, `+
				`email, hostname, ipv4, ipv6, uuid, or a "pattern"`, appendJSON(nil, f)))
		}
	}
	if p, ok := n.Get("pattern"); ok {
		if _, isStr := p.(string); !isStr {
			c.add(path, `"pattern" must be a string holding a regular expression`)
		}
	}
	for _, k := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} {
		if v, ok := n.Get(k); ok {
			if _, isNum := v.(json.Number); !isNum {
				c.add(path, fmt.Sprintf("%q must be a number", k))
			}
		}
	}
	for _, k := range []string{"minItems", "maxItems"} {
		if v, ok := n.Get(k); ok {
			if num, isNum := v.(json.Number); !isNum || !isInteger(num) || num.String()[0] == '-' {
				c.add(path, fmt.Sprintf("%q must be a non-negative integer", k))
			}
		}
	}
}

// matchesType reports whether the JSON value v has one of the types ts.
func matchesType(v any, ts []string) bool {
	for _, t := range ts {
		switch v := v.(type) {
		case nil:
			if t == "null" {
				return true
			}
		case bool:
			if t == "boolean" {
				return true
			}
		case string:
			if t == "string" {
				return true
			}
		case json.Number:
			if t == "number" || (t == "integer" && isInteger(v)) {
				return true
			}
		case []any:
			if t == "array" {
				return true
			}
		case *object:
			if t == "object" {
				return true
			}
		}
	}
	return false
}
