package jsonschema

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestExampleConforms(t *testing.T) {
	schemas := map[string]string{
		"review": reviewSchema,
		"formats": obj(`"dt":{"type":"string","format":"date-time"},"d":{"type":"string","format":"date"},"t":{"type":"string","format":"time"},
			"dur":{"type":"string","format":"duration"},"e":{"type":"string","format":"email"},"h":{"type":"string","format":"hostname"},
			"v4":{"type":"string","format":"ipv4"},"v6":{"type":"string","format":"ipv6"},"u":{"type":"string","format":"uuid"},
			"code":{"type":"string","pattern":"^[A-Z]+-[0-9]+$"}`, "dt", "d", "t", "dur", "e", "h", "v4", "v6", "u", "code"),
		"bounds": obj(`"i":{"type":"integer","exclusiveMinimum":-3,"exclusiveMaximum":-1},"m":{"type":"integer","multipleOf":7,"minimum":50},
			"f":{"type":"number","minimum":0.5,"maximum":0.75},"q":{"type":"number","multipleOf":0.25,"maximum":-10},
			"few":{"type":"array","items":{"type":"boolean"},"minItems":5,"maxItems":5},"none":{"type":"array","items":{"type":"null"},"maxItems":0}`,
			"i", "m", "f", "q", "few", "none"),
		"recursive root":    obj(`"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}`, "v", "next"),
		"consts and unions": obj(`"c":{"const":"fixed"},"e":{"enum":[1,"two",null]},"u":{"type":["boolean","string"]}`, "c", "e", "u"),
	}
	for name, schema := range schemas {
		s, err := Parse([]byte(schema))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("%s: Check: %v", name, err)
		}
		for seed := range uint64(200) {
			a, err := s.Example(rand.New(rand.NewPCG(seed, 1)))
			if err != nil {
				t.Fatalf("%s seed %d: %v", name, seed, err)
			}
			if err := s.Validate(a); err != nil {
				t.Fatalf("%s seed %d: %s\n%v", name, seed, a, err)
			}
			b, _ := s.Example(rand.New(rand.NewPCG(seed, 1)))
			if !bytes.Equal(a, b) {
				t.Fatalf("%s seed %d: not deterministic:\n%s\n%s", name, seed, a, b)
			}
		}
	}
}

func TestExampleVaries(t *testing.T) {
	s, _ := Parse([]byte(reviewSchema))
	seen := map[string]bool{}
	nulls := 0
	for seed := range uint64(100) {
		a, _ := s.Example(rand.New(rand.NewPCG(seed, 2)))
		for _, v := range []string{"positive", "neutral", "negative"} {
			if strings.Contains(string(a), `"sentiment":"`+v+`"`) {
				seen[v] = true
			}
		}
		if strings.Contains(string(a), `"note":null`) {
			nulls++
		}
		if !strings.HasPrefix(string(a), `{"product":"product `) {
			t.Fatalf("keys must come in schema order and strings read \"<name> <n>\": %s", a)
		}
	}
	if len(seen) != 3 || nulls == 0 || nulls == 100 {
		t.Errorf("over 100 seeds: enum values %v, nulls %d", seen, nulls)
	}
}

func TestExampleUnsatisfiablePattern(t *testing.T) {
	s, _ := Parse([]byte(obj(`"x":{"type":"string","pattern":"^zz[0-9]{9}$"}`, "x")))
	if _, err := s.Example(rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), `$.x: cannot generate a string matching pattern`) {
		t.Errorf("got %v", err)
	}
}

// TestUncheckedSchemasFailCleanly feeds schemas that never passed Check
// (the simulator answers non-strict requests too): errors, no panic and
// no endless recursion.
func TestUncheckedSchemasFailCleanly(t *testing.T) {
	loop := `{"type":"object","properties":{"a":{"$ref":"#/$defs/x"}},"$defs":{"x":{"anyOf":[{"$ref":"#/$defs/y"}]},"y":{"anyOf":[{"$ref":"#/$defs/x"}]}}}`
	for _, schema := range []string{
		loop,
		`{"type":"object","properties":{"a":{"anyOf":[]}}}`,
		`{"type":"object","properties":{"a":{"enum":[]}}}`,
		`{"type":"object","properties":{"a":{"type":"array"}}}`,
		`{"type":"object","properties":{"a":{"type":"float"}}}`,
		`{"type":"object","properties":{"a":{"$ref":"#/nowhere"}}}`,
		`{"type":"object","properties":{"a":5}}`,
	} {
		s, err := Parse([]byte(schema))
		if err != nil {
			t.Fatal(err)
		}
		if a, err := s.Example(rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("%s: Example gave %s, want an error", schema, a)
		}
		_ = s.Validate([]byte(`{"a":1}`)) // must return
		_, _ = s.Columns()
	}
	s, _ := Parse([]byte(loop))
	if err := s.Validate([]byte(`{"a":1}`)); err == nil {
		t.Errorf("Validate on a loop: %v", err)
	}
	cols, err := s.Columns()
	if err != nil || len(cols) != 1 || cols[0].Kind != KindJSON {
		t.Errorf("Columns on a loop: %+v, %v", cols, err)
	}
}
