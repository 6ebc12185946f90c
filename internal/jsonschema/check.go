package jsonschema

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Problem is one way a schema breaks OpenAI's strict-mode rules.
type Problem struct {
	Path    string // where, as a JSON path into the schema: $.properties.tags.items
	Message string // what is wrong and what to change
}

// String returns "path: message".
func (p Problem) String() string { return p.Path + ": " + p.Message }

// CheckError is the error [Check] returns: every problem found, in schema
// order.
type CheckError struct {
	Problems []Problem
}

// Error returns the problems one per line.
func (e *CheckError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Check parses schema and applies the strict-mode rules; see [Schema.Check].
func Check(schema []byte) error {
	s, err := Parse(schema)
	if err != nil {
		return err
	}
	return s.Check()
}

// Check applies OpenAI's strict-mode rules (Structured Outputs with
// "strict": true) so that a schema the API would refuse with a 400 is
// refused before any request is sent: the root is an object; every object
// has "additionalProperties": false and lists every property in
// "required"; only supported types, formats and keywords appear; $ref
// points inside the schema; and the size limits ([MaxProperties],
// [MaxNesting], [MaxChars], [MaxEnumValues]) hold. It returns nil or a
// *[CheckError] naming every problem with its JSON path and the change to
// make. Its cost is one walk over the schema; $ref targets are checked
// where they are defined, not once per use, so recursion is fine.
func (s *Schema) Check() error {
	c := &checker{s: s}
	root := s.root
	if _, ok := root.Get("anyOf"); ok {
		c.add("$", `the root must be an object schema, not "anyOf": wrap the alternatives in a property, `+
			`such as {"type": "object", "properties": {"result": {"anyOf": [...]}}, "required": ["result"], "additionalProperties": false}`)
	} else if ts, _ := types(root); !slices.Equal(ts, []string{"object"}) {
		c.add("$", `the root must have "type": "object" (the answer is one JSON object whose properties become columns)`)
	}
	c.node(root, "$", 0)
	if c.props > MaxProperties {
		c.add("$", fmt.Sprintf("the schema has %d object properties; strict mode allows at most %d: "+
			"turn repeated properties into an array of objects", c.props, MaxProperties))
	}
	if c.chars > MaxChars {
		c.add("$", fmt.Sprintf("property names, definition names, enum values and consts add up to %d characters; "+
			"strict mode allows at most %d: shorten names or enums", c.chars, MaxChars))
	}
	if c.enums > MaxEnumValues {
		c.add("$", fmt.Sprintf("the schema has %d enum values; strict mode allows at most %d: "+
			"use a string with a description, or fewer values", c.enums, MaxEnumValues))
	}
	if len(c.problems) > 0 {
		return &CheckError{Problems: c.problems}
	}
	return nil
}

// checker walks a schema once, collecting problems and totals.
type checker struct {
	s                   *Schema
	problems            []Problem
	props, chars, enums int
	tooDeep             bool // nesting already reported
}

func (c *checker) add(path, msg string) {
	c.problems = append(c.problems, Problem{Path: path, Message: msg})
}

// node checks the schema v at path; depth is the number of objects
// enclosing it.
func (c *checker) node(v any, path string, depth int) {
	n, ok := v.(*object)
	if !ok {
		c.add(path, fmt.Sprintf("a schema must be a JSON object, not %s", kindOf(v)))
		return
	}
	ts, ok := types(n)
	if !ok {
		c.add(path, `"type" must be a type name or a list of them, such as ["string", "null"]`)
	}
	for _, t := range ts {
		if !typeNames[t] {
			c.add(path, fmt.Sprintf(`type %q is not a JSON Schema type: use string, number, integer, boolean, object, array or null`, t))
		}
	}
	_, hasRef := n.Get("$ref")
	_, hasAnyOf := n.Get("anyOf")
	_, hasEnum := n.Get("enum")
	_, hasConst := n.Get("const")
	composite := slices.ContainsFunc(n.Keys, func(k string) bool { _, bad := refused[k]; return bad })
	if ok && len(ts) == 0 && !hasRef && !hasAnyOf && !hasEnum && !hasConst && !composite {
		c.add(path, `the schema has no "type": add one (string, number, integer, boolean, object or array)`)
	}
	c.keywords(n, path, ts)
	if hasRef {
		if _, _, err := c.s.resolve(n, path); err != nil {
			c.add(path, strings.TrimPrefix(err.Error(), path+": "))
		}
	}
	if hasEnum {
		c.enum(n, path, ts)
	}
	if cv, ok := n.Get("const"); ok {
		c.chars += len(appendJSON(nil, cv))
	}
	if hasAnyOf {
		c.anyOf(n, path, depth)
	}
	if slices.Contains(ts, "object") {
		c.object(n, path, depth+1)
	}
	if slices.Contains(ts, "array") {
		c.array(n, path, depth)
	}
	c.bounds(n, path)
	for _, defs := range []string{"$defs", "definitions"} {
		d, ok := n.Get(defs)
		if !ok {
			continue
		}
		o, ok := d.(*object)
		if !ok {
			c.add(path+key(defs), fmt.Sprintf(`%q must be an object of named schemas`, defs))
			continue
		}
		for _, name := range o.Keys {
			c.chars += utf8.RuneCountInString(name)
			c.node(o.Vals[name], path+key(defs)+key(name), depth)
		}
	}
}

// keywords refuses unsupported keywords and keywords on the wrong type.
func (c *checker) keywords(n *object, path string, ts []string) {
	for _, k := range n.Keys {
		if hint, bad := refused[k]; bad {
			c.add(path, fmt.Sprintf("%q is not supported in strict mode: %s", k, hint))
			continue
		}
		want, known := keywordTypes[k]
		switch {
		case !known:
			c.add(path, fmt.Sprintf("%q is not a keyword strict mode supports: remove it, or say it in \"description\"", k))
		case want != "" && len(ts) > 0 && !slices.Contains(ts, want) && !(want == "number" && slices.Contains(ts, "integer")):
			c.add(path, fmt.Sprintf("%q applies to %s schemas, but this one has \"type\" %s: remove it", k, want, typeList(ts)))
		}
	}
}

// typeList formats a type list for a message: "string" or ["string","null"].
func typeList(ts []string) string {
	if len(ts) == 1 {
		return fmt.Sprintf("%q", ts[0])
	}
	b, _ := json.Marshal(ts)
	return string(b)
}

// object checks an object schema at nesting level (the root is 1).
func (c *checker) object(n *object, path string, level int) {
	if level > MaxNesting && !c.tooDeep {
		c.tooDeep = true
		c.add(path, fmt.Sprintf("objects are nested %d levels deep here; strict mode allows at most %d: flatten the structure", level, MaxNesting))
	}
	if ap, ok := n.Get("additionalProperties"); !ok {
		c.add(path, `add "additionalProperties": false (strict mode requires it on every object)`)
	} else if ap != false {
		c.add(path, `"additionalProperties" must be false in strict mode: list every property under "properties"`)
	}
	props := &object{Vals: map[string]any{}}
	if p, ok := n.Get("properties"); ok {
		if props, ok = p.(*object); !ok {
			c.add(path+".properties", `"properties" must be an object of named schemas`)
			return
		}
	}
	c.props += len(props.Keys)
	c.required(n, path, props)
	for _, name := range props.Keys {
		c.chars += utf8.RuneCountInString(name)
		c.node(props.Vals[name], path+".properties"+key(name), level)
	}
}

// required checks that "required" names exactly the object's properties.
func (c *checker) required(n *object, path string, props *object) {
	var req []string
	if r, ok := n.Get("required"); ok {
		list, ok := r.([]any)
		for _, e := range list {
			s, isStr := e.(string)
			ok = ok && isStr
			req = append(req, s)
		}
		if !ok {
			c.add(path+".required", `"required" must be an array of property names`)
			return
		}
	}
	var missing, unknown []string
	for _, name := range props.Keys {
		if !slices.Contains(req, name) {
			missing = append(missing, fmt.Sprintf("%q", name))
		}
	}
	for _, name := range req {
		if _, ok := props.Get(name); !ok {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(missing) > 0 {
		c.add(path, fmt.Sprintf(`"required" must list every property: add %s (to make a property optional, `+
			`give it a type union with "null", such as ["string", "null"])`, strings.Join(missing, ", ")))
	}
	if len(unknown) > 0 {
		c.add(path+".required", fmt.Sprintf(`names %s, not under "properties": remove it or add the property`, strings.Join(unknown, ", ")))
	}
}
