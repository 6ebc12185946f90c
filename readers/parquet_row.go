package readers

import (
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// This file turns a Parquet row into a Record and answers the reader's
// progress and metadata questions; parquet.go opens files and plans reads.

// where names a place in the file for an error message.
func (r *parquetReader) where(op string) string {
	return fmt.Sprintf("%s row group %d of %d (after file row %d)", op, r.gi, len(r.groups), r.line)
}

// convert turns one parquet row into a record.
func (r *parquetReader) convert(row parquet.Row) (Record, error) {
	r.line++
	rec := Record{Pos: Position{File: r.name, Line: r.line, Row: r.row, FileRow: r.row - r.first}}
	r.row++
	if err := r.asm.reset(row, r.leaves); err != nil {
		return rec, fmt.Errorf("file row %d: %w", r.line, err)
	}
	// All values of the row share one string, as for JSONL.
	b := r.buf[:0]
	if len(r.ends) != len(r.cols) {
		r.ends, r.nulls = make([]int, len(r.cols)), make([]bool, len(r.cols))
	}
	ends, nulls := r.ends, r.nulls
	for i, n := range r.cols {
		b, nulls[i] = r.appendColumn(b, n)
		if r.asm.err != nil {
			return rec, fmt.Errorf("file row %d, column %q: %w", r.line, n.name, r.asm.err)
		}
		ends[i] = len(b)
	}
	all := string(b)
	if cap(b) <= maxKeep {
		r.buf = b
	} else {
		r.buf = nil
	}
	rec.Fields = make([]Field, len(r.cols))
	start := 0
	for i, n := range r.cols {
		v := all[start:ends[i]]
		rec.Fields[i] = Field{Name: n.name, Value: v, Null: nulls[i], Kind: n.valueKind(v)}
		start = ends[i]
	}
	return rec, nil
}

// appendColumn appends a top-level column's value: plain text for a
// primitive, JSON for a nested one. It reports a null.
func (r *parquetReader) appendColumn(b []byte, n *pqNode) ([]byte, bool) {
	a := &r.asm
	if n.kind == nLeaf && !n.repeated {
		v, ok := a.peek(n.leaf)
		if !ok {
			a.err = errLevels
			return b, false
		}
		a.pos[n.leaf]++
		if v.IsNull() || v.DefinitionLevel() < n.maxDef || n.conv.kind == kNull {
			return b, true
		}
		return n.conv.appendText(b, v, false), false
	}
	if n.optional && !a.defined(n) {
		a.skip(n)
		return b, true
	}
	return a.field(b, n), false
}

// progress moves this file's share of the shared byte counter to done.
// Parquet is read by row group, not sequentially, so bytes are estimated
// from the share of rows read.
func (r *parquetReader) progress(done int64) {
	if d := done - r.reported; d > 0 {
		r.read.Add(d)
		r.reported = done
	}
}

// TotalRows returns the number of rows in the file, from its footer. See
// Counter.
func (r *parquetReader) TotalRows() int64 { return r.total }

// Header returns the top-level column names in file order. See
// HeaderReader.
func (r *parquetReader) Header() []string { return r.header }

// BytesRead estimates the bytes consumed: the file size times the share
// of rows read. Safe to call from any goroutine.
func (r *parquetReader) BytesRead() int64 { return r.read.Load() }

// Size reports the file size in bytes.
func (r *parquetReader) Size() int64 { return r.size }

func (r *parquetReader) nextRow() int64 { return r.row }

// Close releases the file. It is safe to call more than once.
func (r *parquetReader) Close() error {
	if r.rows != nil {
		rows := r.rows
		r.rows = nil
		r.guard("close", rows.Close) //nolint:errcheck // the file's own close matters more
	}
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}
