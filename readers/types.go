package readers

import "github.com/batchprompt/batchprompt/internal/coltype"

// ColumnTyper is implemented by readers that know their columns' types
// before reading (Parquet, from the footer; CSV and TSV, where every
// column is text). JSONL does not: each of its values carries its own
// Kind instead.
type ColumnTyper interface {
	// ColumnTypes returns one type per Header column, in Header order. A
	// column whose files disagree on its type has the zero Type.
	ColumnTypes() []coltype.Type
}

// TypesOf returns the types r declares for its columns, by column name:
// every column for CSV, TSV and Parquet, none (nil) for JSONL, whose
// values carry their own Kind. Cost: nothing beyond what Open read.
func TypesOf(r Reader) map[string]coltype.Type {
	tr, ok := r.(ColumnTyper)
	hr, ok2 := r.(HeaderReader)
	if !ok || !ok2 {
		return nil
	}
	header, types := hr.Header(), tr.ColumnTypes()
	if len(types) != len(header) {
		return nil
	}
	out := make(map[string]coltype.Type, len(header))
	for i, name := range header {
		if types[i].Known() {
			out[name] = types[i]
		}
	}
	return out
}
