package writers

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/batchprompt/batchprompt/internal/jsonschema"
)

// Structured output (--json-schema): each top-level property of the
// answer's schema is one typed column after output, named as in the
// schema. The values come from the row's raw answer (Row.Output), decoded
// at write time with jsonschema.Decode, so the state database keeps only
// the answer text and every format, and export, derive the same values.
// A failed row, or an answer that does not decode (a row answered before
// the schema was set), has NULL in every structured column.
//
// How each kind is written (see jsonschema's package doc for why):
//
//	             Parquet                      JSONL             CSV
//	string/enum  STRING                       string            text
//	int64        INT64                        number            decimal
//	double       DOUBLE                       number            decimal
//	boolean      BOOLEAN                      true/false        true/false
//	array        LIST of the element          array             compact JSON
//	object       STRUCT, fields in order      object            compact JSON
//	json         STRING (JSON logical type)   the value         compact JSON
//
// Every top-level column is optional (failed rows are NULL); nested
// fields and elements are optional only where the schema allows null.

// structuredValues returns r's value for each of s.Structured: Row.Structured
// when set, else the answer decoded; nil means every column is NULL.
func (s Schema) structuredValues(r *Row) []any {
	if len(s.Structured) == 0 || r.outputNull() {
		return nil
	}
	if r.Structured != nil {
		return r.Structured
	}
	vals, err := jsonschema.Decode(s.Structured, []byte(r.Output))
	if err != nil {
		return nil
	}
	return vals
}

// appendJSONValue appends v, a value of column c as jsonschema.Decode
// returns it, as JSON: object fields in schema order.
func appendJSONValue(b []byte, c *jsonschema.Column, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		f, err := json.Marshal(v) // JSON's number form; Decode never gives NaN or ±Inf
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, f...)
	case bool:
		return strconv.AppendBool(b, v)
	case json.RawMessage:
		return append(b, v...)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONValue(b, c.Elem, e)
		}
		return append(b, ']')
	case map[string]any:
		b = append(b, '{')
		for i := range c.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, c.Fields[i].Name)
			b = append(b, ':')
			b = appendJSONValue(b, &c.Fields[i], v[c.Fields[i].Name])
		}
		return append(b, '}')
	}
	return append(b, "null"...) // not a value Decode returns
}

// structuredCell is v as CSV text: scalars as text, arrays, objects and
// JSON values as compact JSON, null as the empty cell.
func structuredCell(c *jsonschema.Column, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return validUTF8(v)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return string(appendJSONValue(nil, c, v))
}

// structuredNode is the Parquet node of column c; top is true for a
// top-level column, which is always optional.
func structuredNode(c jsonschema.Column, top bool) parquet.Node {
	var n parquet.Node
	switch c.Kind {
	case jsonschema.KindString:
		n = parquet.String()
	case jsonschema.KindInt64:
		n = parquet.Int(64)
	case jsonschema.KindDouble:
		n = parquet.Leaf(parquet.DoubleType)
	case jsonschema.KindBoolean:
		n = parquet.Leaf(parquet.BooleanType)
	case jsonschema.KindArray:
		n = parquet.List(structuredNode(*c.Elem, false))
	case jsonschema.KindObject:
		names := make([]string, len(c.Fields))
		nodes := make([]parquet.Node, len(c.Fields))
		for i, f := range c.Fields {
			names[i], nodes[i] = f.Name, structuredNode(f, false)
		}
		g, err := newOrderedGroup(names, nodes)
		if err != nil {
			// Property names within one object are distinct in JSON; keep
			// going with parquet's sorted group rather than fail the job.
			pg := parquet.Group{}
			for i, name := range names {
				pg[name] = nodes[i]
			}
			n = pg
		} else {
			n = g
		}
	default:
		n = parquet.JSON()
	}
	if top || c.Nullable {
		n = parquet.Optional(n)
	}
	return n
}

// structuredParquet writes the structured columns into Parquet rows: one
// single-column schema per column deconstructs its values (LIST and STRUCT
// levels included), and the values are moved to the column's place in the
// output.
type structuredParquet struct {
	cols    []jsonschema.Column
	schemas []*parquet.Schema
	leaves  []int // leaf columns of each column
	nulls   []parquet.Row
	row     map[string]any // reused wrapper handed to Deconstruct
}

func newStructuredParquet(cols []jsonschema.Column) *structuredParquet {
	p := &structuredParquet{cols: cols, row: map[string]any{}}
	for _, c := range cols {
		sch := parquet.NewSchema("s", parquet.Group{c.Name: structuredNode(c, true)})
		p.schemas = append(p.schemas, sch)
		p.leaves = append(p.leaves, len(sch.Columns()))
		p.nulls = append(p.nulls, sch.Deconstruct(nil, map[string]any{}))
	}
	return p
}

// appendRow appends the values of vals (nil: all NULL) to row, the first
// at leaf column col, and returns the row and the next column.
func (p *structuredParquet) appendRow(row parquet.Row, vals []any, col int) (out parquet.Row, next int, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("writers: structured column does not fit its schema: %v", e)
		}
	}()
	for i, c := range p.cols {
		var part parquet.Row
		if vals == nil || vals[i] == nil {
			part = p.nulls[i]
		} else {
			p.row[c.Name] = vals[i]
			part = p.schemas[i].Deconstruct(nil, p.row)
			delete(p.row, c.Name)
		}
		for _, v := range part {
			row = append(row, v.Level(v.RepetitionLevel(), v.DefinitionLevel(), v.Column()+col))
		}
		col += p.leaves[i]
	}
	return row, col, nil
}

// withStructured inserts the structured columns' names after output in
// cols. A name already claimed (a result column, the id, a kept column) is
// an error naming both, before anything is sent.
func (s Schema) withStructured(cols []string, seen map[string]string) ([]string, error) {
	if len(s.Structured) == 0 {
		return cols, nil
	}
	at := slices.Index(cols, "output") + 1
	names := make([]string, 0, len(s.Structured))
	for _, c := range s.Structured {
		name := validUTF8(c.Name)
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("writers: the JSON schema's property %q collides with the %s of the same name; rename the property (or the column)", name, prev)
		}
		seen[name] = "JSON schema property"
		names = append(names, name)
	}
	return slices.Insert(cols, at, names...), nil
}

// valueAt is vals[i], or nil when vals is nil (every column NULL).
func valueAt(vals []any, i int) any {
	if vals == nil {
		return nil
	}
	return vals[i]
}
