package jsonschema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	s, _ := Parse([]byte(reviewSchema))
	cols, err := s.Columns()
	if err != nil {
		t.Fatal(err)
	}
	answer := `{"product":"kettle","score":4,"rating":4.5,"verified":true,"sentiment":"positive","note":null,
		"tags":["a","b"],"author":{"name":"Ann","age":41},"tree":{"v":"r","kids":[{"v":"c","kids":[]}]}}`
	got, err := Decode(cols, []byte(answer))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"kettle", int64(4), 4.5, true, "positive", nil, []any{"a", "b"},
		map[string]any{"name": "Ann", "age": int64(41)},
		map[string]any{"v": "r", "kids": []any{json.RawMessage(`{"v":"c","kids":[]}`)}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		cols   []Column
		answer string
		want   string
	}{
		{[]Column{{Name: "n", Kind: KindInt64}}, `{"n":null}`, "$.n: null or missing, but the schema does not allow null"},
		{[]Column{{Name: "n", Kind: KindInt64}}, `{}`, "$.n: null or missing"},
		{[]Column{{Name: "n", Kind: KindInt64}}, `{"n":1e30}`, "$.n: 1e30 is not an integer within int64"},
		{[]Column{{Name: "n", Kind: KindInt64}}, `{"n":"1"}`, "$.n: expected a value for a int64 column, got a string"},
		{[]Column{{Name: "a", Kind: KindArray, Elem: &Column{Kind: KindBoolean}}}, `{"a":[true,1]}`, "$.a[1]: expected a value for a boolean column"},
		{[]Column{{Name: "n", Kind: KindInt64}}, `[]`, "$: expected an object, got an array"},
		{[]Column{{Name: "n", Kind: KindInt64}}, `{"n":`, "answer is not valid JSON"},
	}
	for _, tt := range tests {
		_, err := Decode(tt.cols, []byte(tt.answer))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.answer, err, tt.want)
		}
	}
}

func TestDecodeIntegerForms(t *testing.T) {
	cols := []Column{{Name: "n", Kind: KindInt64}, {Name: "d", Kind: KindDouble}, {Name: "j", Kind: KindJSON, Nullable: true}}
	got, err := Decode(cols, []byte(`{"n":3.0,"d":2,"j":{"b":1,"a":[true]}}`))
	want := []any{int64(3), 2.0, json.RawMessage(`{"b":1,"a":[true]}`)}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, %v", got, err)
	}
}
