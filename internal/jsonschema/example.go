package jsonschema

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"time"
)

// exampleDepth is how deep Example goes before it prefers null, empty
// arrays and non-recursive alternatives, so recursive schemas end.
const exampleDepth = 6

// Example returns a JSON answer that conforms to the schema (one that
// passed [Schema.Check]), every choice drawn from r: the same schema and
// the same generator state give the same bytes. Strings read "<property>
// <n>" or follow their format; numbers have two decimals; enums pick a
// listed value; a nullable value is null one time in four; arrays hold
// 1–3 items within minItems/maxItems; keys come in schema order, as the
// API sends them. It fails only on a "pattern" none of its candidate
// strings match. Its cost is one walk over the generated value.
func (s *Schema) Example(r *rand.Rand) ([]byte, error) {
	g := generator{s: s, r: r}
	return g.value(nil, s.root, "answer", "$", 0)
}

type generator struct {
	s *Schema
	r *rand.Rand
}

func (g generator) value(b []byte, n *object, name, path string, depth int) ([]byte, error) {
	n, _, err := g.s.resolve(n, path)
	if err != nil {
		return nil, err
	}
	if depth > exampleDepth+maxRefHops {
		return nil, fmt.Errorf("%s: the schema's alternatives refer to each other without end", path)
	}
	if av, ok := n.Get("anyOf"); ok {
		alts, _ := av.([]any)
		if len(alts) == 0 {
			return nil, fmt.Errorf("%s: \"anyOf\" has no alternatives", path)
		}
		pick := alts[g.r.IntN(len(alts))]
		if depth >= exampleDepth { // prefer an alternative that ends
			pick = alts[len(alts)-1]
			for _, a := range alts {
				if o, _ := a.(*object); o != nil && !hasRef(o) {
					pick = a
					break
				}
			}
		}
		o, _ := pick.(*object)
		if o == nil {
			return nil, fmt.Errorf("%s: an anyOf alternative is not a schema", path)
		}
		return g.value(b, o, name, path, depth+1) // +1: alternatives that refer to each other end
	}
	if c, ok := n.Get("const"); ok {
		return appendJSON(b, c), nil
	}
	if e, ok := n.Get("enum"); ok {
		list, _ := e.([]any)
		if len(list) == 0 {
			return nil, fmt.Errorf("%s: \"enum\" has no values", path)
		}
		return appendJSON(b, list[g.r.IntN(len(list))]), nil
	}
	ts, _ := types(n)
	var concrete []string
	for _, t := range ts {
		if t != "null" {
			concrete = append(concrete, t)
		}
	}
	if len(concrete) < len(ts) && (len(concrete) == 0 || depth >= exampleDepth || g.r.IntN(4) == 0) {
		return append(b, "null"...), nil
	}
	if len(concrete) == 0 {
		return nil, fmt.Errorf("%s: the schema has no type to generate", path)
	}
	switch t := concrete[g.r.IntN(len(concrete))]; t {
	case "string":
		return g.str(b, n, name, path)
	case "integer":
		return g.integer(b, n), nil
	case "number":
		return g.number(b, n), nil
	case "boolean":
		return strconv.AppendBool(b, g.r.IntN(2) == 1), nil
	case "array":
		return g.array(b, n, name, path, depth)
	case "object":
		return g.object(b, n, path, depth)
	default:
		return nil, fmt.Errorf("%s: cannot generate type %q", path, t)
	}
}

func hasRef(o *object) bool {
	_, ok := o.Get("$ref")
	return ok
}

func (g generator) object(b []byte, n *object, path string, depth int) ([]byte, error) {
	p, _ := n.Get("properties")
	props, _ := p.(*object)
	b = append(b, '{')
	if props != nil {
		for i, k := range props.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, k)
			b = append(b, ':')
			ps, _ := props.Vals[k].(*object)
			if ps == nil {
				return nil, fmt.Errorf("%s: property %q is not a schema", path, k)
			}
			var err error
			if b, err = g.value(b, ps, k, path+key(k), depth+1); err != nil {
				return nil, err
			}
		}
	}
	return append(b, '}'), nil
}

func (g generator) array(b []byte, n *object, name, path string, depth int) ([]byte, error) {
	count := int64(1 + g.r.IntN(3))
	lo, _ := intKeyword(n, "minItems")
	if depth >= exampleDepth {
		count = 0
	}
	count = max(count, lo)
	if hi, ok := intKeyword(n, "maxItems"); ok && count > hi {
		count = hi
	}
	items, _ := n.Get("items")
	is, _ := items.(*object)
	if is == nil {
		return nil, fmt.Errorf("%s: the array has no \"items\" schema", path)
	}
	b = append(b, '[')
	for i := range count {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = g.value(b, is, name, path+index(int(i)), depth+1); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// bounds returns the inclusive range a number may take, in units of step:
// the schema's bounds, or 100 wide on the open side, or 0–100.
func bounds(n *object, step float64) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if v, ok := numKeyword(n, "minimum"); ok {
		lo = v
	}
	if v, ok := numKeyword(n, "exclusiveMinimum"); ok {
		lo = math.Max(lo, v+step)
	}
	if v, ok := numKeyword(n, "maximum"); ok {
		hi = v
	}
	if v, ok := numKeyword(n, "exclusiveMaximum"); ok {
		hi = math.Min(hi, v-step)
	}
	switch {
	case math.IsInf(lo, -1) && math.IsInf(hi, 1):
		return 0, 100
	case math.IsInf(lo, -1):
		return hi - 100, hi
	case math.IsInf(hi, 1):
		return lo, lo + 100
	}
	return lo, hi
}

// pickStep returns lo + k·step for a random k that stays within [lo, hi],
// or a multiple of multipleOf there when the schema has one.
func (g generator) pickStep(n *object, lo, hi, step float64) float64 {
	if m, ok := numKeyword(n, "multipleOf"); ok && m > 0 {
		k0, k1 := math.Ceil(lo/m), math.Floor(hi/m)
		if k1 >= k0 {
			return (k0 + float64(g.r.Int64N(int64(math.Min(k1-k0, 1e9))+1))) * m
		}
		return k0 * m
	}
	k0, k1 := math.Ceil(lo/step), math.Floor(hi/step)
	if k1 < k0 {
		return lo
	}
	return (k0 + float64(g.r.Int64N(int64(math.Min(k1-k0, 1e9))+1))) * step
}

func (g generator) integer(b []byte, n *object) []byte {
	lo, hi := bounds(n, 1)
	return strconv.AppendInt(b, int64(math.Round(g.pickStep(n, math.Ceil(lo), math.Floor(hi), 1))), 10)
}

func (g generator) number(b []byte, n *object) []byte {
	lo, hi := bounds(n, 0.01)
	v := g.pickStep(n, lo, hi, 0.01)
	if _, ok := n.Get("multipleOf"); !ok {
		v = math.Round(v*100) / 100
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

func (g generator) str(b []byte, n *object, name, path string) ([]byte, error) {
	base := fmt.Sprintf("%s %d", name, g.r.IntN(1000))
	if f, ok := n.Get("format"); ok {
		fs, _ := f.(string)
		base = g.format(fs)
	}
	p, ok := n.Get("pattern")
	if !ok {
		return appendJSON(b, base), nil
	}
	ps, _ := p.(string)
	re, err := regexp.Compile(ps)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot generate a string for pattern %q: %w", path, ps, err)
	}
	num := strconv.Itoa(g.r.IntN(1000))
	for _, c := range []string{base, name, name + "-" + num, num, "a", "A", "abc", "ABC", "ABC-" + num, "a1", "1", "",
		"2026-01-02", "user@example.com", "https://example.com"} {
		if re.MatchString(c) {
			return appendJSON(b, c), nil
		}
	}
	return nil, fmt.Errorf("%s: cannot generate a string matching pattern %q", path, ps)
}

func (g generator) format(f string) string {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.r.IntN(365*24*3600)) * time.Second)
	switch f {
	case "date-time":
		return at.Format(time.RFC3339)
	case "date":
		return at.Format(time.DateOnly)
	case "time":
		return at.Format(time.TimeOnly)
	case "duration":
		return fmt.Sprintf("P%dD", 1+g.r.IntN(30))
	case "email":
		return fmt.Sprintf("user%d@example.com", g.r.IntN(1000))
	case "hostname":
		return fmt.Sprintf("host%d.example.com", g.r.IntN(1000))
	case "ipv4":
		return fmt.Sprintf("192.0.2.%d", 1+g.r.IntN(254))
	case "ipv6":
		return fmt.Sprintf("2001:db8::%x", 1+g.r.IntN(0xffff))
	case "uuid":
		u := make([]byte, 16)
		for i := range u {
			u[i] = byte(g.r.IntN(256))
		}
		u[6], u[8] = u[6]&0x0f|0x40, u[8]&0x3f|0x80
		return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
	}
	return "text"
}
