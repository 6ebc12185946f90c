package jsonschema

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Kind is the storage type of a column or of a nested value.
type Kind string

// The kinds a schema maps to. Enums are KindString (or the kind their
// values share); KindJSON holds values whose shape the schema does not fix
// (recursive $refs, unions of different types), as compact JSON text.
const (
	KindString  Kind = "string"
	KindInt64   Kind = "int64"
	KindDouble  Kind = "double"
	KindBoolean Kind = "boolean"
	KindArray   Kind = "array"  // Parquet LIST of Elem
	KindObject  Kind = "object" // Parquet STRUCT of Fields
	KindJSON    Kind = "json"   // Parquet string (JSON logical type) holding compact JSON
)

// Column is one output column, or one nested field or element of it.
type Column struct {
	Name     string   // the property name (the element's parent name for an array element)
	Kind     Kind     // storage type
	Nullable bool     // the schema allows null here
	Enum     []string // for an enum of strings, its values in schema order
	Elem     *Column  // for KindArray: the element
	Fields   []Column // for KindObject: the fields in schema order
}

// Columns returns one Column per top-level property of the schema, in
// schema order, with nested arrays and objects described down to their
// leaves. It expects a schema that passed [Schema.Check]. Its cost is one
// walk over the properties, following each $ref where it is used.
func (s *Schema) Columns() ([]Column, error) {
	b := columnBuilder{s: s, open: map[*object]bool{}}
	root, _, err := s.resolve(s.root, "$")
	if err != nil {
		return nil, err
	}
	b.open[root] = true // a "$ref": "#" below is recursion
	return b.fields(root, "$")
}

// columnBuilder tracks which schemas are being expanded, so a recursive
// $ref becomes KindJSON instead of an endless struct.
type columnBuilder struct {
	s    *Schema
	open map[*object]bool
}

// fields describes an object schema's properties.
func (b columnBuilder) fields(n *object, path string) ([]Column, error) {
	p, _ := n.Get("properties")
	props, _ := p.(*object)
	if props == nil {
		return nil, nil
	}
	cols := make([]Column, 0, len(props.Keys))
	for _, name := range props.Keys {
		c, err := b.column(name, props.Vals[name], path+".properties"+key(name))
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// column describes the schema v of the value named name.
func (b columnBuilder) column(name string, v any, path string) (Column, error) {
	c := Column{Name: name}
	raw, ok := v.(*object)
	if !ok {
		return c, fmt.Errorf("%s: a schema must be a JSON object", path)
	}
	n, path, err := b.s.resolve(raw, path)
	if err != nil {
		return c, err
	}
	if b.open[n] {
		c.Kind = KindJSON // recursion: the depth is not fixed
		return c, nil
	}
	b.open[n] = true
	defer delete(b.open, n)

	alts := b.alternatives(n, 0)
	var kinds []*object
	for _, a := range alts {
		if a.null {
			c.Nullable = true
		} else {
			kinds = append(kinds, a.schema)
		}
	}
	if len(kinds) != 1 {
		c.Kind = KindJSON // several shapes: keep the value as JSON
		return c, nil
	}
	t := alts[slices.IndexFunc(alts, func(a alt) bool { return !a.null })]
	if t.schema != n {
		if b.open[t.schema] {
			c.Kind = KindJSON // recursion through an anyOf branch
			return c, nil
		}
		b.open[t.schema] = true
		defer delete(b.open, t.schema)
	}
	switch t.typ {
	case "string":
		c.Kind = KindString
		c.Enum = stringEnum(t.schema)
	case "integer":
		c.Kind = KindInt64
	case "number":
		c.Kind = KindDouble
	case "boolean":
		c.Kind = KindBoolean
	case "array":
		items, _ := t.schema.Get("items")
		elem, err := b.column(name, items, path+".items")
		if err != nil {
			return c, err
		}
		c.Kind, c.Elem = KindArray, &elem
	case "object":
		c.Kind = KindObject
		if c.Fields, err = b.fields(t.schema, path); err != nil {
			return c, err
		}
	default:
		c.Kind = KindJSON
	}
	return c, nil
}

// alt is one alternative of a value: a type within a schema, or null.
type alt struct {
	typ    string
	schema *object
	null   bool
}

// alternatives lists what a value may be: each type of "type", each
// anyOf branch (resolved), or the types of the enum/const values. hops
// bounds anyOf alternatives that refer to each other; past it the value
// has no fixed shape (nil).
func (b columnBuilder) alternatives(n *object, hops int) []alt {
	if hops > maxRefHops {
		return nil
	}
	var out []alt
	if av, ok := n.Get("anyOf"); ok {
		list, _ := av.([]any)
		for _, a := range list {
			o, _ := a.(*object)
			if o == nil {
				continue
			}
			if r, _, err := b.s.resolve(o, ""); err == nil {
				out = append(out, b.alternatives(r, hops+1)...)
			}
		}
		return out
	}
	ts, _ := types(n)
	if len(ts) == 0 {
		ts = valueTypes(n)
	}
	for _, t := range ts {
		out = append(out, alt{typ: t, schema: n, null: t == "null"})
	}
	// Repeated non-null types collapse: ["integer", "number"] is a number.
	if slices.ContainsFunc(out, func(a alt) bool { return a.typ == "number" }) {
		out = slices.DeleteFunc(out, func(a alt) bool { return a.typ == "integer" })
	}
	return out
}

// valueTypes derives types from enum or const values.
func valueTypes(n *object) []string {
	var vals []any
	if e, ok := n.Get("enum"); ok {
		vals, _ = e.([]any)
	} else if cv, ok := n.Get("const"); ok {
		vals = []any{cv}
	}
	var ts []string
	for _, v := range vals {
		t := "string"
		switch v := v.(type) {
		case nil:
			t = "null"
		case bool:
			t = "boolean"
		case json.Number:
			t = "number"
			if isInteger(v) {
				t = "integer"
			}
		case []any:
			t = "array"
		case *object:
			t = "object"
		}
		if !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	return ts
}

// stringEnum returns the string values of n's enum, or nil.
func stringEnum(n *object) []string {
	e, _ := n.Get("enum")
	list, _ := e.([]any)
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
