package readers

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
)

// jsonlReader reads one JSON Lines file: one object per line.
type jsonlReader struct {
	first int64 // the input-wide row index of this file's first row
	src   *source
	lr    *lineReader
	obj   jsonObject
	row   int64
	err   error // sticky fatal error
	read  *atomic.Int64
	size  int64
}

// newJSONLReader opens path. It peeks at the first byte so that a file
// that cannot be read (corrupt compression, say) fails here, not later.
func newJSONLReader(path string, opt Options, firstRow int64, read *atomic.Int64) (*jsonlReader, error) {
	src, err := openSource(path, opt.Stdin, read)
	if err != nil {
		return nil, err
	}
	r := &jsonlReader{src: src, lr: newLineReader(src.r), row: firstRow, first: firstRow, read: read, size: src.size}
	if err := r.lr.peek(); err != nil {
		src.close()
		return nil, fmt.Errorf("read %s: %w", src.name, err)
	}
	return r, nil
}

// Next returns the next record. See Reader.
func (r *jsonlReader) Next(ctx context.Context) (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	var line []byte
	for {
		l, err := r.lr.next()
		if err == io.EOF {
			return Record{}, io.EOF
		}
		if err != nil {
			r.err = fmt.Errorf("%s:%d: read: %w", r.src.name, r.lr.line+1, err)
			return Record{}, r.err
		}
		l = l[:contentEnd(l)]
		if !isBlank(l) {
			line = l
			break
		}
	}
	rec := Record{Pos: Position{File: r.src.name, Line: r.lr.line, Row: r.row, FileRow: r.row - r.first}}
	r.row++
	if err := r.obj.parse(line); err != nil {
		re := &RowError{Pos: rec.Pos, Err: err}
		if je, ok := asJSONError(err); ok {
			re.Column = runeCol(line, min(je.off, len(line)))
			re.Err = je.err
		}
		rec.Err = re
		return rec, nil
	}
	rec.Fields = r.obj.fields()
	return rec, nil
}

// fields returns the parsed object's fields, sharing one string.
func (p *jsonObject) fields() []Field {
	all := string(p.out)
	out := make([]Field, len(p.null))
	start := 0
	for f := range out {
		nameEnd, valEnd := p.ends[2*f], p.ends[2*f+1]
		out[f] = Field{Name: all[start:nameEnd], Value: all[nameEnd:valEnd], Null: p.null[f], Kind: p.kind[f]}
		start = valEnd
	}
	return out
}

// isBlank reports whether line holds only spaces and tabs.
func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// BytesRead reports input bytes consumed (compressed bytes for compressed
// files). Safe to call from any goroutine.
func (r *jsonlReader) BytesRead() int64 { return r.read.Load() }

// Size reports the input size in bytes, or -1 when unknown.
func (r *jsonlReader) Size() int64 { return r.size }

func (r *jsonlReader) nextRow() int64 { return r.row }

// Close releases the file. It is safe to call more than once.
func (r *jsonlReader) Close() error { return r.src.close() }

// Header returns nil: JSONL has no header. See HeaderReader.
func (r *jsonlReader) Header() []string { return nil }
