package jobstate

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/coltype"
	"github.com/batchprompt/batchprompt/writers"
)

// Kept columns keep their input types in Parquet outputs. Where the input
// declares them (a Parquet schema; CSV, all text) the run records them
// (MetaColumnTypes) and outputs follow; where it does not (JSONL), the
// type is the one every stored value of the column agrees on: integers
// BIGINT, numbers DOUBLE, booleans BOOLEAN, arrays and objects JSON, and
// anything mixed VARCHAR, with non-string values as their JSON text.

// setColumnTypes records the input's declared column types for outputs
// and export.
func setColumnTypes(ctx context.Context, db *checkpoint.DB, types map[string]coltype.Type) error {
	if types == nil {
		types = map[string]coltype.Type{}
	}
	b, err := json.Marshal(types)
	if err != nil {
		return fmt.Errorf("column types: %w", err)
	}
	return db.SetMeta(ctx, MetaColumnTypes, string(b))
}

// withKeptTypes returns s with KeptTypes filled: each kept column's
// recorded type, or, when none was recorded and infer is set (Parquet
// needs one type per column), the type its stored values agree on; else
// unknown. Cost: one scan of the rows when inferring, nothing otherwise.
func withKeptTypes(ctx context.Context, db *checkpoint.DB, s writers.Schema, infer bool) (writers.Schema, error) {
	if s.KeptTypes != nil {
		return s, nil
	}
	recorded := map[string]coltype.Type{}
	v, ok, err := db.Meta(ctx, MetaColumnTypes)
	if err != nil {
		return s, err
	}
	if ok {
		// A value this release cannot read leaves the types unknown:
		// inferred from the values below, never an unwritable output.
		_ = json.Unmarshal([]byte(v), &recorded)
	}
	types := make([]coltype.Type, len(s.Keep))
	var kinds map[int]map[string]bool
	for i, name := range s.Keep {
		if t := recorded[name]; t.Known() || !infer {
			types[i] = t
			continue
		}
		if kinds == nil {
			if kinds, err = db.KeptKinds(ctx); err != nil {
				return s, err
			}
		}
		types[i] = inferType(kinds[i])
	}
	s.KeptTypes = types
	if !s.RowNumberID {
		s.IDType = recorded[s.IDColumn]
	}
	return s, nil
}

// inferType is the column type for values of the JSON types seen (SQLite's
// json_type names).
func inferType(seen map[string]bool) coltype.Type {
	only := func(allowed ...string) bool {
		n := 0
		for _, a := range allowed {
			if seen[a] {
				n++
			}
		}
		return len(seen) > 0 && n == len(seen)
	}
	switch {
	case only("integer"):
		return coltype.Type{Kind: coltype.Int, Bits: 64}
	case only("integer", "real"):
		return coltype.Type{Kind: coltype.Float, Bits: 64}
	case only("true", "false"):
		return coltype.Type{Kind: coltype.Bool}
	case only("array", "object"):
		return coltype.Type{Kind: coltype.JSON}
	}
	return coltype.Type{Kind: coltype.Text}
}

// asDeclared marks a kept value stored as text as the JSON it is when its
// column is declared a number, boolean, nested or JSON type (an object or
// array there): a row stored by a release before typed kept columns then
// reads as the rows stored since (a JSONL number, not a string). Text that
// is not such JSON (NaN) stays text.
func asDeclared(v *writers.Value, t coltype.Type) {
	if v.Null || v.JSON || v.Text == "" {
		return
	}
	c := v.Text[0]
	var ok bool
	switch t.Kind {
	case coltype.Int, coltype.Float, coltype.Decimal:
		ok = c == '-' || (c >= '0' && c <= '9')
	case coltype.Bool:
		ok = v.Text == "true" || v.Text == "false"
	case coltype.List:
		ok = c == '['
	case coltype.Map, coltype.Struct:
		ok = c == '{'
	case coltype.JSON:
		ok = c == '{' || c == '['
	}
	v.JSON = ok && json.Valid([]byte(v.Text))
}
