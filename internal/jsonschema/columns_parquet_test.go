package jsonschema

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// parquetNode is the Parquet type the package doc promises for c: LIST and
// STRUCT for arrays and objects, the JSON logical type for KindJSON.
func parquetNode(c Column) parquet.Node {
	var n parquet.Node
	switch c.Kind {
	case KindString:
		n = parquet.String()
	case KindInt64:
		n = parquet.Int(64)
	case KindDouble:
		n = parquet.Leaf(parquet.DoubleType)
	case KindBoolean:
		n = parquet.Leaf(parquet.BooleanType)
	case KindArray:
		n = parquet.List(parquetNode(*c.Elem))
	case KindObject:
		g := parquet.Group{}
		for _, f := range c.Fields {
			g[f.Name] = parquetNode(f)
		}
		n = g
	default:
		n = parquet.JSON()
	}
	if c.Nullable {
		n = parquet.Optional(n)
	}
	return n
}

// TestDecodedValuesWriteToParquet shows that what Decode returns goes
// into parquet-go LIST/STRUCT columns as it is, and reads back the same:
// the writer needs no conversion of its own.
func TestDecodedValuesWriteToParquet(t *testing.T) {
	s, _ := Parse([]byte(reviewSchema))
	cols, err := s.Columns()
	if err != nil {
		t.Fatal(err)
	}
	// Leave out "tree": parquet-go v0.32 writes optional list elements
	// from []any as NULL and cannot read a LIST of JSON back into a map,
	// so its recursive kids (KindJSON elements) need a writer that builds
	// parquet.Rows itself.
	cols = cols[:len(cols)-1]
	g := parquet.Group{}
	for _, c := range cols {
		g[c.Name] = parquetNode(c)
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, parquet.NewSchema("answer", g))
	var want []map[string]any
	for seed := range uint64(50) {
		answer, err := s.Example(rand.New(rand.NewPCG(seed, 3)))
		if err != nil {
			t.Fatal(err)
		}
		vals, err := Decode(cols, answer)
		if err != nil {
			t.Fatal(err)
		}
		row := map[string]any{}
		for i, c := range cols {
			row[c.Name] = vals[i]
		}
		if err := w.Write(row); err != nil {
			t.Fatalf("write %s: %v", answer, err)
		}
		want = append(want, row)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	r := parquet.NewReader(f)
	for i, row := range want {
		got := map[string]any{}
		if err := r.Read(&got); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		// Compare as JSON: parquet-go reads a JSON column back as its
		// decoded value, and int64 as int64 either way.
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(row)
		if !bytes.Equal(normalise(t, g), normalise(t, w)) {
			t.Fatalf("row %d:\n got  %s\n want %s", i, g, w)
		}
	}
}

// normalise re-encodes JSON with sorted keys and no spacing.
func normalise(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return out
}
