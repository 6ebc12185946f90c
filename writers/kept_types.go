package writers

import (
	"github.com/parquet-go/parquet-go"

	"github.com/batchprompt/batchprompt/internal/coltype"
)

// Kept columns keep the type they had in the input (Schema.KeptTypes). In
// Parquet each becomes a column of that type:
//
//	input type                    Parquet column
//	VARCHAR, unknown              STRING
//	BOOLEAN                       BOOLEAN
//	TINYINT … BIGINT, unsigned    INT(8…64, signed or not)
//	FLOAT, DOUBLE                 FLOAT, DOUBLE
//	DECIMAL(p,s)                  DECIMAL(p,s) on INT32 (p ≤ 9), INT64 (p ≤ 18) or FIXED
//	DATE, TIME, TIMESTAMP[TZ]     DATE, TIME, TIMESTAMP with the input's unit and UTC flag
//	UUID, JSON                    UUID, JSON
//	T[], MAP(K, V), STRUCT(…)     LIST, MAP, STRUCT of the same, fields in input order
//
// Every level is optional except a map's key, so NULLs anywhere survive.
// JSONL writes a kept value as the input had it (Value.JSON), CSV as text.

// keptNode is the Parquet node of a kept column of type t.
func keptNode(t coltype.Type) parquet.Node { return parquet.Optional(typeNode(t)) }

// typeNode is the Parquet node of t, without its repetition.
func typeNode(t coltype.Type) parquet.Node {
	switch t.Kind {
	case coltype.Bool:
		return parquet.Leaf(parquet.BooleanType)
	case coltype.Int:
		if t.Unsigned {
			return parquet.Uint(t.Bits)
		}
		return parquet.Int(t.Bits)
	case coltype.Float:
		if t.Bits == 32 {
			return parquet.Leaf(parquet.FloatType)
		}
		return parquet.Leaf(parquet.DoubleType)
	case coltype.Decimal:
		return parquet.Decimal(t.Scale, t.Precision, decimalPhysical(t.Precision))
	case coltype.Date:
		return parquet.Date()
	case coltype.Time:
		return parquet.TimeAdjusted(timeUnit(t.Unit), t.UTC)
	case coltype.Timestamp:
		return parquet.TimestampAdjusted(timeUnit(t.Unit), t.UTC)
	case coltype.UUID:
		return parquet.UUID()
	case coltype.JSON:
		return parquet.JSON()
	case coltype.List:
		return parquet.List(parquet.Optional(typeNode(*t.Elem)))
	case coltype.Map:
		return parquet.Map(parquet.Required(typeNode(*t.Key)), parquet.Optional(typeNode(*t.Elem)))
	case coltype.Struct:
		names := make([]string, len(t.Fields))
		nodes := make([]parquet.Node, len(t.Fields))
		for i, f := range t.Fields {
			names[i], nodes[i] = f.Name, parquet.Optional(typeNode(f.Type))
		}
		if g, err := newOrderedGroup(names, nodes); err == nil {
			return g
		}
		// Parquet field names within a group are distinct; should a file
		// break that, the first of each name wins.
		g := parquet.Group{}
		for i, name := range names {
			if _, dup := g[name]; !dup {
				g[name] = nodes[i]
			}
		}
		return g
	}
	return parquet.String()
}

// decimalPhysical is the smallest physical type that holds precision
// digits, as Spark and DuckDB choose it.
func decimalPhysical(precision int) parquet.Type {
	switch {
	case precision <= 9:
		return parquet.Int32Type
	case precision <= 18:
		return parquet.Int64Type
	}
	return parquet.FixedLenByteArrayType(decimalBytes(precision))
}

// decimalBytes is how many bytes of two's complement hold precision
// decimal digits: the least n with 2^(8n-1) > 10^precision.
func decimalBytes(precision int) int {
	n := 1
	for bits := 7.0; bits < float64(precision)*3.321928094887362; bits += 8 {
		n++
	}
	return n
}

func timeUnit(u string) parquet.TimeUnit {
	switch u {
	case "ms":
		return parquet.Millisecond
	case "ns":
		return parquet.Nanosecond
	}
	return parquet.Microsecond
}

// leafCount is how many leaf columns a column of type t spans.
func leafCount(t coltype.Type) int {
	switch t.Kind {
	case coltype.List:
		return leafCount(*t.Elem)
	case coltype.Map:
		return leafCount(*t.Key) + leafCount(*t.Elem)
	case coltype.Struct:
		n := 0
		for _, f := range t.Fields {
			n += leafCount(f.Type)
		}
		return n
	}
	return 1
}

// nested reports whether t is a LIST, MAP or STRUCT.
func nested(t coltype.Type) bool {
	return t.Kind == coltype.List || t.Kind == coltype.Map || t.Kind == coltype.Struct
}

// bareJSON reports whether a value of type t is written bare in JSON: a
// number or a boolean.
func bareJSON(t coltype.Type) bool {
	switch t.Kind {
	case coltype.Int, coltype.Float, coltype.Decimal, coltype.Bool:
		return true
	}
	return false
}
