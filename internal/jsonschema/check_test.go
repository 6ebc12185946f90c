package jsonschema

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// obj builds an object schema in strict form around the given properties
// (a JSON fragment "name": schema, ...), requiring all of them.
func obj(props string, names ...string) string {
	req := make([]string, len(names))
	for i, n := range names {
		req[i] = fmt.Sprintf("%q", n)
	}
	return `{"type":"object","properties":{` + props + `},"required":[` + strings.Join(req, ",") + `],"additionalProperties":false}`
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   []string // problems, in order; nil means accepted
	}{
		{"every supported type", obj(`"s":{"type":"string","pattern":"^[a-z]+$"},"i":{"type":"integer","minimum":1,"maximum":5},
			"n":{"type":"number","exclusiveMinimum":0,"multipleOf":0.5},"b":{"type":"boolean"},
			"e":{"type":"string","enum":["pos","neg"]},"u":{"type":["string","null"],"format":"date"},
			"a":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3},
			"o":`+obj(`"x":{"type":"string"}`, "x")+`,"any":{"anyOf":[{"type":"string"},{"type":"null"}]}`,
			"s", "i", "n", "b", "e", "u", "a", "o", "any"), nil},
		{"recursion through $defs", `{"type":"object","properties":{"root":{"$ref":"#/$defs/node"}},"required":["root"],"additionalProperties":false,
			"$defs":{"node":` + obj(`"v":{"type":"string"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}`, "v", "kids") + `}}`, nil},
		{"root recursion", obj(`"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}`, "next"), nil},
		{"annotations", `{"type":"object","title":"T","description":"d","$schema":"https://json-schema.org/draft/2020-12/schema","properties":{},"required":[],"additionalProperties":false}`, nil},

		{"root anyOf", `{"anyOf":[` + obj(``) + `]}`, []string{
			`$: the root must be an object schema, not "anyOf": wrap the alternatives in a property, such as {"type": "object", "properties": {"result": {"anyOf": [...]}}, "required": ["result"], "additionalProperties": false}`}},
		{"root not an object", `{"type":"array","items":{"type":"string"}}`, []string{
			`$: the root must have "type": "object" (the answer is one JSON object whose properties become columns)`}},
		{"missing additionalProperties", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`, []string{
			`$: add "additionalProperties": false (strict mode requires it on every object)`}},
		{"additionalProperties true", `{"type":"object","properties":{},"required":[],"additionalProperties":true}`, []string{
			`$: "additionalProperties" must be false in strict mode: list every property under "properties"`}},
		{"optional property", `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a"],"additionalProperties":false}`, []string{
			`$: "required" must list every property: add "b" (to make a property optional, give it a type union with "null", such as ["string", "null"])`}},
		{"required names a ghost", obj(`"a":{"type":"string"}`, "a", "ghost"), []string{
			`$.required: names "ghost", not under "properties": remove it or add the property`}},
		{"allOf in items", obj(`"tags":{"type":"array","items":{"allOf":[{"type":"string"}]}}`, "tags"), []string{
			`$.properties.tags.items: "allOf" is not supported in strict mode: merge the subschemas into one object`}},
		{"refused keywords", obj(`"a":{"type":"string","minLength":3},"b":{"not":{"type":"null"},"type":"string"},
			"c":{"type":"string","if":{},"then":{},"else":{}},"d":{"type":"object","properties":{},"required":[],"additionalProperties":false,"dependentRequired":{}}`, "a", "b", "c", "d"), []string{
			`$.properties.a: "minLength" is not supported in strict mode: use a "pattern" such as "^.{3,20}$", or say it in the description`,
			`$.properties.b: "not" is not supported in strict mode: describe the allowed values instead (an "enum", or a "pattern")`,
			`$.properties.c: "if" is not supported in strict mode: use "anyOf" with one alternative per case`,
			`$.properties.c: "then" is not supported in strict mode: use "anyOf" with one alternative per case`,
			`$.properties.c: "else" is not supported in strict mode: use "anyOf" with one alternative per case`,
			`$.properties.d: "dependentRequired" is not supported in strict mode: make every property required, with a type union with "null" for the optional ones`}},
		{"OpenAPI nullable", obj(`"a":{"type":"string","nullable":true}`, "a"), []string{
			`$.properties.a: "nullable" is not supported in strict mode: use a type union with "null", such as ["string", "null"] ("nullable" is OpenAPI, not JSON Schema)`}},
		{"unknown keyword", obj(`"a":{"type":"string","widget":"big"}`, "a"), []string{
			`$.properties.a: "widget" is not a keyword strict mode supports: remove it, or say it in "description"`}},
		{"keyword on the wrong type", obj(`"a":{"type":"integer","pattern":"x"}`, "a"), []string{
			`$.properties.a: "pattern" applies to string schemas, but this one has "type" "integer": remove it`}},
		{"unsupported format", obj(`"a":{"type":"string","format":"uri"}`, "a"), []string{
			`$.properties.a: "format" "uri" is not supported in strict mode: use one of date-time, time, date, duration, email, hostname, ipv4, ipv6, uuid, or a "pattern"`}},
		{"unknown type", obj(`"a":{"type":"float"}`, "a"), []string{
			`$.properties.a: type "float" is not a JSON Schema type: use string, number, integer, boolean, object, array or null`}},
		{"no type", obj(`"a":{"description":"anything"}`, "a"), []string{
			`$.properties.a: the schema has no "type": add one (string, number, integer, boolean, object or array)`}},
		{"array without items", obj(`"a":{"type":"array"}`, "a"), []string{
			`$.properties.a: an array needs "items": add the schema of its elements`}},
		{"tuple items", obj(`"a":{"type":"array","items":[{"type":"string"}]}`, "a"), []string{
			`$.properties.a.items: "items" must be one schema, not a list (tuples are not supported): use an object with one property per position`}},
		{"enum value of the wrong type", obj(`"a":{"type":"string","enum":["x",2]}`, "a"), []string{
			`$.properties.a.enum[1]: 2 is an integer, but "type" is "string": change the value or the type`}},
		{"dangling $ref", obj(`"a":{"$ref":"#/$defs/missing"}`, "a"), []string{
			`$.properties.a: "$ref" "#/$defs/missing" points at nothing: $ has no "$defs"`}},
		{"remote $ref", obj(`"a":{"$ref":"https://example.com/s.json"}`, "a"), []string{
			`$.properties.a: "$ref" "https://example.com/s.json" is not supported: only references inside the schema ("#/$defs/name") are`}},
		{"odd property name in path", obj(`"unit price":{"type":"number","minItems":1}`, "unit price"), []string{
			`$.properties["unit price"]: "minItems" applies to array schemas, but this one has "type" "number": remove it`}},
		{"problem inside $defs", `{"type":"object","properties":{"a":{"$ref":"#/$defs/x"}},"required":["a"],"additionalProperties":false,"$defs":{"x":{"type":"object","properties":{}}}}`, []string{
			`$.$defs.x: add "additionalProperties": false (strict mode requires it on every object)`}},
		{"too deep", nested(11), []string{
			`$.properties.p.properties.p.properties.p.properties.p.properties.p.properties.p.properties.p.properties.p.properties.p.properties.p: objects are nested 11 levels deep here; strict mode allows at most 10: flatten the structure`}},
		{"ten levels are fine", nested(10), nil},
		{"too many enum values", obj(`"a":{"type":"integer","enum":[`+seq(1001)+`]}`, "a"), []string{
			`$: the schema has 1001 enum values; strict mode allows at most 1000: use a string with a description, or fewer values`}},
		{"big string enum too long", obj(`"a":{"type":"string","enum":[`+longEnum(300, 60)+`]}`, "a"), []string{
			`$.properties.a.enum: an enum of more than 250 strings may hold at most 15000 characters; this one holds 18000: shorten or split it`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.schema))
			var got []string
			var ce *CheckError
			if errors.As(err, &ce) {
				for _, p := range ce.Problems {
					got = append(got, p.String())
				}
			} else if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestCheckLimits(t *testing.T) {
	var props, names []string
	for i := range MaxProperties + 1 {
		props = append(props, fmt.Sprintf(`"p%d":{"type":"boolean"}`, i))
		names = append(names, fmt.Sprintf("p%d", i))
	}
	err := Check([]byte(obj(strings.Join(props, ","), names...)))
	if err == nil || !strings.Contains(err.Error(), "$: the schema has 5001 object properties; strict mode allows at most 5000") {
		t.Errorf("5001 properties: %v", err)
	}
	long := strings.Repeat("x", MaxChars+1)
	err = Check([]byte(obj(`"a":{"type":"string","const":"`+long+`"}`, "a")))
	if err == nil || !strings.Contains(err.Error(), "add up to 120004 characters; strict mode allows at most 120000") {
		t.Errorf("long const: %v", err)
	}
}

func TestCheckNotJSON(t *testing.T) {
	for _, s := range []string{`{"type":`, `[1]`, `{} {}`} {
		if err := Check([]byte(s)); err == nil || errors.As(err, new(*CheckError)) {
			t.Errorf("%s: got %v, want a parse error", s, err)
		}
	}
}

// nested returns a schema whose objects are nested levels deep.
func nested(levels int) string {
	s := obj(``)
	for range levels - 1 {
		s = obj(`"p":`+s, "p")
	}
	return s
}

func seq(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i)
	}
	return strings.Join(parts, ",")
}

func longEnum(n, size int) string {
	parts := make([]string, n)
	for i := range parts {
		v := fmt.Sprintf("%d", i)
		parts[i] = `"` + v + strings.Repeat("x", size-len(v)) + `"`
	}
	return strings.Join(parts, ",")
}

func TestKey(t *testing.T) {
	for name, want := range map[string]string{"tags": ".tags", "_a-1$": "._a-1$", "unit price": `["unit price"]`,
		"1st": `["1st"]`, "": `[""]`, "é": `["é"]`, "a.b": `["a.b"]`, "Zz9": ".Zz9", "@": `["@"]`, "[": `["["]`} {
		if got := key(name); got != want {
			t.Errorf("key(%q) = %s, want %s", name, got, want)
		}
	}
}
