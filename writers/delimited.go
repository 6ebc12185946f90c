package writers

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// delimitedWriter writes RFC 4180 CSV (or the same with tabs) through
// encoding/csv: a header row, then one record per row, nulls as empty cells.
type delimitedWriter struct {
	cw     *csv.Writer
	schema Schema
	record []string // reused for every row
	closed bool
}

func newDelimited(w io.Writer, s Schema, cols []string, comma rune) (*delimitedWriter, error) {
	cw := csv.NewWriter(w)
	cw.Comma = comma
	cw.UseCRLF = false
	if err := cw.Write(cols); err != nil {
		return nil, fmt.Errorf("writers: write header: %w", err)
	}
	return &delimitedWriter{cw: cw, schema: s, record: make([]string, len(cols))}, nil
}

// Write implements Writer.
func (d *delimitedWriter) Write(r Row) error {
	if d.closed {
		return errClosed
	}
	if err := d.schema.checkRow(&r); err != nil {
		return err
	}
	rec := d.record[:0]
	if d.schema.RowNumberID {
		n, err := rowNumber(&r)
		if err != nil {
			return err
		}
		rec = append(rec, strconv.FormatInt(n, 10))
	} else {
		rec = append(rec, validUTF8(r.ID))
	}
	for _, v := range r.Kept {
		rec = append(rec, nullable(v.Text, v.Null))
	}
	rec = append(rec,
		nullable(r.Output, r.outputNull()),
	)
	if len(d.schema.Structured) > 0 {
		vals := d.schema.structuredValues(&r)
		for i := range d.schema.Structured {
			rec = append(rec, structuredCell(&d.schema.Structured[i], valueAt(vals, i)))
		}
	}
	rec = append(rec,
		nullable(r.FinishReason, r.outputNull()),
		nullable(r.Model, r.modelNull()),
		strconv.FormatInt(r.PromptTokens, 10),
		strconv.FormatInt(r.CompletionTokens, 10),
		strconv.FormatInt(r.CachedTokens, 10),
		strconv.FormatInt(r.ReasoningTokens, 10),
		"",
		strconv.FormatInt(r.LatencyMS, 10),
		strconv.Itoa(r.Attempts),
		validUTF8(r.Error),
		validUTF8(r.ServedFrom),
	)
	if c, ok := r.cost(); ok {
		rec[len(rec)-5] = strconv.FormatFloat(c, 'f', -1, 64)
	}
	if err := d.cw.Write(rec); err != nil {
		return fmt.Errorf("writers: write row %q: %w", r.ID, err)
	}
	return nil
}

// nullable returns the cell for a value that may be null.
func nullable(s string, null bool) string {
	if null {
		return ""
	}
	return validUTF8(s)
}

// Close implements Writer.
func (d *delimitedWriter) Close() error {
	d.closed = true
	d.cw.Flush()
	if err := d.cw.Error(); err != nil {
		return fmt.Errorf("writers: flush: %w", err)
	}
	return nil
}
