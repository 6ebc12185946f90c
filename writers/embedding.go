package writers

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/batchprompt/batchprompt/internal/embed"
)

// embeddingColumns are the result columns of an embeddings job's output
// (Schema.Embedding), after the id and kept columns. embedding is the
// vector: Parquet LIST<FLOAT> (DuckDB reads it as FLOAT[]), a JSON array
// of numbers in JSONL, null on a failed row; truncated is true when
// --truncate cut the row's text at the input limit.
var embeddingColumns = [...]string{"embedding", "truncated", "prompt_tokens", "cost_usd", "attempts", "error"}

// errEmbeddingCSV refuses CSV and TSV for embeddings: a vector of hundreds
// of numbers is not a cell, and a JSON array in a cell is a format of our
// own that every reader would have to parse back.
var errEmbeddingCSV = errors.New("writers: an embeddings output cannot be CSV or TSV: write .parquet (embedding as LIST<FLOAT>) or .jsonl (an array of numbers)")

// vector decodes an embeddings row's Output (embed.EncodeVector's base64,
// as the state database stores it) into buf, reused across rows.
func (r *Row) vector(buf []float32) ([]float32, error) {
	v, err := embed.AppendDecodeVector(buf[:0], r.Output)
	if err != nil {
		return buf, fmt.Errorf("writers: row %q: %w", r.ID, err)
	}
	return v, nil
}

// embeddingNodes are the Parquet nodes of embeddingColumns.
func embeddingNodes() []parquet.Node {
	i64 := parquet.Required(parquet.Leaf(parquet.Int64Type))
	return []parquet.Node{
		parquet.Optional(parquet.List(parquet.Leaf(parquet.FloatType))),
		parquet.Optional(parquet.Leaf(parquet.BooleanType)),
		i64,
		parquet.Optional(parquet.Leaf(parquet.DoubleType)),
		i64,
		parquet.Optional(parquet.String()),
	}
}

// appendEmbedding appends the embeddings result columns of r to b, the
// first of them being column k (never the first: the id comes before).
func (j *jsonlWriter) appendEmbedding(b []byte, r *Row, k int) ([]byte, error) {
	key := func() {
		b = append(b, ',')
		b = append(b, j.keys[k]...)
		k++
	}
	key()
	if r.outputNull() {
		b = append(b, "null"...)
	} else {
		v, err := r.vector(j.vec)
		if err != nil {
			return b, err
		}
		j.vec = v
		b = append(b, '[')
		for i, f := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
		}
		b = append(b, ']')
	}
	key()
	b = strconv.AppendBool(b, r.FinishReason == "truncated")
	key()
	b = strconv.AppendInt(b, r.PromptTokens, 10)
	key()
	if c, ok := r.cost(); ok {
		b = strconv.AppendFloat(b, c, 'f', -1, 64)
	} else {
		b = append(b, "null"...)
	}
	key()
	b = strconv.AppendInt(b, int64(r.Attempts), 10)
	key()
	if r.Error == "" {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, r.Error)
	}
	return b, nil
}

// appendEmbedding appends the embeddings result columns of r to row,
// starting at column col. A vector is one value per float at repetition
// level 1 after the first (definition level 2: the list and an element
// present); a null vector is one value at definition level 0.
func (p *parquetWriter) appendEmbedding(row parquet.Row, r *Row, col int) (parquet.Row, error) {
	if r.outputNull() {
		row = append(row, parquet.NullValue().Level(0, 0, col))
	} else {
		v, err := r.vector(p.vec)
		if err != nil {
			return row, err
		}
		p.vec = v
		// Vectors count toward the row group's byte cap as text does: at
		// 1536 dimensions, 64k rows would hold 400 MB in memory.
		p.textBytes += 4 * len(v)
		if len(v) == 0 {
			row = append(row, parquet.NullValue().Level(0, 1, col))
		}
		for i, f := range v {
			rep := 1
			if i == 0 {
				rep = 0
			}
			row = append(row, parquet.FloatValue(f).Level(rep, 2, col))
		}
	}
	col++
	row = append(row, parquet.BooleanValue(r.FinishReason == "truncated").Level(0, 1, col))
	col++
	row = append(row, parquet.Int64Value(r.PromptTokens).Level(0, 0, col))
	col++
	if c, ok := r.cost(); ok {
		row = append(row, parquet.DoubleValue(c).Level(0, 1, col))
	} else {
		row = append(row, parquet.NullValue().Level(0, 0, col))
	}
	col++
	row = append(row, parquet.Int64Value(int64(r.Attempts)).Level(0, 0, col))
	col++
	if r.Error == "" {
		row = append(row, parquet.NullValue().Level(0, 0, col))
	} else {
		start := len(p.text)
		p.text = appendValidUTF8(p.text, r.Error)
		row = append(row, parquet.ByteArrayValue(p.text[start:len(p.text):len(p.text)]).Level(0, 1, col))
	}
	return row, nil
}
