package jsonschema

import (
	"fmt"
	"strconv"
	"strings"
)

// Schema is a parsed JSON Schema. Parse once per job and reuse it: its
// methods do not re-read the schema text. A Schema is immutable and safe
// for concurrent use.
type Schema struct {
	root *object
}

// Parse reads a JSON Schema document. It checks only that schema is one
// JSON object; [Schema.Check] applies the strict-mode rules. Its cost is one
// pass over the text.
func Parse(schema []byte) (*Schema, error) {
	v, err := parseJSON(schema)
	if err != nil {
		return nil, fmt.Errorf("the schema is not valid JSON: %w", err)
	}
	root, ok := v.(*object)
	if !ok {
		return nil, fmt.Errorf("the schema must be a JSON object, not %s", kindOf(v))
	}
	return &Schema{root: root}, nil
}

// maxRefHops bounds a chain of $ref pointing only at other $refs, which no
// instance could ever satisfy or end.
const maxRefHops = 64

// resolve follows $ref from node until a schema without $ref. It returns
// the schema and the path it sits at.
func (s *Schema) resolve(node *object, path string) (*object, string, error) {
	for range maxRefHops {
		r, ok := node.Get("$ref")
		if !ok {
			return node, path, nil
		}
		ref, ok := r.(string)
		if !ok {
			return nil, path, fmt.Errorf("%s: \"$ref\" must be a string", path)
		}
		target, tpath, err := s.pointer(ref)
		if err != nil {
			return nil, path, fmt.Errorf("%s: %w", path, err)
		}
		node, path = target, tpath
	}
	return nil, path, fmt.Errorf("%s: \"$ref\" chain longer than %d hops (a loop of references)", path, maxRefHops)
}

// pointer resolves a local reference such as "#", "#/$defs/node" or
// "#/properties/a" (RFC 6901 JSON Pointer after the '#').
func (s *Schema) pointer(ref string) (*object, string, error) {
	rest, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, "", fmt.Errorf("\"$ref\" %q is not supported: only references inside the schema (\"#/$defs/name\") are", ref)
	}
	var cur any = s.root
	path := "$"
	if rest != "" {
		if rest[0] != '/' {
			return nil, "", fmt.Errorf("\"$ref\" %q is not a JSON pointer: write \"#/$defs/name\"", ref)
		}
		for _, tok := range strings.Split(rest[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			switch c := cur.(type) {
			case *object:
				v, ok := c.Get(tok)
				if !ok {
					return nil, "", fmt.Errorf("\"$ref\" %q points at nothing: %s has no %q", ref, path, tok)
				}
				cur, path = v, path+key(tok)
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(c) {
					return nil, "", fmt.Errorf("\"$ref\" %q points at nothing: %s has no item %q", ref, path, tok)
				}
				cur, path = c[i], path+index(i)
			default:
				return nil, "", fmt.Errorf("\"$ref\" %q points into %s, which is not an object", ref, path)
			}
		}
	}
	o, ok := cur.(*object)
	if !ok {
		return nil, "", fmt.Errorf("\"$ref\" %q points at %s, which is not a schema object", ref, path)
	}
	return o, path, nil
}

// key appends an object member to a JSON path: .name when name is a plain
// identifier ([A-Za-z_$][A-Za-z0-9_$-]*), else ["odd name"].
func key(name string) string {
	for i, c := range []byte(name) {
		letter := c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if !letter && (i == 0 || !(c == '-' || (c >= '0' && c <= '9'))) {
			return "[" + strconv.Quote(name) + "]"
		}
	}
	if name == "" {
		return `[""]`
	}
	return "." + name
}

// index appends an array index to a JSON path.
func index(i int) string { return "[" + strconv.Itoa(i) + "]" }

// types returns the node's "type" as a list ("string" → [string]; absent →
// nil) and whether it was well formed.
func types(node *object) ([]string, bool) {
	v, ok := node.Get("type")
	if !ok {
		return nil, true
	}
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, len(out) > 0
	}
	return nil, false
}
