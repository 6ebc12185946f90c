package readers

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ColumnSample is how many records PeekColumns reads from an input without
// a header (JSONL) to learn its columns.
const ColumnSample = 1000

// PeekColumns learns the column names of the input r reads, before the
// caller reads any record, so that a column named in the configuration (an
// id column, a kept column, a template field) can be checked up front.
//
// For CSV and TSV the columns are the header, for Parquet the top-level
// columns of the schema; both are known once Open returns, cost nothing
// more, and are exhaustive. JSONL has no header: PeekColumns reads up to
// ColumnSample records and returns the union of their keys in the order
// first seen (malformed rows contribute none). That is exhaustive only when
// the input ended within the sample; otherwise a key that first appears
// later is missing.
//
// r must not have been read from. The returned Reader yields exactly the
// records r would have yielded, starting with the ones PeekColumns read,
// and implements Progress and HeaderReader as r does (BytesRead runs ahead
// while the sample is replayed); use it in place of r. Closing it closes
// r. For CSV, TSV and Parquet it is r itself.
// The sample is held in memory: up to ColumnSample records.
//
// A fatal read error (or ctx ending) during the sample is returned as err,
// with no Reader; cols then holds the keys seen before it.
func PeekColumns(ctx context.Context, r Reader) (cols []string, exhaustive bool, replay Reader, err error) {
	if hr, ok := r.(HeaderReader); ok && hr.Header() != nil {
		return hr.Header(), true, r, nil
	}
	p := &peekReader{Reader: r}
	seen := make(map[string]bool)
	for len(p.buf) < ColumnSample {
		rec, err := r.Next(ctx)
		if err == io.EOF {
			p.eof = true
			return cols, true, p, nil
		}
		if err != nil {
			return cols, false, nil, err
		}
		for _, f := range rec.Fields {
			if !seen[f.Name] {
				seen[f.Name] = true
				cols = append(cols, f.Name)
			}
		}
		p.buf = append(p.buf, rec)
	}
	return cols, false, p, nil
}

// Columns opens path with opt, learns its columns as PeekColumns does, and
// closes it again: a separate read, for when the caller has not opened the
// input yet. For CSV and TSV it reads the header of every file; for
// Parquet, every file's footer; for JSONL, the first ColumnSample records
// of the input. Standard input ("-") is refused, as it can be read only
// once: open it and use PeekColumns instead.
func Columns(ctx context.Context, path string, opt Options) (cols []string, exhaustive bool, err error) {
	if path == "-" {
		return nil, false, errors.New("readers.Columns: standard input can be read only once; use PeekColumns on the opened Reader")
	}
	r, err := Open(path, opt)
	if err != nil {
		return nil, false, err
	}
	defer r.Close()
	cols, exhaustive, _, err = PeekColumns(ctx, r)
	if err != nil {
		return nil, false, fmt.Errorf("columns of %s: %w", path, err)
	}
	return cols, exhaustive, nil
}

// peekReader replays the records PeekColumns read, then reads on from the
// Reader it wraps.
type peekReader struct {
	Reader
	buf []Record // records read ahead, not yet returned
	eof bool     // the wrapped Reader has returned io.EOF
}

// Next returns the sampled records first. See Reader.
func (p *peekReader) Next(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	if len(p.buf) > 0 {
		rec := p.buf[0]
		p.buf[0] = Record{} // let the replayed record's memory go
		p.buf = p.buf[1:]
		return rec, nil
	}
	if p.eof {
		return Record{}, io.EOF
	}
	return p.Reader.Next(ctx)
}

// BytesRead reports the wrapped Reader's progress. See Progress.
func (p *peekReader) BytesRead() int64 {
	if pr, ok := p.Reader.(Progress); ok {
		return pr.BytesRead()
	}
	return 0
}

// Size reports the wrapped Reader's input size. See Progress.
func (p *peekReader) Size() int64 {
	if pr, ok := p.Reader.(Progress); ok {
		return pr.Size()
	}
	return -1
}

// Header returns nil, as for any JSONL input. See HeaderReader.
func (p *peekReader) Header() []string { return nil }

// TotalRows returns the wrapped Reader's row count when it knows one up
// front, or -1.
func (p *peekReader) TotalRows() int64 {
	if c, ok := p.Reader.(Counter); ok {
		return c.TotalRows()
	}
	return -1
}
