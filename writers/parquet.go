package writers

import (
	"fmt"
	"io"

	"github.com/batchprompt/batchprompt/internal/coltype"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// parquetRowsPerGroup caps a row group: parquet-go holds the current group
// in memory, so this bounds memory whatever the number of rows.
const parquetRowsPerGroup = 64 << 10

// parquetBytesPerGroup ends a row group early once this much text was
// written into it: LLM outputs can be long, and 64k rows of 10 KB each
// would otherwise make a row group of 640 MB.
const parquetBytesPerGroup = 64 << 20

// parquetBatch is how many rows are handed to parquet-go at once, to spread
// its per-call cost.
const parquetBatch = 256

// parquetWriter writes a zstd-compressed Parquet file with one column per
// output column. Rows are built as parquet.Row values with explicit
// definition levels, so a zero stays a zero and only a real null is NULL.
type parquetWriter struct {
	pw     *parquet.GenericWriter[any] // any: the schema is built at run time
	schema Schema
	ncols  int
	rows   []parquet.Row // pending batch; value slices reused
	// text holds the bytes of the pending batch's strings: parquet-go copies
	// values in WriteRows, so one buffer serves every batch.
	text      []byte
	groupRows int // rows written into the current row group
	textBytes int // text bytes written into the current row group
	// maxGroupBytes and maxGroupRows are parquetBytesPerGroup and
	// parquetRowsPerGroup; fields so tests can lower them.
	maxGroupBytes, maxGroupRows int
	err                         error
	closed                      bool
	structured                  *structuredParquet // nil without Schema.Structured
	vec                         []float32          // an embeddings row's vector, reused
}

func newParquet(w io.Writer, s Schema, cols []string) (*parquetWriter, error) {
	if len(cols) > parquet.MaxColumnIndex {
		return nil, fmt.Errorf("writers: %d columns exceed the parquet limit of %d", len(cols), parquet.MaxColumnIndex)
	}
	root, err := newOrderedGroup(cols, parquetNodes(s))
	if err != nil {
		return nil, err
	}
	cfg, err := parquet.NewWriterConfig(
		parquet.NewSchema("batchprompt", root),
		// A codec of its own, not the shared parquet.Zstd: that one pools
		// encoders across every writer in the process, and an encoder made
		// inside a testing/synctest bubble must not be used outside it.
		// One encoder: a writer compresses one page at a time, and each
		// encoder state holds 16 MB of history for as long as it lives.
		parquet.Compression(&zstd.Codec{Concurrency: 1}),
		parquet.MaxRowsPerRowGroup(parquetRowsPerGroup),
		parquet.CreatedBy("batchprompt", "", ""),
	)
	if err != nil {
		return nil, fmt.Errorf("writers: parquet configuration: %w", err)
	}
	rows := make([]parquet.Row, 0, parquetBatch)
	pw := &parquetWriter{pw: parquet.NewGenericWriter[any](w, cfg), schema: s, ncols: len(cols), rows: rows,
		text: make([]byte, 0, 64<<10), maxGroupBytes: parquetBytesPerGroup, maxGroupRows: parquetRowsPerGroup}
	if len(s.Structured) > 0 {
		pw.structured = newStructuredParquet(s.Structured)
	}
	return pw, nil
}

// Write implements Writer.
func (p *parquetWriter) Write(r Row) error {
	switch {
	case p.err != nil:
		return p.err
	case p.closed:
		return errClosed
	}
	if err := p.schema.checkRow(&r); err != nil {
		return err
	}
	n := len(p.rows)
	var row parquet.Row
	if n < cap(p.rows) {
		row = p.rows[:n+1][n][:0]
	}
	if row == nil {
		row = make(parquet.Row, 0, p.ncols)
	}
	col := 0
	// str appends a string (or NULL) for an optional or required column;
	// def is the definition level of a present value.
	str := func(s string, null bool, def int) {
		if null {
			row = append(row, parquet.NullValue().Level(0, 0, col))
		} else {
			start := len(p.text)
			p.text = appendValidUTF8(p.text, s)
			row = append(row, parquet.ByteArrayValue(p.text[start:len(p.text):len(p.text)]).Level(0, def, col))
		}
		col++
	}
	i64 := func(v int64) {
		row = append(row, parquet.Int64Value(v).Level(0, 0, col))
		col++
	}

	if p.schema.RowNumberID {
		id, err := rowNumber(&r)
		if err != nil {
			return err
		}
		i64(id)
	} else if t := p.schema.idType(); t.Known() {
		var err error
		if row, col, err = appendKept(row, t, Value{Text: r.ID, Null: r.ID == ""}, col); err != nil {
			return fmt.Errorf("writers: row %q, id column %q: %w", r.ID, p.schema.IDColumn, err)
		}
	} else {
		str(r.ID, false, 0)
	}
	for i, v := range r.Kept {
		t := p.schema.keptType(i)
		if t.Kind == coltype.Text {
			str(v.Text, v.Null, 1)
			continue
		}
		var err error
		if row, col, err = appendKept(row, t, v, col); err != nil {
			return fmt.Errorf("writers: row %q, column %q: %w", r.ID, p.schema.Keep[i], err)
		}
	}
	if p.schema.Embedding {
		var err error
		if row, err = p.appendEmbedding(row, &r, col); err != nil {
			return err
		}
		p.rows = append(p.rows, row)
		if len(p.rows) == cap(p.rows) {
			return p.flush()
		}
		return nil
	}
	str(r.Output, r.outputNull(), 1)
	if p.structured != nil {
		var err error
		if row, col, err = p.structured.appendRow(row, p.schema.structuredValues(&r), col); err != nil {
			return err
		}
	}
	str(r.FinishReason, r.outputNull(), 1)
	str(r.Model, r.modelNull(), 1)
	i64(r.PromptTokens)
	i64(r.CompletionTokens)
	i64(r.CachedTokens)
	i64(r.ReasoningTokens)
	if c, ok := r.cost(); ok {
		row = append(row, parquet.DoubleValue(c).Level(0, 1, col))
	} else {
		row = append(row, parquet.NullValue().Level(0, 0, col))
	}
	col++
	i64(r.LatencyMS)
	i64(int64(r.Attempts))
	str(r.Error, r.Error == "", 1)
	str(r.ServedFrom, r.ServedFrom == "", 1)

	p.rows = append(p.rows, row)
	if len(p.rows) == cap(p.rows) {
		return p.flush()
	}
	return nil
}

// flush hands the pending batch to parquet-go.
func (p *parquetWriter) flush() error {
	if len(p.rows) > 0 {
		if _, err := p.pw.WriteRows(p.rows); err != nil {
			p.err = fmt.Errorf("writers: write parquet rows: %w", err)
			return p.err
		}
	}
	p.groupRows += len(p.rows)
	p.textBytes += len(p.text)
	p.rows = p.rows[:0]
	p.text = p.text[:0]
	// parquet-go caps rows per group but not bytes: end the group here when
	// either limit is reached.
	if p.groupRows >= p.maxGroupRows || p.textBytes >= p.maxGroupBytes {
		p.groupRows, p.textBytes = 0, 0
		if err := p.pw.Flush(); err != nil {
			p.err = fmt.Errorf("writers: flush parquet row group: %w", err)
			return p.err
		}
	}
	return nil
}

// Close implements Writer: it writes the pending rows and the footer,
// without which the file is unreadable.
func (p *parquetWriter) Close() error {
	if p.closed {
		return p.err
	}
	p.closed = true
	if err := p.flush(); err != nil {
		return err
	}
	if err := p.pw.Close(); err != nil {
		p.err = fmt.Errorf("writers: close parquet: %w", err)
	}
	return p.err
}
