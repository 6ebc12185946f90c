package writers

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Writer formats rows into an io.Writer. A Writer is not safe for concurrent
// use. After an error the output is incomplete and the Writer should be
// abandoned (its output is not worth publishing).
type Writer interface {
	// Write formats one row. The row may be reused by the caller once Write
	// returns.
	Write(Row) error
	// Close flushes buffered data and footers; does not close the io.Writer.
	Close() error
}

// supportedFormats and supportedExtensions are for error messages.
const (
	supportedFormats    = "jsonl, csv, tsv, parquet, openai-batch"
	supportedExtensions = ".jsonl, .ndjson, .csv, .tsv, .parquet, .batch.jsonl"
)

// errClosed is returned by Write after Close.
var errClosed = errors.New("writers: write after close")

// New returns a Writer of the named format ("jsonl", "csv", "tsv" or
// "parquet") writing into w. It fails on an unknown format and on a schema
// whose columns collide (see Schema.Columns). A header (CSV, TSV) is written
// even if no row follows; Parquet output is readable only after Close.
func New(format string, w io.Writer, s Schema) (Writer, error) {
	if w == nil {
		return nil, errors.New("writers: nil io.Writer")
	}
	cols, err := s.Columns()
	if err != nil {
		return nil, err
	}
	if s.Embedding && (format == "csv" || format == "tsv") {
		return nil, errEmbeddingCSV
	}
	switch format {
	case "jsonl":
		return newJSONL(w, s, cols), nil
	case "csv":
		return newDelimited(w, s, cols, ',')
	case "tsv":
		return newDelimited(w, s, cols, '\t')
	case "parquet":
		return newParquet(w, s, cols)
	case "openai-batch":
		return newBatch(w), nil
	default:
		return nil, fmt.Errorf("writers: unknown output format %q (supported: %s)", format, supportedFormats)
	}
}

// FormatFromPath returns the format named by path's extension (compared
// without regard to case): .batch.jsonl is "openai-batch" (the Batch API's
// output format); .jsonl and .ndjson are "jsonl"; .csv, .tsv and .parquet
// name themselves. Any other extension is an error listing the
// supported ones.
func FormatFromPath(path string) (string, error) {
	if strings.HasSuffix(strings.ToLower(path), ".batch.jsonl") {
		return "openai-batch", nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return "jsonl", nil
	case ".csv":
		return "csv", nil
	case ".tsv":
		return "tsv", nil
	case ".parquet":
		return "parquet", nil
	}
	return "", fmt.Errorf("writers: cannot tell the output format of %q from its extension (supported: %s)", path, supportedExtensions)
}
