package request

import (
	"context"
	"slices"

	"github.com/batchprompt/batchprompt/readers"
)

// KeepAll is the --keep value that keeps every input column.
const KeepAll = "*"

// ExpandKeep replaces KeepAll in keep by the input's columns, in input
// order, leaving out the id column (always the first output column) and
// any column named explicitly elsewhere in keep, so the output keeps each
// once. The columns are the CSV/TSV header, the Parquet schema, or the
// keys of JSONL's first readers.ColumnSample rows (a key that first
// appears later is not kept). Without KeepAll it returns in and keep
// unchanged and reads nothing; with it, the Reader returned replaces in
// (see readers.PeekColumns).
func ExpandKeep(ctx context.Context, in readers.Reader, keep []string, id string) (readers.Reader, []string, error) {
	at := slices.Index(keep, KeepAll)
	if at < 0 {
		return in, keep, nil
	}
	cols, _, replay, err := readers.PeekColumns(ctx, in)
	if replay != nil {
		in = replay
	}
	if err != nil {
		return in, keep, err
	}
	var all []string
	for _, c := range cols {
		if c != id && !slices.Contains(keep, c) {
			all = append(all, c)
		}
	}
	out := slices.Concat(keep[:at], all, keep[at+1:])
	return in, slices.DeleteFunc(out, func(k string) bool { return k == KeepAll }), nil
}
