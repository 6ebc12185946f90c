package writers

import (
	"encoding/json"
	"io"
	"strconv"
)

// jsonlFlushAt is the buffer size at which formatted lines are handed to the
// underlying writer: large enough to make write calls rare, small enough to
// keep memory flat.
const jsonlFlushAt = 64 << 10

// jsonlWriter writes one JSON object per line, keys in column order. It
// formats by hand, not through encoding/json, to keep the key order, avoid
// reflection and allocate nothing per row.
type jsonlWriter struct {
	w      io.Writer
	schema Schema
	keys   [][]byte // each column's `"name":` prefix, escaped once
	buf    []byte
	err    error // first write error; sticky
	closed bool
	vec    []float32 // an embeddings row's vector, reused
}

func newJSONL(w io.Writer, s Schema, cols []string) *jsonlWriter {
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		k := appendJSONString(nil, c)
		keys[i] = append(k, ':')
	}
	return &jsonlWriter{w: w, schema: s, keys: keys, buf: make([]byte, 0, jsonlFlushAt+4096)}
}

// Write implements Writer.
func (j *jsonlWriter) Write(r Row) error {
	switch {
	case j.err != nil:
		return j.err
	case j.closed:
		return errClosed
	}
	if err := j.schema.checkRow(&r); err != nil {
		return err
	}
	b := j.buf
	k := 0
	key := func() {
		if k == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = append(b, j.keys[k]...)
		k++
	}
	str := func(s string, null bool) {
		key()
		if null {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, s)
		}
	}
	num := func(n int64) {
		key()
		b = strconv.AppendInt(b, n, 10)
	}

	if j.schema.RowNumberID {
		n, err := rowNumber(&r)
		if err != nil {
			return err
		}
		num(n)
	} else if t := j.schema.idType(); bareJSON(t) && (r.ID == "" || json.Valid([]byte(r.ID))) {
		key() // the input's number or boolean, as it wrote it; a missing one null, as in Parquet
		if r.ID == "" {
			b = append(b, "null"...)
		} else {
			b = append(b, r.ID...)
		}
	} else {
		str(r.ID, false)
	}
	for _, v := range r.Kept {
		if v.JSON && !v.Null && json.Valid([]byte(v.Text)) {
			key() // the input's number, boolean, array or object, as it wrote it
			b = append(b, v.Text...)
		} else {
			str(v.Text, v.Null)
		}
	}
	if j.schema.Embedding {
		var err error
		if b, err = j.appendEmbedding(b, &r, k); err != nil {
			return err
		}
		b = append(b, '}', '\n')
		j.buf = b
		if len(j.buf) >= jsonlFlushAt {
			return j.flush()
		}
		return nil
	}
	str(r.Output, r.outputNull())
	if len(j.schema.Structured) > 0 {
		vals := j.schema.structuredValues(&r)
		for i := range j.schema.Structured {
			key()
			b = appendJSONValue(b, &j.schema.Structured[i], valueAt(vals, i))
		}
	}
	str(r.FinishReason, r.outputNull())
	str(r.Model, r.modelNull())
	num(r.PromptTokens)
	num(r.CompletionTokens)
	num(r.CachedTokens)
	num(r.ReasoningTokens)
	key()
	if c, ok := r.cost(); ok {
		b = strconv.AppendFloat(b, c, 'f', -1, 64)
	} else {
		b = append(b, "null"...)
	}
	num(r.LatencyMS)
	num(int64(r.Attempts))
	str(r.Error, r.Error == "")
	str(r.ServedFrom, r.ServedFrom == "")
	b = append(b, '}', '\n')

	j.buf = b
	if len(j.buf) >= jsonlFlushAt {
		return j.flush()
	}
	return nil
}

func (j *jsonlWriter) flush() error {
	if j.err != nil {
		return j.err
	}
	if len(j.buf) > 0 {
		if _, err := j.w.Write(j.buf); err != nil {
			j.err = err
			return err
		}
	}
	j.buf = j.buf[:0]
	return nil
}

// Close implements Writer.
func (j *jsonlWriter) Close() error {
	if j.closed {
		return j.err
	}
	j.closed = true
	return j.flush()
}
