package readers

import (
	"encoding/json"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/batchprompt/batchprompt/internal/coltype"
)

// This file says what type each top-level Parquet column has, so that an
// output keeping the column can write it back with that type, and which
// Kind its values take (see types.go).

// ColumnTypes returns each top-level column's type. See ColumnTyper.
func (r *parquetReader) ColumnTypes() []coltype.Type {
	out := make([]coltype.Type, len(r.cols))
	for i, n := range r.cols {
		out[i] = n.columnType()
	}
	return out
}

// columnType is n's type as the reader renders it: a repeated field is a
// list of its values.
func (n *pqNode) columnType() coltype.Type {
	t := n.baseType()
	if n.repeated {
		return coltype.Type{Kind: coltype.List, Elem: &t}
	}
	return t
}

// baseType is n's type ignoring its own repetition.
func (n *pqNode) baseType() coltype.Type {
	switch n.kind {
	case nLeaf:
		return n.ltype
	case nList:
		elem := n.children[0]
		var t coltype.Type
		if n.elemIsRepeated {
			t = elem.baseType()
		} else {
			t = elem.children[0].columnType()
		}
		return coltype.Type{Kind: coltype.List, Elem: &t}
	case nMap:
		kv := n.children[0]
		k, v := kv.children[0].columnType(), kv.children[1].columnType()
		return coltype.Type{Kind: coltype.Map, Key: &k, Elem: &v}
	}
	t := coltype.Type{Kind: coltype.Struct, Fields: make([]coltype.Field, len(n.children))}
	for i, c := range n.children {
		t.Fields[i] = coltype.Field{Name: c.name, Type: c.columnType()}
	}
	return t
}

// leafType is the column type of a leaf read with conv. Types without an
// exact counterpart become the nearest one that holds every value: FLOAT16
// a FLOAT, legacy INT96 a TIMESTAMP_NS, binary without annotation and the
// NULL type text.
func leafType(conv leafConv, t parquet.Type) coltype.Type {
	bits, precision := 0, 38
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.IntType:
			bits = int(v.BitWidth)
		case *format.DecimalType:
			precision = int(v.Precision)
		}
	}
	switch conv.kind {
	case kBool:
		return coltype.Type{Kind: coltype.Bool}
	case kInt32, kUint32:
		if bits == 0 || bits > 32 {
			bits = 32
		}
		return coltype.Type{Kind: coltype.Int, Bits: bits, Unsigned: conv.kind == kUint32}
	case kInt64, kUint64:
		return coltype.Type{Kind: coltype.Int, Bits: 64, Unsigned: conv.kind == kUint64}
	case kFloat, kFloat16:
		return coltype.Type{Kind: coltype.Float, Bits: 32}
	case kDouble:
		return coltype.Type{Kind: coltype.Float, Bits: 64}
	case kDecimal:
		return coltype.Type{Kind: coltype.Decimal, Precision: precision, Scale: int(conv.scale)}
	case kDate:
		return coltype.Type{Kind: coltype.Date}
	case kTimestamp:
		return coltype.Type{Kind: coltype.Timestamp, Unit: unitName(conv.unit), UTC: conv.utc}
	case kTime:
		return coltype.Type{Kind: coltype.Time, Unit: unitName(conv.unit), UTC: conv.utc}
	case kInt96:
		return coltype.Type{Kind: coltype.Timestamp, Unit: "ns"}
	case kUUID:
		return coltype.Type{Kind: coltype.UUID}
	case kJSON:
		return coltype.Type{Kind: coltype.JSON}
	}
	return coltype.Type{Kind: coltype.Text}
}

// unitName is the coltype name of a tick.
func unitName(d time.Duration) string {
	switch d {
	case time.Millisecond:
		return "ms"
	case time.Nanosecond:
		return "ns"
	}
	return "us"
}

// valueKind is the Kind of a non-null value of top-level column n whose
// text is v.
func (n *pqNode) valueKind(v string) Kind {
	if n.kind != nLeaf || n.repeated {
		return KindJSON
	}
	switch n.conv.kind {
	case kBool:
		return KindBool
	case kInt32, kInt64, kUint32, kUint64, kDecimal:
		return KindNumber
	case kFloat, kDouble, kFloat16:
		if v == "" || v[0] == 'N' || v[0] == 'I' || (len(v) > 1 && v[1] == 'I') {
			return KindText // NaN, Infinity, -Infinity: JSON has no number for them
		}
		return KindNumber
	case kJSON:
		// A JSON column's object or array is a nested value like any
		// other; a scalar document, or text that is not JSON, stays text.
		if v != "" && (v[0] == '{' || v[0] == '[') && json.Valid([]byte(v)) {
			return KindJSON
		}
	}
	return KindText
}
