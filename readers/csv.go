package readers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/batchprompt/batchprompt/internal/coltype"
)

// csvReader reads one CSV or TSV file with a header row.
type csvReader struct {
	first  int64 // the input-wide row index of this file's first row
	src    *source
	sc     *csvScanner
	header []string
	row    int64 // index the next data record will take
	err    error // sticky fatal error
	read   *atomic.Int64
	size   int64
}

// newCSVReader opens path and reads its header. firstRow is the row index
// the first data record takes (non-zero for later files of a glob).
func newCSVReader(path string, opt Options, delim rune, firstRow int64, read *atomic.Int64) (*csvReader, error) {
	src, err := openSource(path, opt.Stdin, read)
	if err != nil {
		return nil, err
	}
	r := &csvReader{
		src:   src,
		sc:    newCSVScanner(newLineReader(src.r), delim),
		row:   firstRow,
		first: firstRow,
		read:  read,
		size:  src.size,
	}
	if err := r.readHeader(); err != nil {
		src.close()
		// A damaged .gz often decodes to a garbage header before the
		// decompressor notices: blame the damage, not the header.
		return nil, orCorrupt(err, path)
	}
	return r, nil
}

// readHeader reads and checks the header row: it must exist, and its names
// must be non-empty and distinct, since records are looked up by name.
func (r *csvReader) readHeader() error {
	res, err := r.sc.scan(-1)
	if err == io.EOF {
		return fmt.Errorf("%s: %w: no header row (file is empty)", r.src.name, ErrHeader)
	}
	if err != nil {
		return r.fatal(err)
	}
	if p := res.problem; p != nil {
		return &RowError{Pos: Position{File: r.src.name, Line: res.line}, Line: lineIfDiff(p.line, res.line), Column: p.col, Err: fmt.Errorf("%w: %w", ErrHeader, p.err)}
	}
	names := r.sc.fields()
	seen := make(map[string]int, len(names))
	for i, n := range names {
		at := r.sc.starts[i]
		e := &RowError{Pos: Position{File: r.src.name, Line: res.line}, Line: lineIfDiff(at.line, res.line), Column: at.col}
		if n == "" {
			e.Err = fmt.Errorf("%w: field %d has an empty name", ErrHeader, i+1)
			return e
		}
		if j, dup := seen[n]; dup {
			e.Err = fmt.Errorf("%w: field %d repeats the name %q of field %d", ErrHeader, i+1, n, j+1)
			return e
		}
		seen[n] = i
	}
	r.header = names
	return nil
}

// Next returns the next data record. See Reader.
func (r *csvReader) Next(ctx context.Context) (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	res, err := r.sc.scan(len(r.header))
	if err == io.EOF {
		return Record{}, io.EOF
	}
	if err != nil {
		r.err = r.fatal(err)
		return Record{}, r.err
	}
	rec := Record{Pos: Position{File: r.src.name, Line: res.line, Row: r.row, FileRow: r.row - r.first}}
	r.row++
	if p := res.problem; p != nil {
		rec.Err = &RowError{Pos: rec.Pos, Line: lineIfDiff(p.line, res.line), Column: p.col, Err: p.err}
		if errors.Is(p.err, ErrFieldCount) {
			// Every field was read whole; only their number is wrong. The
			// caller may still name the row by its id.
			rec.Fields = r.sc.record(r.header)
		}
		return rec, nil
	}
	rec.Fields = r.sc.record(r.header)
	return rec, nil
}

// fatal names the file and line in an error that ends the stream.
func (r *csvReader) fatal(err error) error {
	if re, ok := err.(*RowError); ok {
		re.Pos.File = r.src.name
		re.Pos.Row = r.row
		re.Line = lineIfDiff(re.Line, re.Pos.Line)
		return re
	}
	return fmt.Errorf("%s:%d: read: %w", r.src.name, r.sc.lr.line+1, err)
}

// lineIfDiff returns line, or 0 when it equals the record's start line.
func lineIfDiff(line, start int) int {
	if line == start {
		return 0
	}
	return line
}

// Header returns the column names in file order. See HeaderReader.
func (r *csvReader) Header() []string { return r.header }

// ColumnTypes returns text for every column: CSV has no other type. See
// ColumnTyper.
func (r *csvReader) ColumnTypes() []coltype.Type { return textTypes(len(r.header)) }

// textTypes is n text columns.
func textTypes(n int) []coltype.Type {
	out := make([]coltype.Type, n)
	for i := range out {
		out[i] = coltype.Type{Kind: coltype.Text}
	}
	return out
}

// BytesRead reports input bytes consumed (compressed bytes for compressed
// files). Safe to call from any goroutine.
func (r *csvReader) BytesRead() int64 { return r.read.Load() }

// Size reports the input size in bytes, or -1 when unknown.
func (r *csvReader) Size() int64 { return r.size }

// nextRow returns the row index the next record would take.
func (r *csvReader) nextRow() int64 { return r.row }

// Close releases the file. It is safe to call more than once.
func (r *csvReader) Close() error { return r.src.close() }
