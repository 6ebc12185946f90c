package jsonschema

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	const ok = `{"product":"kettle","score":4,"rating":4.5,"verified":true,"sentiment":"positive","note":null,
		"tags":["a"],"author":{"name":"Ann","age":null},"tree":{"v":"r","kids":[{"v":"c","kids":[]}]}}`
	tests := []struct {
		name, answer, want string // want "" means valid
	}{
		{"valid", ok, ""},
		{"integer written 4.0", strings.Replace(ok, `"score":4`, `"score":4.0`, 1), ""},
		{"not JSON", `{"product":`, "answer is not valid JSON: unexpected end of JSON input: unexpected EOF"},
		{"trailing text", ok + ` thanks`, "answer is not valid JSON: unexpected data after the JSON value at byte"},
		{"not an object", `[1]`, "answer does not match the schema: $: expected an object, got an array"},
		{"missing property", strings.Replace(ok, `"verified":true,`, ``, 1), `answer does not match the schema: $: missing required property "verified"`},
		{"extra property", strings.Replace(ok, `{"product"`, `{"extra":1,"product"`, 1), "answer does not match the schema: $.extra: unexpected property: the schema does not allow it (additionalProperties is false)"},
		{"wrong type", strings.Replace(ok, `"product":"kettle"`, `"product":7`, 1), "answer does not match the schema: $.product: expected a string, got an integer"},
		{"fraction for integer", strings.Replace(ok, `"score":4`, `"score":4.5`, 1), "answer does not match the schema: $.score: expected an integer, got a number"},
		{"above maximum", strings.Replace(ok, `"score":4`, `"score":9`, 1), "answer does not match the schema: $.score: 9 is above maximum 5"},
		{"enum", strings.Replace(ok, `"positive"`, `"happy"`, 1), `answer does not match the schema: $.sentiment: "happy" is not one of the enum values ["positive","neutral","negative"]`},
		{"null where not nullable", strings.Replace(ok, `"rating":4.5`, `"rating":null`, 1), "answer does not match the schema: $.rating: expected a number, got null"},
		{"array item", strings.Replace(ok, `"tags":["a"]`, `"tags":["a",2]`, 1), "answer does not match the schema: $.tags[1]: expected a string, got an integer"},
		{"too many items", strings.Replace(ok, `"tags":["a"]`, `"tags":["a","b","c","d"]`, 1), "answer does not match the schema: $.tags: has 4 items, more than maxItems 3"},
		{"nested anyOf", strings.Replace(ok, `"age":null`, `"age":"old"`, 1), `answer does not match the schema: $.author.age: expected an integer or null, got a string`},
		{"extra property after others", strings.Replace(ok, `"sentiment":"positive"`, `"sentiment":"positive","x":1`, 1), `answer does not match the schema: $.x: unexpected property`},
		{"deep in a recursive $ref", strings.Replace(ok, `"v":"c"`, `"v":false`, 1), "answer does not match the schema: $.tree.kids[0].v: expected a string, got a boolean"},
	}
	s, err := Parse([]byte(reviewSchema))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Validate([]byte(tt.answer))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("got  %v\nwant %s", err, tt.want)
			case err != nil && !errors.As(err, new(*AnswerError)):
				t.Errorf("%T is not an *AnswerError", err)
			}
		})
	}
}

func TestValidateKeywords(t *testing.T) {
	tests := []struct {
		prop, value string
		valid       bool
	}{
		{`{"type":"string","pattern":"^[a-z]+$"}`, `"abc"`, true},
		{`{"type":"string","pattern":"^[a-z]+$"}`, `"ab1"`, false},
		{`{"type":"string","pattern":"(?<=a)b"}`, `"zz"`, true}, // RE2 cannot compile lookbehind: not enforced
		{`{"type":"string","format":"date"}`, `"2026-02-30"`, false},
		{`{"type":"string","format":"date-time"}`, `"2026-01-02T03:04:05Z"`, true},
		{`{"type":"string","format":"uuid"}`, `"123e4567-e89b-12d3-a456-426614174000"`, true},
		{`{"type":"string","format":"email"}`, `"no-at-sign"`, false},
		{`{"type":"string","format":"ipv4"}`, `"::1"`, false},
		{`{"type":"string","format":"duration"}`, `"P3DT4H"`, true},
		{`{"type":"number","multipleOf":0.1}`, `0.3`, true},
		{`{"type":"number","multipleOf":0.25}`, `0.3`, false},
		{`{"type":"number","exclusiveMinimum":0}`, `0`, false},
		{`{"type":"number","exclusiveMaximum":1}`, `0.99`, true},
		{`{"type":"array","items":{"type":"integer"},"minItems":2}`, `[1]`, false},
		{`{"const":"x"}`, `"x"`, true},
		{`{"const":1}`, `1.0`, true},
		{`{"const":"x"}`, `"y"`, false},
		{`{"anyOf":[{"enum":["a"]},{"const":1}]}`, `1`, true},
		{`{"anyOf":[{"enum":["a"]},{"const":1}]}`, `"b"`, false},
	}
	for _, tt := range tests {
		err := Validate([]byte(obj(`"x":`+tt.prop, "x")), []byte(`{"x":`+tt.value+`}`))
		if (err == nil) != tt.valid {
			t.Errorf("%s with %s: got %v, want valid=%v", tt.prop, tt.value, err, tt.valid)
		}
	}
}

// FuzzValidate checks that no answer makes Validate or Decode panic, and
// that Decode accepts what Validate accepts. Run with -fuzz to explore.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{`{}`, `{"product":"x"}`, `[`, `{"tags":[1,{"a":null}]}`, `"\ud800"`, `{"score":1e400}`} {
		f.Add([]byte(seed))
	}
	s, _ := Parse([]byte(reviewSchema))
	cols, _ := s.Columns()
	f.Fuzz(func(t *testing.T, answer []byte) {
		if s.Validate(answer) != nil {
			return
		}
		if _, err := Decode(cols, answer); err != nil {
			t.Errorf("Validate accepts %s, Decode says %v", answer, err)
		}
	})
}
