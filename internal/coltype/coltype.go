// Package coltype describes the type of an input column, so that an output
// can write a kept column back with the type it had: a Parquet BIGINT as
// BIGINT, a DECIMAL(10,2) as DECIMAL(10,2), a LIST of DATE as a LIST of
// DATE. Readers say what they know (Parquet: every column, from the
// footer; CSV: text), the state database stores it as JSON with the job,
// and writers build their columns from it.
//
// A Type is plain data: it marshals to and from JSON with encoding/json,
// and its zero value means "not known" (JSONL input, where each value
// carries its own JSON type instead).
package coltype

import (
	"strconv"
	"strings"
)

// Kind is the family of a column type.
type Kind string

// The kinds. Their names are what the state database stores: never rename
// one.
const (
	Unknown   Kind = ""
	Text      Kind = "text"      // UTF-8 text: VARCHAR
	Bool      Kind = "boolean"   // BOOLEAN
	Int       Kind = "int"       // Bits 8, 16, 32 or 64; Unsigned
	Float     Kind = "float"     // Bits 32 (FLOAT) or 64 (DOUBLE)
	Decimal   Kind = "decimal"   // Precision, Scale
	Date      Kind = "date"      // a calendar day
	Time      Kind = "time"      // a time of day: Unit, UTC
	Timestamp Kind = "timestamp" // an instant or wall-clock time: Unit, UTC
	UUID      Kind = "uuid"      // 16 bytes, written in canonical form
	JSON      Kind = "json"      // text that holds a JSON document
	List      Kind = "list"      // Elem
	Struct    Kind = "struct"    // Fields, in order
	Map       Kind = "map"       // Key, Elem
)

// Type is one column's type. Only the fields its Kind names are set.
type Type struct {
	Kind      Kind    `json:"kind,omitempty"`
	Bits      int     `json:"bits,omitempty"`
	Unsigned  bool    `json:"unsigned,omitempty"`
	Precision int     `json:"precision,omitempty"`
	Scale     int     `json:"scale,omitempty"`
	Unit      string  `json:"unit,omitempty"` // "ms", "us" or "ns"
	UTC       bool    `json:"utc,omitempty"`  // adjusted to UTC (DuckDB's TIMESTAMPTZ)
	Elem      *Type   `json:"elem,omitempty"`
	Key       *Type   `json:"key,omitempty"`
	Fields    []Field `json:"fields,omitempty"`
}

// Field is one field of a Struct.
type Field struct {
	Name string `json:"name"`
	Type Type   `json:"type"`
}

// Known reports whether t says anything: the zero Type does not.
func (t Type) Known() bool { return t.Kind != Unknown }

// String returns the type in DuckDB's spelling where DuckDB has one
// (BIGINT, DECIMAL(10,2), TIMESTAMP_MS, DATE[], STRUCT(a BIGINT)), for
// messages and status; it is not parsed back.
func (t Type) String() string {
	switch t.Kind {
	case Unknown:
		return "unknown"
	case Text:
		return "VARCHAR"
	case Bool:
		return "BOOLEAN"
	case Int:
		name := map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[t.Bits]
		if t.Unsigned {
			name = "U" + name
		}
		return name
	case Float:
		if t.Bits == 32 {
			return "FLOAT"
		}
		return "DOUBLE"
	case Decimal:
		return "DECIMAL(" + strconv.Itoa(t.Precision) + "," + strconv.Itoa(t.Scale) + ")"
	case Date:
		return "DATE"
	case Time, Timestamp:
		name := "TIME"
		if t.Kind == Timestamp {
			name = "TIMESTAMP"
		}
		if t.UTC {
			name += "TZ"
		}
		switch t.Unit {
		case "ms":
			name += "_MS"
		case "ns":
			name += "_NS"
		}
		return name
	case UUID:
		return "UUID"
	case JSON:
		return "JSON"
	case List:
		return elemString(t.Elem) + "[]"
	case Map:
		return "MAP(" + elemString(t.Key) + ", " + elemString(t.Elem) + ")"
	case Struct:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = strconv.Quote(f.Name) + " " + f.Type.String()
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	return string(t.Kind)
}

func elemString(t *Type) string {
	if t == nil {
		return "unknown"
	}
	return t.String()
}
