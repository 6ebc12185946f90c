package jsonschema

import (
	"encoding/json"
	"reflect"
	"testing"
)

// reviewSchema has every kind the acceptance test names.
const reviewSchema = `{"type":"object","additionalProperties":false,
 "required":["product","score","rating","verified","sentiment","note","tags","author","tree"],
 "properties":{
  "product":{"type":"string"},
  "score":{"type":"integer","minimum":1,"maximum":5},
  "rating":{"type":"number"},
  "verified":{"type":"boolean"},
  "sentiment":{"type":"string","enum":["positive","neutral","negative"]},
  "note":{"type":["string","null"]},
  "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3},
  "author":{"type":"object","additionalProperties":false,"required":["name","age"],
   "properties":{"name":{"type":"string"},"age":{"anyOf":[{"type":"integer"},{"type":"null"}]}}},
  "tree":{"$ref":"#/$defs/node"}},
 "$defs":{"node":{"type":"object","additionalProperties":false,"required":["v","kids"],
  "properties":{"v":{"type":"string"},"kids":{"type":"array","maxItems":2,"items":{"$ref":"#/$defs/node"}}}}}}`

func TestColumns(t *testing.T) {
	s, err := Parse([]byte(reviewSchema))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	got, err := s.Columns()
	if err != nil {
		t.Fatal(err)
	}
	want := []Column{
		{Name: "product", Kind: KindString},
		{Name: "score", Kind: KindInt64},
		{Name: "rating", Kind: KindDouble},
		{Name: "verified", Kind: KindBoolean},
		{Name: "sentiment", Kind: KindString, Enum: []string{"positive", "neutral", "negative"}},
		{Name: "note", Kind: KindString, Nullable: true},
		{Name: "tags", Kind: KindArray, Elem: &Column{Name: "tags", Kind: KindString}},
		{Name: "author", Kind: KindObject, Fields: []Column{
			{Name: "name", Kind: KindString}, {Name: "age", Kind: KindInt64, Nullable: true}}},
		{Name: "tree", Kind: KindObject, Fields: []Column{
			{Name: "v", Kind: KindString},
			{Name: "kids", Kind: KindArray, Elem: &Column{Name: "kids", Kind: KindJSON}}}},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("columns:\n%s", g)
	}
}

func TestColumnKinds(t *testing.T) {
	tests := []struct {
		prop     string
		kind     Kind
		nullable bool
	}{
		{`{"type":["integer","null"]}`, KindInt64, true},
		{`{"type":["integer","number"]}`, KindDouble, false},
		{`{"type":["string","integer"]}`, KindJSON, false},
		{`{"enum":[1,2,3]}`, KindInt64, false},
		{`{"enum":["a",null]}`, KindString, true},
		{`{"const":true}`, KindBoolean, false},
		{`{"anyOf":[{"type":"string"},` + obj(``) + `]}`, KindJSON, false},
		{`{"anyOf":[{"type":"null"},{"type":"array","items":{"type":"number"}}]}`, KindArray, true},
	}
	for _, tt := range tests {
		s, err := Parse([]byte(obj(`"x":`+tt.prop, "x")))
		if err != nil {
			t.Fatal(err)
		}
		cols, err := s.Columns()
		if err != nil || len(cols) != 1 || cols[0].Kind != tt.kind || cols[0].Nullable != tt.nullable {
			t.Errorf("%s: got %+v, %v; want kind %s nullable %v", tt.prop, cols, err, tt.kind, tt.nullable)
		}
	}
}

func TestColumnsRootRecursion(t *testing.T) {
	s, _ := Parse([]byte(obj(`"v":{"type":"string"},"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}`, "v", "next")))
	cols, err := s.Columns()
	if err != nil || len(cols) != 2 || cols[1].Kind != KindJSON || !cols[1].Nullable {
		t.Errorf("got %+v, %v", cols, err)
	}
}
