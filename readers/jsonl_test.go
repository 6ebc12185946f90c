package readers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestJSONL(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"simple", `{"a":"x","b":1}` + "\n" + `{"a":"y","b":2}` + "\n", []string{`1/0 a="x" b="1"`, `2/1 a="y" b="2"`}},
		{"key order kept", `{"z":1,"a":2,"m":3}`, []string{`1/0 z="1" a="2" m="3"`}},
		{"CRLF and blank lines", "\r\n{\"a\":1}\r\n  \r\n\t\n{\"a\":2}\r\n\r\n", []string{`2/0 a="1"`, `5/1 a="2"`}},
		{"BOM", "\ufeff{\"a\":1}\n", []string{`1/0 a="1"`}},
		{"empty object", "{}\n{ }\n", []string{`1/0`, `2/1`}},
		{"whitespace everywhere", " { \"a\" : \"b\" , \"c\" :\t[ 1 , { \"d\" : null } ] } ", []string{`1/0 a="b" c="[1,{\"d\":null}]"`}},
		{"numbers literal", `{"i":12345678901234567890,"f":1.50,"e":-2E+10,"z":0,"n":-0.0e-1}`, []string{
			`1/0 i="12345678901234567890" f="1.50" e="-2E+10" z="0" n="-0.0e-1"`}},
		{"bools and null", `{"t":true,"f":false,"n":null}`, []string{`1/0 t="true" f="false" null:n`}},
		{"escapes", `{"s":"q\"b\\s\/n\nr\rt\tb\bf\fu\u00e9\u65e5\ud83c\udf89"}`, []string{
			`1/0 s="q\"b\\s/n\nr\rt\tb\bf\fué日🎉"`}},
		{"lone surrogate", `{"s":"\ud800x\udc00"}`, []string{`1/0 s="�x�"`}},
		{"invalid UTF-8 replaced as encoding/json does", "{\"k\xff\":\"a\xc3\x28\",\"n\":[\"\xff\"]}", []string{`1/0 k�="a�(" n="[\"\xff\"]"`}},
		{"keys equal after replacement", "{\"0\xd3\":0,\"0\xa6\":0}", []string{`1/0 error: <stdin>:1:9: duplicate key "0�"`}},
		{"escaped key", `{"a\u0062":1}`, []string{`1/0 ab="1"`}},
		{"nested kept compact and escaped", `{"o":{"k": "v\n\"" , "a":[]},"a":[ ]}`, []string{`1/0 o="{\"k\":\"v\\n\\\"\",\"a\":[]}" a="[]"`}},
		{"CJK emoji raw", `{"名前":"田中 🎉"}`, []string{`1/0 名前="田中 🎉"`}},
		{"empty key", `{"":1}`, []string{`1/0 ="1"`}},
		{"not JSON", "{\"a\":1}\nhello world\n{\"a\":2}\n", []string{
			`1/0 a="1"`, `2/1 error: <stdin>:2:1: invalid JSON: invalid character 'h' looking for beginning of value`, `3/2 a="2"`}},
		{"array line", `[1,2]`, []string{`1/0 error: <stdin>:1:1: not a JSON object: the line holds an array`}},
		{"string line", `  "x"`, []string{`1/0 error: <stdin>:1:3: not a JSON object: the line holds a string`}},
		{"number line", `-1`, []string{`1/0 error: <stdin>:1:1: not a JSON object: the line holds a number`}},
		{"null line", `null`, []string{`1/0 error: <stdin>:1:1: not a JSON object: the line holds null`}},
		{"invalid array line", `[1,`, []string{`1/0 error: <stdin>:1:4: invalid JSON: unexpected end of line, expected a value`}},
		{"truncated", `{"a":"x`, []string{`1/0 error: <stdin>:1:8: invalid JSON: unexpected end of line in string`}},
		{"trailing comma", `{"a":1,}`, []string{`1/0 error: <stdin>:1:8: invalid JSON: expected string key, found '}'`}},
		{"missing colon", `{"a" 1}`, []string{`1/0 error: <stdin>:1:6: invalid JSON: expected ':' after object key, found '1'`}},
		{"two objects", `{"a":1}{"b":2}`, []string{`1/0 error: <stdin>:1:8: invalid JSON: unexpected '{' after top-level object`}},
		{"bad number", `{"a":01}`, []string{`1/0 error: <stdin>:1:7: invalid JSON: expected ',' or '}' after object value, found '1'`}},
		{"bad literal", `{"a":tru}`, []string{`1/0 error: <stdin>:1:6: invalid JSON: invalid literal, want true`}},
		{"control char", "{\"a\":\"x\ty\"}", []string{`1/0 error: <stdin>:1:8: invalid JSON: invalid control character '\t' in string`}},
		{"bad escape", `{"a":"\x"}`, []string{`1/0 error: <stdin>:1:8: invalid JSON: invalid escape 'x' in string`}},
		{"column counts characters", `{"日本":"語",}`, []string{`1/0 error: <stdin>:1:11: invalid JSON: expected string key, found '}'`}},
		{"duplicate key", `{"a":1,"b":2,"a":3}`, []string{`1/0 error: <stdin>:1:14: duplicate key "a"`}},
		{"unclosed nested", `{"a":[1,2}`, []string{`1/0 error: <stdin>:1:10: invalid JSON: expected ',' or ']', found '}'`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openString("", tt.in) // stdin defaults to JSONL
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer r.Close()
			equalLines(t, drain(t, r), tt.want)
		})
	}
}

func TestJSONLErrorsWrap(t *testing.T) {
	tests := []struct {
		in string
		is error
	}{
		{`x`, ErrSyntax},
		{`[]`, ErrNotObject},
		{`{"a":1,"a":1}`, ErrDuplicateKey},
	}
	for _, tt := range tests {
		r, err := openString("jsonl", tt.in)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := r.Next(t.Context())
		r.Close()
		var re *RowError
		if err != nil || !errors.As(rec.Err, &re) || !errors.Is(rec.Err, tt.is) || re.Column == 0 {
			t.Errorf("%s: err=%v rec.Err=%v, want *RowError wrapping %v with a column", tt.in, err, rec.Err, tt.is)
		}
	}
}

func TestJSONLDuplicateKeyWide(t *testing.T) {
	// More keys than the linear duplicate check handles, so the map path runs.
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&b, `"k%d":1,`, i)
	}
	ok := b.String() + `"end":1}`
	dup := b.String() + `"k2":2}` + "\n" + ok
	r, err := openString("jsonl", dup)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := drain(t, r)
	if len(got) != 2 || !strings.Contains(got[0], `duplicate key "k2"`) || strings.Contains(got[1], "error") {
		t.Errorf("got %q", got)
	}
}

func TestJSONLDeepNesting(t *testing.T) {
	in := `{"a":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "}"
	r, err := openString("jsonl", in)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := drain(t, r)
	if len(got) != 1 || !strings.Contains(got[0], "nesting deeper than") {
		t.Errorf("got %.200q", got)
	}
}

// TestJSONLMatchesEncodingJSON checks validity decisions and values against
// encoding/json on a mixed bag of lines.
func TestJSONLMatchesEncodingJSON(t *testing.T) {
	lines := []string{
		`{"a":1}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-}`, `{"a":"\u12"}`, `{"a":"\uD83D\uDE00"}`,
		`{"a":[1,[2,{"b":[]}]]}`, `{"a":{"b":{}}}`, `{"a":[,]}`, `{"a":{"b"}}`, `{"a":{"b":1,}}`,
		`{"a":"\u0000"}`, `{"a":"é"}`, `{"a":true,"b":[true,false,null]}`, `{"a":nul}`, `{"a":1 2}`,
		`{"a":"x"}   `, `{"a":[1 2]}`, `{"a":+1}`, `{"a":-01}`, `{"a":1E+2}`, `{"a":"\/"}`,
	}
	for _, line := range lines {
		var m map[string]json.RawMessage
		wantOK := json.Unmarshal([]byte(line), &m) == nil
		r, err := openString("jsonl", line)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := r.Next(t.Context())
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if gotOK := rec.Err == nil; gotOK != wantOK {
			t.Errorf("%s: ours ok=%v (%v), encoding/json ok=%v", line, gotOK, rec.Err, wantOK)
			continue
		}
		for _, f := range rec.Fields {
			raw := m[f.Name]
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if s != f.Value {
					t.Errorf("%s: %s = %q, encoding/json says %q", line, f.Name, f.Value, s)
				}
				continue
			}
			var c bytes.Buffer
			if err := json.Compact(&c, raw); err == nil && f.Value != c.String() && !f.Null {
				t.Errorf("%s: %s = %q, compact is %q", line, f.Name, f.Value, c.String())
			}
		}
	}
}
